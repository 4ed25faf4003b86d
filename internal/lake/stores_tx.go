package lake

import (
	"errors"
	"fmt"
	"sync"

	"github.com/cairn-audit/cairn/internal/jsonstore"
)

// ErrNeedSeq is Commit's error when the Tx staged ingestion window changes:
// those need the sequence number of the call's event (CommitAt).
var ErrNeedSeq = errors.New("lake: ingestion windows changed: commit with the event's sequence number")

// Tx is a staged change to the definitions. Only one Tx is open at a time:
// Begin takes the write lock and Commit, CommitAt or Abort releases it, so
// the checks a Tx makes (name taken, stores per region) still hold when it
// commits. It sees the current version plus its own changes; nothing it does
// is visible to readers or on disk until it commits. Exactly one of Commit,
// CommitAt or Abort must be called (Abort afterwards is a no-op).
type Tx struct {
	s  *Stores
	tx *jsonstore.Tx[storesState]

	mu      sync.Mutex
	windows map[string]bool // store ID -> open (true) or close (false) its windows at CommitAt
}

// Get returns the store with this ID or ARN as the transaction sees it.
func (tx *Tx) Get(ref string) (EventDataStore, bool) { return tx.tx.View().get(ref) }

// List returns the account's stores as the transaction sees them, oldest first.
func (tx *Tx) List(account string) []EventDataStore { return tx.tx.View().list(account) }

// Put stages e, replacing the store with the same ID.
func (tx *Tx) Put(e EventDataStore) error {
	if err := e.validate(); err != nil {
		return err
	}
	st, err := tx.tx.Mutable()
	if err != nil {
		return err
	}
	if st.stores == nil {
		st.stores = map[string]EventDataStore{}
	}
	e = e.Clone()
	e.trimWindows(tx.s.opts.MaxWindows)
	st.stores[e.ID] = e
	return nil
}

// Delete stages the removal of the store with this ID (a purge: its
// definition is gone, not pending deletion).
func (tx *Tx) Delete(id string) error {
	if _, ok := tx.tx.View().stores[id]; !ok {
		return fmt.Errorf("%w: %s", ErrNotFound, id)
	}
	st, err := tx.tx.Mutable()
	if err != nil {
		return err
	}
	delete(st.stores, id)
	tx.mu.Lock()
	delete(tx.windows, id)
	tx.mu.Unlock()
	return nil
}

// OpenWindows stages the start of ingestion for the store: at CommitAt it
// gets a window from the call's event on in the main journal, and one after
// the audit journal's durable end at that moment. Streams with an open
// window keep it.
func (tx *Tx) OpenWindows(id string) error { return tx.stageWindows(id, true) }

// CloseWindows stages the end of ingestion for the store: at CommitAt its
// open windows end at the call's event (main journal) and at the audit
// journal's durable end at that moment.
func (tx *Tx) CloseWindows(id string) error { return tx.stageWindows(id, false) }

func (tx *Tx) stageWindows(id string, open bool) error {
	if _, ok := tx.tx.View().stores[id]; !ok {
		return fmt.Errorf("%w: %s", ErrNotFound, id)
	}
	if _, err := tx.tx.Mutable(); err != nil { // the Tx is done
		return err
	}
	tx.mu.Lock()
	defer tx.mu.Unlock()
	if tx.windows == nil {
		tx.windows = map[string]bool{}
	}
	tx.windows[id] = open
	return nil
}

// Commit writes the staged changes atomically and publishes them. On error
// nothing changed, on disk or in memory. A Tx that staged window changes
// must use CommitAt (Commit aborts it and returns ErrNeedSeq).
func (tx *Tx) Commit() error { return tx.CommitAt(0) }

// CommitAt applies the staged window changes at seq, the sequence number of
// the call's event in the main journal (and at the audit journal's durable
// end, read now), then commits like Commit.
func (tx *Tx) CommitAt(seq uint64) error {
	tx.mu.Lock()
	windows := tx.windows
	tx.windows = nil
	tx.mu.Unlock()
	if len(windows) > 0 {
		if seq == 0 {
			tx.tx.Abort()
			return ErrNeedSeq
		}
		st, err := tx.tx.Mutable()
		if err != nil {
			return err
		}
		audit := tx.s.AuditDurable()
		for id, open := range windows {
			e, ok := st.stores[id]
			if !ok {
				continue
			}
			e = e.Clone()
			if open {
				e.openWindows(seq, audit+1)
			} else {
				e.closeWindows(seq, audit)
			}
			e.trimWindows(tx.s.opts.MaxWindows)
			st.stores[id] = e
		}
	}
	if err := tx.tx.CommitAt(seq); err != nil { // seq kept for Stores.Applied
		return fmt.Errorf("commit event data store change: %w", err)
	}
	return nil
}

// Abort discards the staged changes.
func (tx *Tx) Abort() {
	tx.mu.Lock()
	tx.windows = nil
	tx.mu.Unlock()
	tx.tx.Abort()
}
