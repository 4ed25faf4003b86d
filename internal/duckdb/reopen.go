package duckdb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// ErrUnavailable is the default ReopenOptions.Unavailable.
var ErrUnavailable = errors.New("duckdb: database unavailable")

// ReopenOptions configures NewReopener. Writer and Close are required.
type ReopenOptions struct {
	// Name prefixes log messages ("history store", "lake").
	Name string
	// Logger receives the suspect and reopen messages. Default
	// slog.Default().
	Logger *slog.Logger
	// Unavailable is wrapped by every error while the database could not
	// be reopened (the owner's ErrUnavailable). Default ErrUnavailable.
	Unavailable error
	// Writer is the owner's writer lock: the callers of Commit, MarkSuspect,
	// Suspect and Recover hold it, and Ready takes it.
	Writer sync.Locker
	// Readers, if set, is held exclusively around the close and the open,
	// so that readers (holding it shared) never see the database between
	// them. Default nil: no lock.
	Readers sync.Locker
	// Closed, if set, returns the owner's closed error once it is closed:
	// Recover then returns it instead of reopening. Default nil: never.
	Closed func() error
	// Close closes the database without checkpointing (Close(db, false)),
	// and what the owner opened with it.
	Close func() error
	// Open opens the database again from disk and reloads the owner's
	// state. Nil: the database cannot be reopened (in memory), and
	// MarkSuspect only logs.
	Open func(ctx context.Context) error
}

// Reopener is the suspect→reopen state of one database. A failed COMMIT
// (NeedsReopen) marks it suspect; the next Recover (writers) or Ready
// (readers) closes it without checkpointing and opens it again from disk.
// If that open fails, the database is down (Down) until a later Recover
// opens it. States:
//
//	healthy --MarkSuspect--> suspect --Recover: Close, Open ok--> healthy
//	                         suspect --Recover: Close, Open fails--> down
//	                         down    --Recover: Open ok--> healthy
//	                         down    --Recover: Open fails--> down
type Reopener struct {
	opts ReopenOptions
	log  *slog.Logger
	// suspect is why the database must be reopened (guarded by Writer);
	// down is why it is not open (guarded by Writer and Readers).
	suspect   error
	down      error
	unsettled atomic.Bool // suspect is set (read without Writer)
}

// NewReopener returns the state of a healthy database.
func NewReopener(opts ReopenOptions) *Reopener {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Unavailable == nil {
		opts.Unavailable = ErrUnavailable
	}
	return &Reopener{opts: opts, log: opts.Logger}
}

// Commit runs fn in one transaction of db (CommitTx). A failed COMMIT, or a
// database DuckDB invalidated, marks the database suspect. While it is down,
// Commit returns why. The caller holds Writer and has called Recover.
func (r *Reopener) Commit(ctx context.Context, db *sql.DB, fn func(tx *Tx) error) error {
	if r.down != nil {
		return r.down
	}
	err := CommitTx(ctx, db, fn)
	if NeedsReopen(err) {
		r.MarkSuspect(err)
	}
	return err
}

// MarkSuspect records that the database must be reopened before its next
// use. A database that cannot be reopened (no Open) is only logged. The
// caller holds Writer.
func (r *Reopener) MarkSuspect(err error) {
	if r.opts.Open == nil {
		r.log.Error(r.opts.Name+": a commit failed in an in-memory database", "err", err)
		return
	}
	if r.suspect == nil {
		r.log.Warn(r.opts.Name+": a commit failed; the database is reopened from disk before its next use", "err", err)
		r.suspect = err
		r.unsettled.Store(true)
	}
}

// Suspect returns why the database must be reopened, nil if it need not.
// The caller holds Writer.
func (r *Reopener) Suspect() error { return r.suspect }

// Down returns why the database is not open (a reopen failed), nil if it
// is. The caller holds Writer, or Readers shared.
func (r *Reopener) Down() error { return r.down }

// Ready reopens the database if a failed commit left it suspect, for
// readers: they need not wait for the next write. It takes Writer only when
// the database is suspect.
func (r *Reopener) Ready(ctx context.Context) error {
	if !r.unsettled.Load() {
		return nil
	}
	r.opts.Writer.Lock()
	defer r.opts.Writer.Unlock()
	return r.Recover(ctx)
}

// Recover reopens the database if a failed commit left it suspect: it
// closes it (once) without checkpointing and opens it again, holding
// Readers. On failure the database is down and the error (also Down's)
// wraps Unavailable; the next Recover tries the open again. The caller
// holds Writer.
func (r *Reopener) Recover(ctx context.Context) error {
	if r.suspect == nil {
		return nil
	}
	if r.opts.Closed != nil {
		if err := r.opts.Closed(); err != nil {
			return err
		}
	}
	began := time.Now()
	if r.opts.Readers != nil {
		r.opts.Readers.Lock()
		defer r.opts.Readers.Unlock()
	}
	if r.down == nil {
		if err := r.opts.Close(); err != nil {
			r.log.Warn(r.opts.Name+": closing the database after a failed commit", "err", err)
		}
	}
	if err := r.opts.Open(ctx); err != nil {
		r.down = fmt.Errorf("%w: reopening the database after a failed commit (%v): %w", r.opts.Unavailable, r.suspect, err)
		return r.down
	}
	r.down, r.suspect = nil, nil
	r.unsettled.Store(false)
	r.log.Info(r.opts.Name+": database reopened after a failed commit", "took", time.Since(began).Round(time.Millisecond))
	return nil
}
