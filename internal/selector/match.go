package selector

import "strings"

// Match reports whether the selectors select e: whether any selector
// matches (OR). It does not allocate.
func (m *Matcher) Match(e *Event) bool {
	if m == nil || e == nil {
		return false
	}
	category := e.Category
	if category == "" {
		category = CategoryManagement
	}
	for i := range m.basic {
		if m.basic[i].match(e, category) {
			return true
		}
	}
	for i := range m.advanced {
		if m.advanced[i].match(e, category) {
			return true
		}
	}
	return false
}

func (b *basicSel) match(e *Event, category string) bool {
	if !b.rw.accepts(e.ReadOnly) {
		return false
	}
	switch category {
	case CategoryManagement:
		if !b.mgmt {
			return false
		}
		for _, src := range b.excluded {
			if e.EventSource == src {
				return false
			}
		}
		return true
	case CategoryData:
		for i := range b.data {
			if b.data[i].match(e.Resources) {
				return true
			}
		}
	}
	return false
}

// match reports whether a resource of d's type has an ARN d selects.
func (d *dataSel) match(res []Resource) bool {
	for i := range res {
		r := &res[i]
		if r.Type != d.typ {
			continue
		}
		if d.all || d.exact.has(r.ARN) {
			return true
		}
		for _, p := range d.prefixes {
			if strings.HasPrefix(r.ARN, p) {
				return true
			}
		}
	}
	return false
}

// match is the AND of a selector's field selectors. resources.type and
// resources.ARN are satisfied by one resource: the selector needs a resource
// whose type satisfies resources.type and whose ARN satisfies resources.ARN.
func (a *advSel) match(e *Event, category string) bool {
	if a.category != category {
		return false
	}
	for i := range a.conds {
		c := &a.conds[i]
		v, present := e.field(c.field)
		if !c.test(v, present) {
			return false
		}
	}
	if a.resType == nil && a.resARN == nil {
		return true
	}
	if len(e.Resources) == 0 {
		return a.resType.test("", false) && a.resARN.test("", false)
	}
	for i := range e.Resources {
		r := &e.Resources[i]
		if a.resType.test(r.Type, r.Type != "") && a.resARN.test(r.ARN, r.ARN != "") {
			return true
		}
	}
	return false
}

// test applies one field selector to a field value. An absent field fails
// positive operators and passes negative ones. A nil cond passes.
func (c *cond) test(v string, present bool) bool {
	if c == nil {
		return true
	}
	if !present {
		return !c.positive
	}
	if c.hasEq && !c.eq.has(v) {
		return false
	}
	if len(c.sw) > 0 && !anyPrefix(v, c.sw) {
		return false
	}
	if len(c.ew) > 0 && !anySuffix(v, c.ew) {
		return false
	}
	return !c.neq.has(v) && !anyPrefix(v, c.nsw) && !anySuffix(v, c.new)
}

func anyPrefix(v string, ps []string) bool {
	for _, p := range ps {
		if strings.HasPrefix(v, p) {
			return true
		}
	}
	return false
}

func anySuffix(v string, ss []string) bool {
	for _, s := range ss {
		if strings.HasSuffix(v, s) {
			return true
		}
	}
	return false
}

// field returns the event's value for f and whether the event has it.
// Empty strings are absent; readOnly is always present.
func (e *Event) field(f fieldID) (string, bool) {
	var v string
	switch f {
	case fEventCategory:
		v = e.Category
	case fEventSource:
		v = e.EventSource
	case fEventName:
		v = e.EventName
	case fEventType:
		v = e.EventType
	case fErrorCode:
		v = e.ErrorCode
	case fUserIdentityARN:
		v = e.UserARN
	case fVPCEndpointID:
		v = e.VPCEndpointID
	case fSessionCredentialFromConsole:
		v = e.SessionCredentialFromConsole
	case fReadOnly:
		if e.ReadOnly {
			return "true", true
		}
		return "false", true
	}
	return v, v != ""
}
