package channel

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	"github.com/cairn-audit/cairn/internal/fsutil"
)

// The state file: {"format":"cairn-channels","version":1,"channels":[Channel...]},
// channels ordered by ARN.
const (
	stateFile     = "channels.json"
	fileFormat    = "cairn-channels"
	formatVersion = 1
)

type fileState struct {
	Format   string    `json:"format"`
	Version  int       `json:"version"`
	Channels []Channel `json:"channels"`
}

func encode(st *state) ([]byte, error) {
	f := fileState{Format: fileFormat, Version: formatVersion, Channels: make([]Channel, 0, len(st.channels))}
	for _, c := range st.channels {
		f.Channels = append(f.Channels, c)
	}
	slices.SortFunc(f.Channels, func(a, b Channel) int { return cmp.Compare(a.ARN, b.ARN) })
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode channel state: %w", err)
	}
	return append(b, '\n'), nil
}

// readFile reads dir/name, removing a temp file left by an interrupted
// write; a missing file is (nil, nil).
func readFile(dir, name string) ([]byte, error) {
	path := filepath.Join(dir, name)
	if err := os.Remove(path + fsutil.TempSuffix); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("remove stale temp file: %w", err)
	}
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return b, nil
}

// load reads the state file; a missing file is an empty store.
func load(dir string) (*state, error) {
	st := &state{channels: map[string]Channel{}, byID: map[string]string{}}
	b, err := readFile(dir, stateFile)
	if err != nil || b == nil {
		return st, err
	}
	path := filepath.Join(dir, stateFile)
	var f fileState
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("parse channel state %s: %w", path, err)
	}
	if f.Format != fileFormat || f.Version != formatVersion {
		return nil, fmt.Errorf("channel state %s: format %q version %d, want %q version %d", path, f.Format, f.Version, fileFormat, formatVersion)
	}
	for _, c := range f.Channels {
		if c.ID == "" || c.Account == "" || c.Region == "" || c.ARN != ARN(c.Region, c.Account, c.ID) {
			return nil, fmt.Errorf("channel state %s: channel %q lacks its ID, account or region, or has a wrong ARN", path, c.Name)
		}
		if _, dup := st.channels[c.ARN]; dup {
			return nil, fmt.Errorf("channel state %s: channel %s twice", path, c.ARN)
		}
		st.put(c)
	}
	return st, nil
}
