package gateway

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/cairn-audit/cairn/internal/event"
	"github.com/cairn-audit/cairn/internal/fsutil"
	"github.com/cairn-audit/cairn/internal/recorder"
)

// spillExt names a spilled event: its entry as the journal would hold it.
const spillExt = ".event"

// spill keeps the events of forwarded calls that could not be recorded when
// they were made (the upstream had already acted), one fsynced file each,
// and appends them to the journal once it takes appends again. The files
// outlive restarts: Run retries them at start.
type spill struct {
	dir  string
	rec  *recorder.Recorder
	log  *slog.Logger
	mu   sync.Mutex // one replay at a time
	wake chan struct{}
}

func openSpill(dir string, rec *recorder.Recorder, log *slog.Logger) (*spill, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("gateway: spill dir: %w", err)
	}
	return &spill{dir: dir, rec: rec, log: log, wake: make(chan struct{}, 1)}, nil
}

// put makes e durable in the spill directory.
func (s *spill) put(e event.Entry) error {
	b, err := e.MarshalBinary()
	if err != nil {
		return err
	}
	name := fmt.Sprintf("%020d-%s%s", time.Now().UnixNano(), e.Meta.EventID, spillExt)
	if err := fsutil.WriteFileAtomic(filepath.Join(s.dir, name), b, 0o600); err != nil {
		return err
	}
	s.log.Warn("event spilled; it will be appended to the journal when recording recovers", "eventID", e.Meta.EventID, "eventName", e.Meta.EventName, "file", name)
	select {
	case s.wake <- struct{}{}:
	default:
	}
	return nil
}

// files are the spilled events, oldest first.
func (s *spill) files() ([]string, error) {
	ents, err := os.ReadDir(s.dir)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range ents {
		if strings.HasSuffix(e.Name(), spillExt) {
			out = append(out, e.Name())
		}
	}
	sort.Strings(out)
	return out, nil
}

func (s *spill) pending() int {
	f, _ := s.files()
	return len(f)
}

// replay appends every spilled event to the journal, deleting each once it
// is durable there; it stops at the first append that fails.
func (s *spill) replay(ctx context.Context) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	names, err := s.files()
	if err != nil {
		return 0, err
	}
	n := 0
	for _, name := range names {
		path := filepath.Join(s.dir, name)
		b, err := os.ReadFile(path)
		if err != nil {
			return n, err
		}
		var e event.Entry
		if err := e.UnmarshalBinary(b); err != nil {
			s.log.Error("corrupt spilled event set aside", "file", name, "err", err)
			_ = os.Rename(path, path+".corrupt")
			continue
		}
		if _, err := s.rec.AppendEntry(ctx, e); err != nil {
			return n, err
		}
		if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
			return n, err
		}
		n++
	}
	if n > 0 {
		if err := fsutil.SyncDir(s.dir); err != nil {
			return n, err
		}
		s.log.Info("spilled events recorded", "count", n)
	}
	return n, nil
}

// run replays at once, then every interval or when an event is spilled.
func (s *spill) run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if _, err := s.replay(ctx); err != nil && ctx.Err() == nil {
			s.log.Warn("spilled events not recorded yet; will retry", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-s.wake:
			select { // let the journal recover a little before retrying
			case <-ctx.Done():
				return
			case <-time.After(interval / 4):
			}
		}
	}
}
