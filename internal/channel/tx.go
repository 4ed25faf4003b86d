package channel

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
)

// Tx is a staged change to the store. Only one Tx is open at a time: Begin
// takes the store's write lock and Commit or Abort releases it, so the checks
// a Tx makes (name or source taken, channels per region) still hold when it
// commits. A Tx sees the current version plus its own changes; nothing it
// does is visible to readers or on disk until Commit. Exactly one of Commit
// or Abort must be called (Abort after Commit is a no-op).
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
		return nil, fmt.Errorf("begin channel transaction: %w", ctx.Err())
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

// Get returns the channel with this ARN as the transaction sees it.
func (tx *Tx) Get(arn string) (Channel, bool) {
	tx.mu.Lock()
	defer tx.mu.Unlock()
	return get(tx.view(), arn)
}

// ByID returns the channel with this ID as the transaction sees it.
func (tx *Tx) ByID(id string) (Channel, bool) {
	tx.mu.Lock()
	defer tx.mu.Unlock()
	return byID(tx.view(), id)
}

// List returns the account's channels in region as the transaction sees them.
func (tx *Tx) List(account, region string) []Channel {
	tx.mu.Lock()
	defer tx.mu.Unlock()
	return list(tx.view(), account, region)
}

// Put stages c, replacing the channel with the same ARN.
func (tx *Tx) Put(c Channel) error {
	tx.mu.Lock()
	defer tx.mu.Unlock()
	if tx.done {
		return ErrTxDone
	}
	if c.ID == "" || c.Account == "" || c.Region == "" || c.Name == "" || c.Source == "" {
		return fmt.Errorf("%w: ID, account, region, name and source are required", ErrInvalid)
	}
	if c.ARN != ARN(c.Region, c.Account, c.ID) {
		return fmt.Errorf("%w: ARN %s does not match its region, account and ID", ErrInvalid, c.ARN)
	}
	if tx.st == nil {
		tx.st = tx.s.cur.Load().clone()
	}
	tx.st.put(c.Clone())
	return nil
}

// Delete stages the removal of the channel with this ARN.
func (tx *Tx) Delete(arn string) error {
	tx.mu.Lock()
	defer tx.mu.Unlock()
	if tx.done {
		return ErrTxDone
	}
	c, ok := tx.view().channels[arn]
	if !ok {
		return fmt.Errorf("%w: %s", ErrNotFound, arn)
	}
	if tx.st == nil {
		tx.st = tx.s.cur.Load().clone()
	}
	delete(tx.st.channels, arn)
	delete(tx.st.byID, c.ID)
	return nil
}

// Commit writes the staged changes atomically and publishes them. On error
// nothing changed, on disk or in memory. A Tx without changes commits
// without I/O. The ingestion status of deleted channels is dropped.
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
		return fmt.Errorf("commit channel change: %w", err)
	}
	tx.s.cur.Store(tx.st)
	tx.s.ing.prune(tx.st)
	tx.st = nil
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
