package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// (The mechanism is shared with the event-history store: duckdb_commit.go.)
// A failed COMMIT leaves DuckDB's in-memory tables unfit for the next write:
// DuckDB (up to 1.5.1, duckdb/duckdb#22279) reverts the commit's appends
// without shrinking the string dictionaries they grew, so the next row
// appended to such a segment reads back as every reverted string followed by
// its own (one eventID of 166 UUIDs and a record of 56 KB after a disk-full),
// and that row is then checkpointed. A failed checkpoint invalidates the
// database outright. Either way the in-memory state is not trusted: the Lake
// closes the database without checkpointing (its WAL holds exactly the
// committed transactions) and reopens it from disk before the next write, so
// a retry starts from what was committed and nothing of the failed commit.

// ErrLakeUnavailable is returned while the Lake's database could not be
// reopened after a failed write (e.g. the disk is still full); the next
// write tries again.
var ErrLakeUnavailable = errors.New("store: lake unavailable")

// handle is the database, for callers that hold neither wmu nor qmu.
func (l *Lake) handle() *sql.DB {
	l.dbmu.RLock()
	defer l.dbmu.RUnlock()
	return l.db
}

// markSuspect records that the database must be reopened before the next
// write. An in-memory Lake cannot be reopened: it only logs. The caller
// holds wmu.
func (l *Lake) markSuspect(err error) {
	if l.opts.Dir == "" {
		l.log.Error("lake: a commit failed in the in-memory Lake", "err", err)
		return
	}
	if l.suspect == nil {
		l.log.Warn("lake: a commit failed; the database is reopened from disk before the next write", "err", err)
		l.suspect = err
		l.unsettled.Store(true)
	}
}

// ready reopens the database if a failed commit left it suspect, for the
// read paths: a statement need not wait for the next write to find the
// database open again.
func (l *Lake) ready(ctx context.Context) error {
	if !l.unsettled.Load() {
		return nil
	}
	l.wmu.Lock()
	defer l.wmu.Unlock()
	return l.recover(ctx)
}

// recover reopens the database if a failed commit left it suspect. The
// caller holds wmu (and not the catalog's mu).
func (l *Lake) recover(ctx context.Context) error {
	if l.suspect == nil {
		return nil
	}
	if err := l.reopen(ctx); err != nil {
		return fmt.Errorf("%w: reopening the database after a failed commit (%v): %w", ErrLakeUnavailable, l.suspect, err)
	}
	l.suspect = nil
	l.unsettled.Store(false)
	return nil
}

// reopen closes the database without checkpointing and opens it again,
// waiting for queries in flight. The caller holds wmu. Callers of handle
// meanwhile get the closed database (and an error) or the new one.
func (l *Lake) reopen(ctx context.Context) error {
	began := time.Now()
	l.qmu.Lock()
	defer l.qmu.Unlock()
	if l.down == nil {
		if l.mem != nil {
			l.mem.close()
			l.mem = nil
		}
		if err := errors.Join(l.closeConns(), l.db.Close()); err != nil {
			l.log.Warn("lake: closing the database after a failed commit", "err", err)
		}
		l.down = fmt.Errorf("%w: reopening after a failed commit", ErrLakeUnavailable)
	}
	if err := l.open(ctx); err != nil {
		l.down = fmt.Errorf("%w: %w", ErrLakeUnavailable, err)
		return err
	}
	l.down = nil
	l.log.Info("lake: database reopened after a failed commit", "took", time.Since(began).Round(time.Millisecond))
	return nil
}

// replace sets the catalog to next's contents (after a reopen).
func (c *lakeCatalog) replace(next *lakeCatalog) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.parts, c.cursors = next.parts, next.cursors
}
