package trail

import (
	"encoding/json"
	"fmt"

	"github.com/cairn-audit/cairn/internal/fsutil"
)

// The state file: {"format":"cairn-trails","version":1,"trails":[Trail...]},
// trails ordered by account and ARN. jsonstore writes format and version;
// the state encodes the rest.
const (
	stateFile     = "trails.json"
	fileFormat    = "cairn-trails"
	formatVersion = 1
)

type fileBody struct {
	Trails []Trail `json:"trails"`
}

func (st *state) MarshalJSON() ([]byte, error) {
	return json.Marshal(fileBody{Trails: st.sorted("")})
}

func (st *state) UnmarshalJSON(b []byte) error {
	var f fileBody
	if err := json.Unmarshal(b, &f); err != nil {
		return err
	}
	st.trails = make(map[key]Trail, len(f.Trails))
	for _, t := range f.Trails {
		if t.Account == "" || t.ARN == "" || t.ID == "" {
			return fmt.Errorf("trail %q lacks its account, ARN or ID", t.Name)
		}
		k := keyOf(t)
		if _, dup := st.trails[k]; dup {
			return fmt.Errorf("trail %s twice", t.ARN)
		}
		st.trails[k] = t
	}
	return nil
}

func writeState(path string, data []byte) error { return fsutil.WriteFileAtomic(path, data, 0o600) }
