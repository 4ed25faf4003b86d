package selector

// Matcher is a compiled Set. It is immutable and safe for concurrent use.
// A nil *Matcher matches nothing.
type Matcher struct {
	basic     []basicSel
	advanced  []advSel
	wantsData bool
}

type rwFilter uint8

const (
	rwAll rwFilter = iota
	rwReadOnly
	rwWriteOnly
)

func (f rwFilter) accepts(readOnly bool) bool {
	switch f {
	case rwReadOnly:
		return readOnly
	case rwWriteOnly:
		return !readOnly
	}
	return true
}

type basicSel struct {
	rw       rwFilter
	mgmt     bool
	excluded []string // management event sources not logged
	data     []dataSel
}

type dataSel struct {
	typ      string
	all      bool     // a whole-type value ("arn:aws:s3", "arn:aws:lambda", ...)
	exact    strSet   // Lambda / DynamoDB ARNs
	prefixes []string // S3 bucket/key prefixes
}

type advSel struct {
	category string
	conds    []cond // non-resource fields
	resType  *cond  // resources.type, or nil
	resARN   *cond  // resources.ARN, or nil
}

// cond is one compiled field selector.
type cond struct {
	field    fieldID
	hasEq    bool
	eq, neq  strSet
	sw, ew   []string
	nsw, new []string
	positive bool // has Equals, StartsWith or EndsWith
}

// strSet is a set of strings: a slice for a few, a map for many.
type strSet struct {
	few  []string
	many map[string]struct{}
}

const strSetMapMin = 8

func newStrSet(vals []string) strSet {
	if len(vals) < strSetMapMin {
		return strSet{few: append([]string(nil), vals...)}
	}
	m := make(map[string]struct{}, len(vals))
	for _, v := range vals {
		m[v] = struct{}{}
	}
	return strSet{many: m}
}

func (s *strSet) has(v string) bool {
	if s.many != nil {
		_, ok := s.many[v]
		return ok
	}
	for _, x := range s.few {
		if x == v {
			return true
		}
	}
	return false
}

// Compile validates s for a trail and compiles it. A zero Set compiles
// Default(). The error, if any, is a *ValidationError whose Error() is the
// InvalidEventSelectorsException message.
func Compile(s Set) (*Matcher, error) { return CompileFor(s, ForTrail) }

// CompileFor validates s for t and compiles it. A zero Set compiles the
// target's default: Default() for a trail, DefaultEventDataStore() for an
// event data store. Event data stores accept only advanced selectors.
func CompileFor(s Set, t Target) (*Matcher, error) {
	switch {
	case len(s.Basic) > 0 && len(s.Advanced) > 0:
		return nil, invalid("You can select events by using either EventSelectors or AdvancedEventSelectors, but not both.")
	case len(s.Basic) == 0 && len(s.Advanced) == 0:
		if t == ForEventDataStore {
			s = DefaultEventDataStore()
		} else {
			s = Default()
		}
	}
	if len(s.Basic) > 0 {
		if t == ForEventDataStore {
			return nil, invalid("Event data stores accept only advanced event selectors.")
		}
		if err := ValidateBasic(s.Basic); err != nil {
			return nil, err
		}
		return compileBasic(s.Basic), nil
	}
	if err := ValidateAdvanced(s.Advanced, t); err != nil {
		return nil, err
	}
	return compileAdvanced(s.Advanced), nil
}

func compileBasic(sel []EventSelector) *Matcher {
	m := &Matcher{basic: make([]basicSel, len(sel))}
	for i, s := range sel {
		b := basicSel{mgmt: s.IncludeManagementEvents == nil || *s.IncludeManagementEvents}
		switch s.ReadWriteType {
		case ReadOnly:
			b.rw = rwReadOnly
		case WriteOnly:
			b.rw = rwWriteOnly
		}
		b.excluded = append([]string(nil), s.ExcludeManagementEventSources...)
		for _, dr := range s.DataResources {
			d := dataSel{typ: dr.Type}
			check := dataValueCheckers[dr.Type]
			var exact []string
			for _, v := range dr.Values {
				whole, _ := check(v)
				switch {
				case whole:
					d.all = true
				case dr.Type == TypeS3Object:
					d.prefixes = append(d.prefixes, v)
				default:
					exact = append(exact, v)
				}
			}
			d.exact = newStrSet(exact)
			b.data = append(b.data, d)
			m.wantsData = true
		}
		m.basic[i] = b
	}
	return m
}

func compileAdvanced(sel []AdvancedEventSelector) *Matcher {
	m := &Matcher{advanced: make([]advSel, len(sel))}
	for i := range sel {
		a := advSel{}
		for j := range sel[i].FieldSelectors {
			fs := &sel[i].FieldSelectors[j]
			id := lookupField(fs.Field)
			switch id {
			case fEventCategory:
				a.category = fs.Equals[0]
			case fResourcesType:
				c := compileCond(id, fs)
				a.resType = &c
			case fResourcesARN:
				c := compileCond(id, fs)
				a.resARN = &c
			default:
				a.conds = append(a.conds, compileCond(id, fs))
			}
		}
		if a.category == CategoryData || a.category == CategoryNetworkActivity {
			m.wantsData = true
		}
		m.advanced[i] = a
	}
	return m
}

func compileCond(id fieldID, fs *FieldSelector) cond {
	c := cond{
		field: id,
		hasEq: fs.Equals != nil,
		eq:    newStrSet(fs.Equals),
		neq:   newStrSet(fs.NotEquals),
		sw:    append([]string(nil), fs.StartsWith...),
		ew:    append([]string(nil), fs.EndsWith...),
		nsw:   append([]string(nil), fs.NotStartsWith...),
		new:   append([]string(nil), fs.NotEndsWith...),
	}
	c.positive = c.hasEq || len(c.sw) > 0 || len(c.ew) > 0
	return c
}

// WantsData reports whether any data or network-activity event can ever
// match, so callers can skip building data events for this matcher.
func (m *Matcher) WantsData() bool { return m != nil && m.wantsData }
