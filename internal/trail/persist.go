package trail

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

// The state file: {"format":"cairn-trails","version":1,"trails":[Trail...]},
// trails ordered by account and ARN.
const (
	stateFile     = "trails.json"
	fileFormat    = "cairn-trails"
	formatVersion = 1
)

type fileState struct {
	Format  string  `json:"format"`
	Version int     `json:"version"`
	Trails  []Trail `json:"trails"`
}

func encode(st *state) ([]byte, error) {
	f := fileState{Format: fileFormat, Version: formatVersion, Trails: make([]Trail, 0, len(st.trails))}
	for _, t := range st.trails {
		f.Trails = append(f.Trails, t)
	}
	slices.SortFunc(f.Trails, func(a, b Trail) int {
		return cmp.Or(cmp.Compare(a.Account, b.Account), cmp.Compare(a.ARN, b.ARN))
	})
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode trail state: %w", err)
	}
	return append(b, '\n'), nil
}

// load reads the state file; a missing file is an empty store. A temp file
// left by an interrupted write is removed.
func load(dir string) (*state, error) {
	path := filepath.Join(dir, stateFile)
	if err := os.Remove(path + fsutil.TempSuffix); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("remove stale temp file: %w", err)
	}
	st := &state{trails: map[key]Trail{}}
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return st, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read trail state: %w", err)
	}
	var f fileState
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("parse trail state %s: %w", path, err)
	}
	if f.Format != fileFormat || f.Version != formatVersion {
		return nil, fmt.Errorf("trail state %s: format %q version %d, want %q version %d", path, f.Format, f.Version, fileFormat, formatVersion)
	}
	for _, t := range f.Trails {
		if t.Account == "" || t.ARN == "" || t.ID == "" {
			return nil, fmt.Errorf("trail state %s: trail %q lacks its account, ARN or ID", path, t.Name)
		}
		k := keyOf(t)
		if _, dup := st.trails[k]; dup {
			return nil, fmt.Errorf("trail state %s: trail %s twice", path, t.ARN)
		}
		st.trails[k] = t
	}
	return st, nil
}

func writeState(path string, data []byte) error { return fsutil.WriteFileAtomic(path, data, 0o600) }
