package historydb

import (
	"context"
	"errors"

	"github.com/cairn-audit/cairn/internal/duckdb"
)

// After a failed COMMIT the event-history store's database is closed
// without checkpointing and opened again from disk before its next use,
// like the Lake's (internal/duckdb, "Failed commits"; the state is a
// duckdb.Reopener): the reopen reloads the cursor, partitions and filters
// as committed, cuts each record log to the frames committed rows reference
// and removes logs of partitions that were not created. A failed Apply's
// frames are therefore left for the reopen to judge: whether a failed
// COMMIT committed is only known from the disk.

// ErrUnavailable is returned while the store's database could not be
// reopened after a failed commit (e.g. the disk is still full); the next
// call tries again.
var ErrUnavailable = errors.New("store: history unavailable")

// newReopener is the suspect→reopen state of h's database: writers hold
// wmu, lookups hold dropMu shared.
func (h *History) newReopener() *duckdb.Reopener {
	return duckdb.NewReopener(duckdb.ReopenOptions{
		Name:        "history store",
		Logger:      h.log,
		Unavailable: ErrUnavailable,
		Writer:      &h.wmu,
		Readers:     &h.dropMu,
		Closed: func() error {
			if h.closed.Load() {
				return ErrClosed
			}
			return nil
		},
		Close: func() error {
			err := errors.Join(duckdb.Close(h.db, false), h.closeLogs())
			h.parts.Store(&partitionSet{})
			return err
		},
		Open: func(ctx context.Context) error {
			if err := h.open(ctx); err != nil {
				return err
			}
			h.sinceSave = int(min(h.cursor.Load()-h.filtersThrough, filterSaveEvery))
			return nil
		},
	})
}

// inTx runs fn in one transaction; a failed COMMIT (or an invalidated
// database) marks the database for reopening. The caller holds wmu and has
// called recover.
func (h *History) inTx(ctx context.Context, fn func(tx *rawTx) error) error {
	return h.re.Commit(ctx, h.db, func(tx *duckdb.Tx) error { return fn(&rawTx{tx}) })
}

// ready reopens the database if a failed commit left it suspect, for
// lookups: they need not wait for the next Apply.
func (h *History) ready(ctx context.Context) error { return h.re.Ready(ctx) }

// recover reopens the database if a failed commit left it suspect, waiting
// for lookups in flight. The caller holds wmu.
func (h *History) recover(ctx context.Context) error { return h.re.Recover(ctx) }
