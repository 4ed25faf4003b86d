package store

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// After a failed COMMIT the event-history store's database is closed
// without checkpointing and opened again from disk before its next use,
// like the Lake's (duckdb_commit.go): the reopen reloads the cursor,
// partitions and filters as committed, cuts each record log to the frames
// committed rows reference and removes logs of partitions that were not
// created. A failed Apply's frames are therefore left for the reopen to
// judge: whether a failed COMMIT committed is only known from the disk.

// ErrUnavailable is returned while the store's database could not be
// reopened after a failed commit (e.g. the disk is still full); the next
// call tries again.
var ErrUnavailable = errors.New("store: history unavailable")

// inTx runs fn in one transaction; a failed COMMIT (or an invalidated
// database) marks the database for reopening. The caller holds wmu and has
// called recover.
func (h *History) inTx(ctx context.Context, fn func(tx *rawTx) error) error {
	if h.down != nil {
		return h.down
	}
	err := commitTx(ctx, h.db, fn)
	if needsReopen(err) {
		h.markSuspect(err)
	}
	return err
}

// markSuspect records that the database must be reopened before its next
// use. The caller holds wmu.
func (h *History) markSuspect(err error) {
	if h.suspect == nil {
		h.log.Warn("history store: a commit failed; the database is reopened from disk before its next use", "err", err)
		h.suspect = err
		h.unsettled.Store(true)
	}
}

// ready reopens the database if a failed commit left it suspect, for
// lookups: they need not wait for the next Apply.
func (h *History) ready(ctx context.Context) error {
	if !h.unsettled.Load() {
		return nil
	}
	h.wmu.Lock()
	defer h.wmu.Unlock()
	return h.recover(ctx)
}

// recover reopens the database if a failed commit left it suspect, waiting
// for lookups in flight. The caller holds wmu.
func (h *History) recover(ctx context.Context) error {
	if h.suspect == nil {
		return nil
	}
	if h.closed.Load() {
		return ErrClosed
	}
	began := time.Now()
	h.dropMu.Lock()
	defer h.dropMu.Unlock()
	if h.down == nil {
		if err := errors.Join(closeDuckDB(h.db, false), h.closeLogs()); err != nil {
			h.log.Warn("history store: closing the database after a failed commit", "err", err)
		}
		h.parts.Store(&partitionSet{})
	}
	if err := h.open(ctx); err != nil {
		h.down = fmt.Errorf("%w: reopening the database after a failed commit (%v): %w", ErrUnavailable, h.suspect, err)
		return h.down
	}
	h.down, h.suspect = nil, nil
	h.unsettled.Store(false)
	h.sinceSave = int(min(h.cursor.Load()-h.filtersThrough, filterSaveEvery))
	h.log.Info("history store: database reopened after a failed commit", "cursor", h.cursor.Load(),
		"took", time.Since(began).Round(time.Millisecond))
	return nil
}
