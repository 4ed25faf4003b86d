package trail

import (
	"context"
	"fmt"
	"sync"

	"github.com/cairn-audit/cairn/internal/jsonstore"
)

// Tx is a staged change to the store. Only one Tx is open at a time: Begin
// takes the store's write lock and Commit or Abort releases it, so checks a
// Tx makes (name taken, trails per region) still hold when it commits — two
// concurrent CreateTrails cannot both pass the limit. A Tx sees the current
// version plus its own changes; nothing it does is visible to readers or on
// disk until Commit. Exactly one of Commit or Abort must be called (Abort
// after Commit is a no-op, so `defer tx.Abort()` is safe).
type Tx struct {
	s  *Store
	tx *jsonstore.Tx[state]
	mu sync.Mutex
}

// Begin opens a transaction, waiting for the open one (if any) to end.
func (s *Store) Begin(ctx context.Context) (*Tx, error) {
	tx, err := s.js.Begin(ctx)
	if err != nil {
		return nil, fmt.Errorf("begin trail transaction: %w", err)
	}
	return &Tx{s: s, tx: tx}, nil
}

// Get returns the account's trail with this ARN as the transaction sees it.
func (tx *Tx) Get(account, arn string) (Trail, bool) {
	tx.mu.Lock()
	defer tx.mu.Unlock()
	return tx.tx.View().get(account, arn)
}

// ByAccount returns the account's trails as the transaction sees them, ordered by ARN.
func (tx *Tx) ByAccount(account string) []Trail {
	tx.mu.Lock()
	defer tx.mu.Unlock()
	return byAccount(tx.tx.View(), account)
}

// Put stages t, replacing the trail with the same account and ARN. Only the
// last Options.MaxWindows logging windows are kept.
func (tx *Tx) Put(t Trail) error {
	tx.mu.Lock()
	defer tx.mu.Unlock()
	if err := tx.tx.Err(); err != nil {
		return err
	}
	if t.Account == "" || t.ARN == "" || t.ID == "" || t.Name == "" || t.HomeRegion == "" {
		return fmt.Errorf("%w: account, ARN, ID, name and home region are required", ErrInvalid)
	}
	t = t.Clone()
	if n := tx.s.opts.MaxWindows; len(t.Windows) > n {
		t.Windows = append([]Window(nil), t.Windows[len(t.Windows)-n:]...)
	}
	st, err := tx.tx.Mutable()
	if err != nil {
		return err
	}
	st.trails[keyOf(t)] = t
	return nil
}

// Delete stages the removal of the account's trail with this ARN.
func (tx *Tx) Delete(account, arn string) error {
	tx.mu.Lock()
	defer tx.mu.Unlock()
	if err := tx.tx.Err(); err != nil {
		return err
	}
	if _, ok := tx.tx.View().trails[key{account, arn}]; !ok {
		return fmt.Errorf("%w: %s", ErrNotFound, arn)
	}
	st, err := tx.tx.Mutable()
	if err != nil {
		return err
	}
	delete(st.trails, key{account, arn})
	return nil
}

// Commit writes the staged changes atomically, publishes them and notifies
// subscribers. On error nothing changed, on disk or in memory. A Tx without
// changes commits without I/O or notification.
func (tx *Tx) Commit() error { return tx.CommitAt(0) }

// CommitAt commits like Commit and records seq, the stream seq of the call
// making the change, with it (jsonstore.Tx.CommitAt; Store.Applied).
func (tx *Tx) CommitAt(seq uint64) error {
	tx.mu.Lock()
	defer tx.mu.Unlock()
	if err := tx.tx.CommitAt(seq); err != nil {
		return fmt.Errorf("commit trail change: %w", err)
	}
	return nil
}

// Abort discards the staged changes.
func (tx *Tx) Abort() {
	tx.mu.Lock()
	defer tx.mu.Unlock()
	tx.tx.Abort()
}
