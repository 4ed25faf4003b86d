package lake

import (
	"slices"
	"strings"
)

// Get returns the account's import id started in region.
func (im *Imports) Get(account, region, id string) (Import, bool) {
	im.mu.Lock()
	defer im.mu.Unlock()
	st, ok := im.find(account, region, id)
	if !ok {
		return Import{}, false
	}
	return st.rec.view(), true
}

// List returns the account's imports started in region, oldest first.
func (im *Imports) List(account, region string) []Import {
	im.mu.Lock()
	defer im.mu.Unlock()
	var out []Import
	for _, st := range im.imports {
		if st.rec.Import.Account == account && st.rec.Import.Region == region {
			out = append(out, st.rec.view())
		}
	}
	slices.SortFunc(out, func(a, b Import) int {
		if c := a.Created.Compare(b.Created); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out
}

// Failures returns the failures of the account's import id started in
// region, in the order they first happened.
func (im *Imports) Failures(account, region, id string) ([]ImportFailure, bool) {
	im.mu.Lock()
	defer im.mu.Unlock()
	st, ok := im.find(account, region, id)
	if !ok {
		return nil, false
	}
	out := make([]ImportFailure, 0, len(st.rec.Failures))
	for _, f := range st.rec.Failures {
		out = append(out, f.ImportFailure)
	}
	return out, true
}

// Ongoing reports whether an import into the event data store storeID (its
// ID, the UUID ending its ARN) is initializing or in progress, or is being
// started: DeleteEventDataStore and UpdateEventDataStore refuse then.
func (im *Imports) Ongoing(storeID string) bool {
	im.mu.Lock()
	defer im.mu.Unlock()
	names := func(dests []string) bool {
		for _, d := range dests {
			if strings.EqualFold(storeIDOf(d), storeID) {
				return true
			}
		}
		return false
	}
	for _, st := range im.imports {
		if active(st.rec.Import.Status) && names(st.rec.Import.Destinations) {
			return true
		}
	}
	for _, r := range im.reserved {
		if names(r.destinations) {
			return true
		}
	}
	return false
}

// find returns the import id if it belongs to account and region. Callers
// hold im.mu.
func (im *Imports) find(account, region, id string) (*importState, bool) {
	st, ok := im.imports[id]
	if !ok || st.rec.Import.Account != account || st.rec.Import.Region != region {
		return nil, false
	}
	return st, true
}
