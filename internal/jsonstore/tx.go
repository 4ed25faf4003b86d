package jsonstore

import (
	"fmt"
	"path/filepath"
	"sync"
)

// Tx is a staged change to the store. Only one Tx is open at a time, so the
// checks it makes still hold when it commits. It sees the published state
// until its first Mutable call, then its own clone; nothing it does is
// visible to readers or on disk until Commit. Exactly one of Commit or Abort
// must be called (Abort after Commit is a no-op, so `defer tx.Abort()` is
// safe).
type Tx[S any] struct {
	s    *Store[S]
	mu   sync.Mutex
	st   *S // private clone, nil until the first Mutable
	done bool
}

// View returns the state as the transaction sees it. It must not be
// modified: use Mutable to change it.
func (tx *Tx[S]) View() *S {
	tx.mu.Lock()
	defer tx.mu.Unlock()
	if tx.st != nil {
		return tx.st
	}
	return tx.s.cur.Load().state
}

// Err returns ErrTxDone once the transaction committed or aborted, nil
// while it is open: a check to make before staging anything.
func (tx *Tx[S]) Err() error {
	tx.mu.Lock()
	defer tx.mu.Unlock()
	if tx.done {
		return ErrTxDone
	}
	return nil
}

// Mutable returns the transaction's own copy of the state, cloning the
// published state on the first call; changes to it are committed by Commit.
func (tx *Tx[S]) Mutable() (*S, error) {
	tx.mu.Lock()
	defer tx.mu.Unlock()
	if tx.done {
		return nil, ErrTxDone
	}
	if tx.st == nil {
		tx.st = tx.s.opts.Clone(tx.s.cur.Load().state)
	}
	return tx.st, nil
}

// Commit validates and writes the staged state atomically, then publishes
// it (and calls Options.Published). On error nothing changed, on disk or in
// memory. A Tx that never called Mutable commits without I/O and publishes
// nothing.
func (tx *Tx[S]) Commit() error { return tx.CommitAt(0) }

// CommitAt commits like Commit and records seq, the stream sequence number
// of the call whose change this is, in the same atomic write (even when
// nothing else changed), so that Applied can tell after a crash whether
// that call took effect. seq 0 records nothing.
func (tx *Tx[S]) CommitAt(seq uint64) error {
	tx.mu.Lock()
	defer tx.mu.Unlock()
	if tx.done {
		return ErrTxDone
	}
	tx.done = true
	defer func() { <-tx.s.writer }()
	s := tx.s
	if tx.st == nil && seq == 0 {
		return nil
	}
	st := tx.st
	if st == nil {
		st = s.cur.Load().state // nothing changed: record seq only
	} else if s.opts.Validate != nil {
		if err := s.opts.Validate(tx.st); err != nil {
			return fmt.Errorf("commit %s: %w", s.opts.File, err)
		}
	}
	applied := s.withApplied(seq)
	data, err := encode(header{Format: s.opts.Format, Version: s.opts.Version, Applied: applied}, st)
	if err != nil {
		return fmt.Errorf("commit %s: %w", s.opts.File, err)
	}
	if err := s.opts.WriteFile(filepath.Join(s.dir, s.opts.File), data, s.opts.Perm); err != nil {
		return fmt.Errorf("commit %s: %w", s.opts.File, err)
	}
	s.setApplied(applied)
	if tx.st == nil {
		return nil
	}
	s.publish(tx.st)
	if s.opts.Published != nil {
		s.opts.Published(tx.st)
	}
	tx.st = nil
	return nil
}

// Abort discards the staged state.
func (tx *Tx[S]) Abort() {
	tx.mu.Lock()
	defer tx.mu.Unlock()
	if tx.done {
		return
	}
	tx.done = true
	tx.st = nil
	<-tx.s.writer
}
