package channel

import (
	"context"
	"fmt"
	"sync"

	"github.com/cairn-audit/cairn/internal/jsonstore"
)

// Tx is a staged change to the store. Only one Tx is open at a time: Begin
// takes the store's write lock and Commit or Abort releases it, so the checks
// a Tx makes (name or source taken, channels per region) still hold when it
// commits. A Tx sees the current version plus its own changes; nothing it
// does is visible to readers or on disk until Commit. Exactly one of Commit
// or Abort must be called (Abort after Commit is a no-op).
type Tx struct {
	s  *Store
	tx *jsonstore.Tx[state]
	mu sync.Mutex
}

// Begin opens a transaction, waiting for the open one (if any) to end.
func (s *Store) Begin(ctx context.Context) (*Tx, error) {
	select {
	case <-s.closed: // Close has begun
		return nil, ErrClosed
	default:
	}
	tx, err := s.js.Begin(ctx)
	if err != nil {
		return nil, fmt.Errorf("begin channel transaction: %w", err)
	}
	return &Tx{s: s, tx: tx}, nil
}

// Get returns the channel with this ARN as the transaction sees it.
func (tx *Tx) Get(arn string) (Channel, bool) {
	tx.mu.Lock()
	defer tx.mu.Unlock()
	return get(tx.tx.View(), arn)
}

// ByID returns the channel with this ID as the transaction sees it.
func (tx *Tx) ByID(id string) (Channel, bool) {
	tx.mu.Lock()
	defer tx.mu.Unlock()
	return byID(tx.tx.View(), id)
}

// List returns the account's channels in region as the transaction sees them.
func (tx *Tx) List(account, region string) []Channel {
	tx.mu.Lock()
	defer tx.mu.Unlock()
	return list(tx.tx.View(), account, region)
}

// Put stages c, replacing the channel with the same ARN.
func (tx *Tx) Put(c Channel) error {
	tx.mu.Lock()
	defer tx.mu.Unlock()
	if err := tx.tx.Err(); err != nil {
		return err
	}
	if c.ID == "" || c.Account == "" || c.Region == "" || c.Name == "" || c.Source == "" {
		return fmt.Errorf("%w: ID, account, region, name and source are required", ErrInvalid)
	}
	if c.ARN != ARN(c.Region, c.Account, c.ID) {
		return fmt.Errorf("%w: ARN %s does not match its region, account and ID", ErrInvalid, c.ARN)
	}
	st, err := tx.tx.Mutable()
	if err != nil {
		return err
	}
	st.put(c.Clone())
	return nil
}

// Delete stages the removal of the channel with this ARN.
func (tx *Tx) Delete(arn string) error {
	tx.mu.Lock()
	defer tx.mu.Unlock()
	if err := tx.tx.Err(); err != nil {
		return err
	}
	c, ok := tx.tx.View().channels[arn]
	if !ok {
		return fmt.Errorf("%w: %s", ErrNotFound, arn)
	}
	st, err := tx.tx.Mutable()
	if err != nil {
		return err
	}
	delete(st.channels, arn)
	delete(st.byID, c.ID)
	return nil
}

// Commit writes the staged changes atomically and publishes them. On error
// nothing changed, on disk or in memory. A Tx without changes commits
// without I/O. The ingestion status of deleted channels is dropped.
func (tx *Tx) Commit() error { return tx.CommitAt(0) }

// CommitAt commits like Commit and records seq, the stream seq of the call
// making the change, in the same atomic write (jsonstore.Tx.CommitAt), so
// that Store.Applied can tell after a crash whether that call took effect.
func (tx *Tx) CommitAt(seq uint64) error {
	tx.mu.Lock()
	defer tx.mu.Unlock()
	if err := tx.tx.CommitAt(seq); err != nil {
		return fmt.Errorf("commit channel change: %w", err)
	}
	return nil
}

// Abort discards the staged changes.
func (tx *Tx) Abort() {
	tx.mu.Lock()
	defer tx.mu.Unlock()
	tx.tx.Abort()
}
