package trail

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
)

// Tx is a staged change to the store. Only one Tx is open at a time: Begin
// takes the store's write lock and Commit or Abort releases it, so checks a
// Tx makes (name taken, trails per region) still hold when it commits — two
// concurrent CreateTrails cannot both pass the limit. A Tx sees the current
// version plus its own changes; nothing it does is visible to readers or on
// disk until Commit. Exactly one of Commit or Abort must be called (Abort
// after Commit is a no-op, so `defer tx.Abort()` is safe).
type Tx struct {
	s    *Store
	st   *state // private clone, nil until the first change
	mu   sync.Mutex
	done bool
}

// Begin opens a transaction, waiting for the open one (if any) to end.
func (s *Store) Begin(ctx context.Context) (*Tx, error) {
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
		return nil, fmt.Errorf("begin trail transaction: %w", ctx.Err())
	}
	select {
	case <-s.closed: // Close won the race after we took the slot: hand it back
		<-s.writer
		return nil, ErrClosed
	default:
	}
	return &Tx{s: s}, nil
}

func (tx *Tx) view() *state {
	if tx.st != nil {
		return tx.st
	}
	return tx.s.cur.Load()
}

// Get returns the account's trail with this ARN as the transaction sees it.
func (tx *Tx) Get(account, arn string) (Trail, bool) {
	tx.mu.Lock()
	defer tx.mu.Unlock()
	t, ok := tx.view().trails[key{account, arn}]
	if !ok {
		return Trail{}, false
	}
	return t.Clone(), true
}

// ByAccount returns the account's trails as the transaction sees them, ordered by ARN.
func (tx *Tx) ByAccount(account string) []Trail {
	tx.mu.Lock()
	defer tx.mu.Unlock()
	return byAccount(tx.view(), account)
}

// Put stages t, replacing the trail with the same account and ARN. Only the
// last Options.MaxWindows logging windows are kept.
func (tx *Tx) Put(t Trail) error {
	tx.mu.Lock()
	defer tx.mu.Unlock()
	if tx.done {
		return ErrTxDone
	}
	if t.Account == "" || t.ARN == "" || t.ID == "" || t.Name == "" || t.HomeRegion == "" {
		return fmt.Errorf("%w: account, ARN, ID, name and home region are required", ErrInvalid)
	}
	t = t.Clone()
	if n := tx.s.opts.MaxWindows; len(t.Windows) > n {
		t.Windows = append([]Window(nil), t.Windows[len(t.Windows)-n:]...)
	}
	if tx.st == nil {
		tx.st = tx.s.cur.Load().clone()
	}
	tx.st.trails[keyOf(t)] = t
	return nil
}

// Delete stages the removal of the account's trail with this ARN.
func (tx *Tx) Delete(account, arn string) error {
	tx.mu.Lock()
	defer tx.mu.Unlock()
	if tx.done {
		return ErrTxDone
	}
	if _, ok := tx.view().trails[key{account, arn}]; !ok {
		return fmt.Errorf("%w: %s", ErrNotFound, arn)
	}
	if tx.st == nil {
		tx.st = tx.s.cur.Load().clone()
	}
	delete(tx.st.trails, key{account, arn})
	return nil
}

// Commit writes the staged changes atomically, publishes them and notifies
// subscribers. On error nothing changed, on disk or in memory. A Tx without
// changes commits without I/O or notification.
func (tx *Tx) Commit() error {
	tx.mu.Lock()
	defer tx.mu.Unlock()
	if tx.done {
		return ErrTxDone
	}
	tx.done = true
	defer func() { <-tx.s.writer }()
	if tx.st == nil {
		return nil
	}
	data, err := encode(tx.st)
	if err != nil {
		return err
	}
	if err := tx.s.write(filepath.Join(tx.s.dir, stateFile), data); err != nil {
		return fmt.Errorf("commit trail change: %w", err)
	}
	tx.s.cur.Store(tx.st)
	tx.st = nil
	tx.s.notify()
	return nil
}

// Abort discards the staged changes.
func (tx *Tx) Abort() {
	tx.mu.Lock()
	defer tx.mu.Unlock()
	if tx.done {
		return
	}
	tx.done = true
	tx.st = nil
	<-tx.s.writer
}
