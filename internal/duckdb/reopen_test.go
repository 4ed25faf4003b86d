package duckdb

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
)

// fakeDB counts the Reopener's calls on the owner, with the open failing
// while openErr is set.
type fakeDB struct {
	closes, opens int
	openErr       error
	readers       sync.RWMutex
	writer        sync.Mutex
	closed        bool
}

var errOwnerUnavailable = errors.New("owner unavailable")
var errOwnerClosed = errors.New("owner closed")

func (f *fakeDB) reopener(canReopen bool) *Reopener {
	o := ReopenOptions{
		Name:        "test",
		Logger:      slog.New(slog.NewTextHandler(io.Discard, nil)),
		Unavailable: errOwnerUnavailable,
		Writer:      &f.writer,
		Readers:     &f.readers,
		Closed: func() error {
			if f.closed {
				return errOwnerClosed
			}
			return nil
		},
		Close: func() error { f.closes++; return nil },
	}
	if canReopen {
		o.Open = func(context.Context) error { f.opens++; return f.openErr }
	}
	return NewReopener(o)
}

func TestReopenerStates(t *testing.T) {
	ctx := context.Background()
	f := &fakeDB{}
	r := f.reopener(true)
	// Healthy: nothing to do.
	if err := r.Recover(ctx); err != nil || f.closes+f.opens != 0 {
		t.Fatalf("healthy Recover: %v, %d closes, %d opens", err, f.closes, f.opens)
	}
	// Suspect, then the open fails: down, wrapping Unavailable and why.
	cause := fmt.Errorf("%w: disk full", ErrCommitFailed)
	r.MarkSuspect(cause)
	r.MarkSuspect(errors.New("second")) // the first cause is kept
	if !errors.Is(r.Suspect(), ErrCommitFailed) {
		t.Fatalf("Suspect() = %v", r.Suspect())
	}
	f.openErr = errors.New("still full")
	err := r.Recover(ctx)
	if !errors.Is(err, errOwnerUnavailable) || !errors.Is(err, f.openErr) {
		t.Fatalf("failed reopen: %v", err)
	}
	if r.Down() != err || f.closes != 1 || f.opens != 1 {
		t.Fatalf("after a failed reopen: Down %v, %d closes, %d opens", r.Down(), f.closes, f.opens)
	}
	// Down: Commit refuses without touching the database.
	if err := r.Commit(ctx, nil, func(*Tx) error { t.Fatal("ran"); return nil }); err != r.Down() {
		t.Fatalf("Commit while down: %v", err)
	}
	// The next Recover only opens (the database is closed already).
	if err := r.Recover(ctx); err == nil || f.closes != 1 || f.opens != 2 {
		t.Fatalf("second failed reopen: %v, %d closes, %d opens", err, f.closes, f.opens)
	}
	f.openErr = nil
	if err := r.Ready(ctx); err != nil {
		t.Fatal(err)
	}
	if r.Down() != nil || r.Suspect() != nil || f.closes != 1 || f.opens != 3 {
		t.Fatalf("after the reopen: Down %v, Suspect %v, %d closes, %d opens", r.Down(), r.Suspect(), f.closes, f.opens)
	}
	// Healthy again: Ready does nothing.
	if err := r.Ready(ctx); err != nil || f.opens != 3 {
		t.Fatalf("Ready when healthy: %v, %d opens", err, f.opens)
	}
	// Once the owner is closed, a suspect database is not reopened.
	r.MarkSuspect(cause)
	f.closed = true
	if err := r.Recover(ctx); !errors.Is(err, errOwnerClosed) || f.opens != 3 {
		t.Fatalf("Recover after close: %v, %d opens", err, f.opens)
	}
}

// A database that cannot be reopened (in memory) is never suspect.
func TestReopenerInMemory(t *testing.T) {
	f := &fakeDB{}
	r := f.reopener(false)
	r.MarkSuspect(ErrCommitFailed)
	if r.Suspect() != nil {
		t.Fatalf("in-memory database suspect: %v", r.Suspect())
	}
	if err := r.Ready(context.Background()); err != nil || f.closes != 0 {
		t.Fatalf("Ready: %v, %d closes", err, f.closes)
	}
}

// Recover holds Readers exclusively around the close and the open.
func TestReopenerExcludesReaders(t *testing.T) {
	f := &fakeDB{}
	var heldAtClose, heldAtOpen bool
	r := NewReopener(ReopenOptions{
		Name: "test", Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Writer: &f.writer, Readers: &f.readers,
		Close: func() error { heldAtClose = !f.readers.TryRLock(); return nil },
		Open:  func(context.Context) error { heldAtOpen = !f.readers.TryRLock(); return nil },
	})
	r.MarkSuspect(ErrCommitFailed)
	if err := r.Ready(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !heldAtClose || !heldAtOpen {
		t.Fatalf("readers excluded at close %v, at open %v", heldAtClose, heldAtOpen)
	}
	if !f.readers.TryRLock() {
		t.Fatal("readers still excluded after the reopen")
	}
}

// With a real database: a COMMIT that fails is marked ErrCommitFailed and
// makes the database suspect; a failing statement does not.
func TestReopenerCommit(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "t.duckdb")
	var mu sync.Mutex
	db, err := Open(ctx, Options{Path: path, MemoryLimit: "64MB", Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	r := NewReopener(ReopenOptions{Name: "test", Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Writer: &mu,
		Close: func() error { return Close(db, false) },
		Open:  func(ctx context.Context) error { db, err = Open(ctx, Options{Path: path}); return err }})
	if err := r.Commit(ctx, db, func(tx *Tx) error { return tx.Exec("CREATE TABLE t (x INTEGER PRIMARY KEY)") }); err != nil {
		t.Fatal(err)
	}
	if err := r.Commit(ctx, db, func(tx *Tx) error { return tx.Exec("INSERT INTO nope VALUES (1)") }); err == nil || NeedsReopen(err) || r.Suspect() != nil {
		t.Fatalf("failed statement: %v, suspect %v", err, r.Suspect())
	}
	// Two transactions inserting the same key: the second COMMIT conflicts.
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN TRANSACTION; INSERT INTO t VALUES (1)"); err != nil {
		t.Fatal(err)
	}
	err = r.Commit(ctx, db, func(tx *Tx) error {
		if err := tx.Exec("INSERT INTO t VALUES (1)"); err != nil {
			return err
		}
		if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
			return err
		}
		return nil
	})
	if !errors.Is(err, ErrCommitFailed) || r.Suspect() == nil {
		t.Fatalf("conflicting commit: %v, suspect %v", err, r.Suspect())
	}
	if err := r.Ready(ctx); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM t").Scan(&n); err != nil || n != 1 {
		t.Fatalf("after the reopen: %d rows, %v", n, err)
	}
}
