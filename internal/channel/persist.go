package channel

import (
	"encoding/json"
	"fmt"
)

// The state file: {"format":"cairn-channels","version":1,"channels":[Channel...]},
// channels ordered by ARN. jsonstore writes format and version; the state
// encodes the rest.
const (
	stateFile     = "channels.json"
	fileFormat    = "cairn-channels"
	formatVersion = 1
)

type fileBody struct {
	Channels []Channel `json:"channels"`
}

func (st *state) MarshalJSON() ([]byte, error) {
	return json.Marshal(fileBody{Channels: st.sorted()})
}

func (st *state) UnmarshalJSON(b []byte) error {
	var f fileBody
	if err := json.Unmarshal(b, &f); err != nil {
		return err
	}
	st.channels, st.byID = make(map[string]Channel, len(f.Channels)), make(map[string]string, len(f.Channels))
	for _, c := range f.Channels {
		if c.ID == "" || c.Account == "" || c.Region == "" || c.ARN != ARN(c.Region, c.Account, c.ID) {
			return fmt.Errorf("channel %q lacks its ID, account or region, or has a wrong ARN", c.Name)
		}
		if _, dup := st.channels[c.ARN]; dup {
			return fmt.Errorf("channel %s twice", c.ARN)
		}
		st.put(c)
	}
	return nil
}
