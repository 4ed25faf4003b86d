package lakedb

import (
	"context"
	"database/sql"
	"errors"

	"github.com/cairn-audit/cairn/internal/duckdb"
)

// A failed COMMIT leaves DuckDB's in-memory tables unfit for the next
// write (internal/duckdb, "Failed commits"): one eventID of 166 UUIDs and a
// record of 56 KB after a disk-full, and that row is then checkpointed; a
// failed checkpoint invalidates the database outright. Either way the
// in-memory state is not trusted: the Lake closes the database without
// checkpointing (its WAL holds exactly the committed transactions) and
// reopens it from disk before the next write, so a retry starts from what
// was committed and nothing of the failed commit. The state is a
// duckdb.Reopener: writers hold wmu, queries hold qmu shared.

// ErrUnavailable is returned while the Lake's database could not be
// reopened after a failed write (e.g. the disk is still full); the next
// write tries again.
var ErrUnavailable = errors.New("lakedb: unavailable")

// newReopener is the suspect→reopen state of l's database. An in-memory
// Lake cannot be reopened: a failed commit there is only logged.
func (l *DB) newReopener() *duckdb.Reopener {
	o := duckdb.ReopenOptions{
		Name:        "lake",
		Logger:      l.log,
		Unavailable: ErrUnavailable,
		Writer:      &l.wmu,
		Readers:     &l.qmu,
		Closed: func() error {
			if l.closed.Load() {
				return ErrClosed
			}
			return nil
		},
		Close: func() error {
			if l.mem != nil {
				l.mem.close()
				l.mem = nil
			}
			return duckdb.Close(l.db, false, l.closeConns)
		},
	}
	if l.opts.Dir != "" {
		o.Open = l.open
	}
	return duckdb.NewReopener(o)
}

// handle is the database, for callers that hold neither wmu nor qmu.
// During a reopen they get the closed database (and an error) or the new
// one.
func (l *DB) handle() *sql.DB {
	l.dbmu.RLock()
	defer l.dbmu.RUnlock()
	return l.db
}

// ready reopens the database if a failed commit left it suspect, for the
// read paths: a statement need not wait for the next write to find the
// database open again.
func (l *DB) ready(ctx context.Context) error { return l.re.Ready(ctx) }

// recover reopens the database if a failed commit left it suspect, waiting
// for queries in flight. The caller holds wmu (and not the catalog's mu).
func (l *DB) recover(ctx context.Context) error { return l.re.Recover(ctx) }

// replace sets the catalog to next's contents (after a reopen).
func (c *lakeCatalog) replace(next *lakeCatalog) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.parts, c.cursors = next.parts, next.cursors
}
