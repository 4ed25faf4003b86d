package delivery

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/cairn-audit/cairn/internal/fsutil"
	"github.com/cairn-audit/cairn/internal/trail"
)

const stateFile = "state.json"

// pendingFile is one log file of a batch that is cut but not yet stored.
type pendingFile struct {
	Region string `json:"region"`
	Key    string `json:"key"`
}

// pending is a batch that is cut but not yet fully stored. It names the
// stream range and the keys its files are stored under, so that after a crash
// the same files are rebuilt from the stream and stored under the same keys.
type pending struct {
	First     uint64        `json:"first"`
	Last      uint64        `json:"last"`
	Delivered time.Time     `json:"delivered"`
	Files     []pendingFile `json:"files"`
}

// state is a trail's durable delivery state.
type state struct {
	Cursor  uint64            `json:"cursor"` // every event up to here is delivered or not wanted
	Pending *pending          `json:"pending,omitempty"`
	Chains  map[string]*chain `json:"chains,omitempty"` // digest chains by region
	Status  trail.Status      `json:"status"`
}

func loadState(dir string) (state, error) {
	var st state
	b, err := os.ReadFile(filepath.Join(dir, stateFile))
	if errors.Is(err, os.ErrNotExist) {
		return st, nil
	}
	if err != nil {
		return st, fmt.Errorf("read delivery state: %w", err)
	}
	if err := json.Unmarshal(b, &st); err != nil {
		return st, fmt.Errorf("decode delivery state %s: %w", dir, err)
	}
	return st, nil
}

func saveState(dir string, st *state) error {
	b, err := json.Marshal(st)
	if err != nil {
		return fmt.Errorf("encode delivery state: %w", err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create delivery dir: %w", err)
	}
	if err := fsutil.WriteFileAtomic(filepath.Join(dir, stateFile), b, 0o600); err != nil {
		return fmt.Errorf("save delivery state: %w", err)
	}
	return nil
}
