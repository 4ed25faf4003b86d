package journal

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// TrimBefore deletes the oldest segments all of whose entries are < seq and
// returns how many it deleted. The active segment is never deleted, so up to
// one segment's worth of older entries may remain. Segments are deleted
// oldest first, so a crash part way leaves a contiguous journal.
func (j *Journal) TrimBefore(seq uint64) (int, error) {
	if j.closed.Load() {
		return 0, ErrClosed
	}
	j.trimMu.Lock()
	defer j.trimMu.Unlock()

	// Take the victims out of the index first, so no new Read opens them.
	j.mu.Lock()
	n := 0
	for n < len(j.segs)-1 && j.segs[n+1].first <= seq {
		n++
	}
	victims := append([]*segment(nil), j.segs[:n]...)
	j.segs = append([]*segment(nil), j.segs[n:]...)
	j.mu.Unlock()

	removed := 0
	var errs []error
	for _, s := range victims {
		if err := os.Remove(s.path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, fmt.Errorf("journal: trim: %w", err))
			break
		}
		removed++
		if err := s.retire(); err != nil {
			errs = append(errs, err)
		}
	}
	if removed < len(victims) {
		// Put back what is still on disk so the index matches the files.
		j.mu.Lock()
		j.segs = append(append([]*segment(nil), victims[removed:]...), j.segs...)
		j.mu.Unlock()
	}
	if removed > 0 {
		if err := j.ops.syncDir(j.dir); err != nil {
			errs = append(errs, fmt.Errorf("journal: trim: %w", err))
		}
	}
	return removed, errors.Join(errs...)
}
