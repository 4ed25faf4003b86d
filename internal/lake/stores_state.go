package lake

import (
	"cmp"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// storesState is one version of the definitions. Published versions are
// never mutated; stores in it are deep copies nobody else holds.
type storesState struct {
	stores map[string]EventDataStore // by ID
}

// storesFileBody is stores.json's content besides format and version:
// {"eventDataStores":[EventDataStore...]}, oldest first.
type storesFileBody struct {
	Stores []EventDataStore `json:"eventDataStores"`
}

func (st *storesState) clone() *storesState {
	return &storesState{stores: maps.Clone(st.stores)} // stored values are never mutated in place
}

func (st *storesState) MarshalJSON() ([]byte, error) {
	return json.Marshal(storesFileBody{Stores: st.list("")})
}

func (st *storesState) UnmarshalJSON(b []byte) error {
	var f storesFileBody
	if err := json.Unmarshal(b, &f); err != nil {
		return err
	}
	st.stores = make(map[string]EventDataStore, len(f.Stores))
	for _, e := range f.Stores {
		if _, dup := st.stores[e.ID]; dup {
			return fmt.Errorf("event data store %s appears twice", e.ID)
		}
		st.stores[e.ID] = e
	}
	return nil
}

// validate checks every store (Open and every commit run it).
func (st *storesState) validate() error {
	for _, e := range st.stores {
		if err := e.validate(); err != nil {
			return err
		}
	}
	return nil
}

// get returns a copy of the store with this ID or ARN.
func (st *storesState) get(ref string) (EventDataStore, bool) {
	e, ok := st.stores[idOf(ref)]
	if !ok || strings.HasPrefix(ref, "arn:") && ref != e.ARN {
		return EventDataStore{}, false
	}
	return e.Clone(), true
}

// list returns copies of the account's stores ("" for every account),
// oldest first.
func (st *storesState) list(account string) []EventDataStore {
	out := []EventDataStore{}
	for _, e := range st.stores {
		if account == "" || e.Account == account {
			out = append(out, e.Clone())
		}
	}
	slices.SortFunc(out, func(a, b EventDataStore) int { return cmp.Or(a.Created.Compare(b.Created), cmp.Compare(a.ID, b.ID)) })
	return out
}
