// Package jsonstore keeps one JSON document in a directory: the state of a
// small control-plane store (trails, channels, event data stores...).
//
// Readers load the published state, an immutable value, without locking or
// I/O. Changes go through a Tx, one at a time: Begin waits for the open one,
// the Tx sees the published state plus its own staged clone, and Commit
// writes the clone atomically (fsutil.WriteFileAtomic) before publishing it,
// so after a crash the file holds either the old state or the new one. The
// directory is locked (fsutil.LockDir) from Open to Close so that two
// processes never write the same state.
//
// The file is the state's JSON object with two members added in front:
// {"format":"<Format>","version":<Version>, ...the state's members...}.
package jsonstore

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"

	"github.com/cairn-audit/cairn/internal/fsutil"
)

// DefaultPerm is the mode of the state and lock files.
const DefaultPerm os.FileMode = 0o600

// lockFile is the advisory lock that keeps two processes from writing one store.
const lockFile = "LOCK"

// Errors of the store; returned errors wrap them.
var (
	ErrClosed = errors.New("jsonstore: store closed")
	ErrTxDone = errors.New("jsonstore: transaction already committed or aborted")
)

// Options describe the document a Store keeps.
type Options[S any] struct {
	// File is the state file's name in the directory; required.
	File string
	// Format and Version identify the document: Open refuses a file with
	// another format or version. Both required (Version > 0).
	Format  string
	Version int
	// Clone returns a copy of the state that a Tx may change without
	// changing the original; required.
	Clone func(*S) *S
	// New returns the empty state: the state of a missing file, and the
	// value the file is decoded into. Open calls it once, after locking the
	// directory and before reading the file, so it may read or create what
	// decoding needs (a key kept beside the state). Optional: default new(S).
	New func() (*S, error)
	// Validate checks a state read from the file or about to be committed;
	// optional. Open and Commit fail with its error.
	Validate func(*S) error
	// Published is called by Commit with the state it just published,
	// before the next Tx can begin; optional. Packages notify their
	// subscribers or drop what belonged to deleted entries there.
	Published func(*S)
	// Perm is the mode of the files; default DefaultPerm.
	Perm os.FileMode
	// WriteFile replaces a file atomically; default fsutil.WriteFileAtomic.
	// Tests replace it to inject failures.
	WriteFile func(path string, data []byte, perm os.FileMode) error
}

// Store keeps a state of type S, which must encode as a JSON object without
// "format" or "version" members.
type Store[S any] struct {
	dir  string
	opts Options[S]
	lock *os.File

	cur    atomic.Pointer[published[S]]
	writer chan struct{} // capacity 1: held by the open Tx

	closeOnce sync.Once
	closed    chan struct{}

	appliedMu sync.Mutex
	applied   []uint64 // seqs of the last CommitAt calls, as on disk (applied.go)
}

// published is one version of the state, never mutated once stored.
type published[S any] struct {
	state   *S
	version uint64
	changed chan struct{} // closed when the next version is published
}

// Open opens (creating if needed) the store in dir and locks the directory
// until Close. A missing file is the empty state (Options.New); a temp file
// left by an interrupted write is removed.
func Open[S any](dir string, opts Options[S]) (*Store[S], error) {
	if opts.File == "" || opts.Format == "" || opts.Version <= 0 || opts.Clone == nil {
		return nil, fmt.Errorf("open json store %s: File, Format, Version and Clone are required", dir)
	}
	opts.Perm = cmp.Or(opts.Perm, DefaultPerm)
	if opts.WriteFile == nil {
		opts.WriteFile = fsutil.WriteFileAtomic
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("open json store: %w", err)
	}
	lock, err := fsutil.LockDir(dir, lockFile, opts.Perm)
	if err != nil {
		return nil, fmt.Errorf("open json store: %w", err)
	}
	s := &Store[S]{dir: dir, opts: opts, lock: lock, writer: make(chan struct{}, 1), closed: make(chan struct{})}
	st, err := s.load()
	if err != nil {
		_ = lock.Close()
		return nil, fmt.Errorf("open json store %s: %w", dir, err)
	}
	s.cur.Store(&published[S]{state: st, version: 1, changed: make(chan struct{})})
	return s, nil
}

// Close waits for the open transaction (if any), then releases the
// directory lock. Begin fails with ErrClosed afterwards; reads keep working.
func (s *Store[S]) Close() error {
	var err error
	s.closeOnce.Do(func() {
		close(s.closed)
		s.writer <- struct{}{} // wait for the open transaction, if any
		if cerr := s.lock.Close(); cerr != nil {
			err = fmt.Errorf("close json store %s: %w", s.dir, cerr)
		}
	})
	return err
}

// Dir is the store's directory.
func (s *Store[S]) Dir() string { return s.dir }

// Load returns the published state. It must not be modified.
func (s *Store[S]) Load() *S { return s.cur.Load().state }

// Snapshot returns the published state (not to be modified) and its
// version, which starts at 1 when the store is opened and grows by one with
// every commit that changes something.
func (s *Store[S]) Snapshot() (*S, uint64) {
	p := s.cur.Load()
	return p.state, p.version
}

// Changed returns a channel that is closed when a version newer than the
// current one is published. Call it before Snapshot or Load, so that a
// commit between the two calls is not missed.
func (s *Store[S]) Changed() <-chan struct{} { return s.cur.Load().changed }

// Begin opens a transaction, waiting for the open one (if any) to end.
func (s *Store[S]) Begin(ctx context.Context) (*Tx[S], error) {
	select {
	case <-s.closed:
		return nil, ErrClosed
	default:
	}
	select {
	case s.writer <- struct{}{}:
	case <-s.closed:
		return nil, ErrClosed
	case <-ctx.Done():
		return nil, fmt.Errorf("begin transaction on %s: %w", s.dir, ctx.Err())
	}
	select {
	case <-s.closed: // Close won the race after we took the slot: hand it back
		<-s.writer
		return nil, ErrClosed
	default:
	}
	return &Tx[S]{s: s}, nil
}

// publish makes st the current version and wakes Changed's waiters. Only
// the writer-slot holder calls it.
func (s *Store[S]) publish(st *S) {
	old := s.cur.Load()
	s.cur.Store(&published[S]{state: st, version: old.version + 1, changed: make(chan struct{})})
	close(old.changed)
}
