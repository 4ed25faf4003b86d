package lake

import (
	"fmt"
	"time"

	"github.com/cairn-audit/cairn/internal/event"
)

// ImportChange is a staged StartImport or StopImport. Import is the import
// as the response shows it. Exactly one of Commit, once the call's event is
// durable, or Abort must be called.
type ImportChange struct {
	Import Import
	commit func(seq uint64) error
	abort  func()
}

// Commit applies the change: the import is saved and Run launches or stops it.
func (c *ImportChange) Commit() error { return c.CommitAt(0) }

// CommitAt commits like Commit and keeps seq, the stream seq of the call,
// in the import's file, written with the change (even a change that changes
// nothing, when seq is not 0), so that Imports.Applied can tell after a
// crash whether that call took effect.
func (c *ImportChange) CommitAt(seq uint64) error {
	if c.commit == nil {
		return nil
	}
	return c.commit(seq)
}

// Abort discards the change.
func (c *ImportChange) Abort() {
	if c.abort != nil {
		c.abort()
	}
}

// NewImport is what StartImport asks of a new import.
type NewImport struct {
	Account, Region string
	Destinations    []string // event data store ARNs: exactly one
	Source          ImportSource
	// StartEventTime and EndEventTime bound the events' eventTime; zero for unbounded.
	StartEventTime, EndEventTime time.Time
}

// Start stages a new import. The caller has checked the destinations and
// the source bucket. Errors wrap ErrInvalidImport, ErrAccountHasOngoingImport
// (the account has an import initializing, in progress or being started) or
// ErrImportsClosed.
func (im *Imports) Start(in NewImport) (*ImportChange, error) {
	if len(in.Destinations) != 1 {
		return nil, fmt.Errorf("%w: an import has exactly one destination, not %d", ErrInvalidImport, len(in.Destinations))
	}
	if _, _, err := ParseImportURI(in.Source.S3LocationURI); err != nil {
		return nil, err
	}
	if !in.StartEventTime.IsZero() && !in.EndEventTime.IsZero() && in.StartEventTime.After(in.EndEventTime) {
		return nil, fmt.Errorf("%w: StartEventTime is after EndEventTime", ErrInvalidImport)
	}
	im.mu.Lock()
	defer im.mu.Unlock()
	if err := im.checkFree(in.Account); err != nil {
		return nil, err
	}
	now := im.now().Truncate(time.Millisecond)
	rec := importRecord{Import: Import{
		ID: event.NewID(), Account: in.Account, Region: in.Region,
		Destinations: append([]string(nil), in.Destinations...), Source: in.Source,
		StartEventTime: in.StartEventTime.UTC(), EndEventTime: in.EndEventTime.UTC(),
		Status: ImportInitializing, Created: now, Updated: now,
	}}
	r := im.reserve(in.Account, rec.Import.ID, rec.Import.Destinations)
	return &ImportChange{
		Import: rec.view(),
		commit: func(seq uint64) error {
			st := &importState{rec: rec}
			if seq != 0 {
				st.rec.Seqs = []uint64{seq}
			}
			if err := im.save(st); err != nil {
				im.release(in.Account, r)
				return err
			}
			im.mu.Lock()
			im.imports[rec.Import.ID] = st
			im.releaseLocked(in.Account, r)
			im.notify()
			im.mu.Unlock()
			im.kick()
			return nil
		},
		abort: func() { im.release(in.Account, r) },
	}, nil
}

// Restart stages the restart of a STOPPED or FAILED import: it goes on
// where it stopped, and retries its failures. Errors wrap
// ErrImportNotFound, ErrImportNotRestartable (COMPLETED),
// ErrAccountHasOngoingImport or ErrImportsClosed.
func (im *Imports) Restart(account, region, id string) (*ImportChange, error) {
	im.mu.Lock()
	defer im.mu.Unlock()
	st, ok := im.find(account, region, id)
	if !ok {
		return nil, fmt.Errorf("%w: %s", ErrImportNotFound, id)
	}
	switch s := st.rec.Import.Status; {
	case active(s):
		return nil, fmt.Errorf("%w: import %s is %s", ErrAccountHasOngoingImport, id, s)
	case s != ImportStopped && s != ImportFailed:
		return nil, fmt.Errorf("%w: import %s is %s", ErrImportNotRestartable, id, s)
	}
	if err := im.checkFree(account); err != nil {
		return nil, err
	}
	next := ImportInProgress
	if !st.rec.Discovered {
		next = ImportInitializing
	}
	now := im.now().Truncate(time.Millisecond)
	view := st.rec.view()
	view.Status, view.Updated = next, now
	r := im.reserve(account, id, view.Destinations)
	return &ImportChange{
		Import: view,
		commit: func(seq uint64) error {
			im.mu.Lock()
			prev, prevSeqs := st.rec.Import.Status, st.rec.Seqs
			st.rec.Import.Status, st.rec.Import.Updated = next, now
			if seq != 0 {
				st.rec.Seqs = appendSeq(st.rec.Seqs, seq)
			}
			var retried []int
			for i := range st.rec.Failures {
				if f := &st.rec.Failures[i]; f.Status == FailureFailed {
					f.Status, f.LastUpdated = FailureRetry, now
					retried = append(retried, i)
				}
			}
			im.mu.Unlock()
			err := im.save(st)
			im.mu.Lock()
			if err != nil {
				st.rec.Import.Status, st.rec.Seqs = prev, prevSeqs
				for _, i := range retried {
					st.rec.Failures[i].Status = FailureFailed
				}
			}
			im.releaseLocked(account, r)
			im.notify()
			im.mu.Unlock()
			im.kick()
			return err
		},
		abort: func() { im.release(account, r) },
	}, nil
}

// Stop stages stopping an import. Stopping a STOPPED import changes
// nothing; a finished one is ErrImportNotStoppable. Other errors wrap
// ErrImportNotFound or ErrImportsClosed.
func (im *Imports) Stop(account, region, id string) (*ImportChange, error) {
	im.mu.Lock()
	defer im.mu.Unlock()
	if im.closed {
		return nil, ErrImportsClosed
	}
	st, ok := im.find(account, region, id)
	if !ok {
		return nil, fmt.Errorf("%w: %s", ErrImportNotFound, id)
	}
	view := st.rec.view()
	switch s := view.Status; {
	case s == ImportStopped:
		return &ImportChange{Import: view, commit: func(seq uint64) error { return im.recordSeq(st, seq) }}, nil
	case !active(s):
		return nil, fmt.Errorf("%w: import %s is %s", ErrImportNotStoppable, id, s)
	}
	now := im.now().Truncate(time.Millisecond)
	view.Status, view.Updated = ImportStopped, now
	return &ImportChange{
		Import: view,
		commit: func(seq uint64) error {
			im.mu.Lock()
			prev, prevSeqs := st.rec.Import.Status, st.rec.Seqs
			if !active(prev) { // it finished meanwhile: the call changes nothing
				im.mu.Unlock()
				return im.recordSeq(st, seq)
			}
			st.rec.Import.Status, st.rec.Import.Updated = ImportStopped, now
			if seq != 0 {
				st.rec.Seqs = appendSeq(st.rec.Seqs, seq)
			}
			im.mu.Unlock()
			err := im.save(st)
			im.mu.Lock()
			defer im.mu.Unlock()
			if err != nil {
				if st.rec.Import.Status == ImportStopped {
					st.rec.Import.Status = prev
				}
				st.rec.Seqs = prevSeqs
				return err
			}
			if st.run != nil {
				st.run.cancel()
			}
			im.notify()
			return nil
		},
	}, nil
}

// checkFree refuses a start or restart while Imports is closed or the
// account has an import initializing, in progress or being started.
// Callers hold im.mu.
func (im *Imports) checkFree(account string) error {
	if im.closed {
		return ErrImportsClosed
	}
	if r, ok := im.reserved[account]; ok {
		return fmt.Errorf("%w: import %s is being started", ErrAccountHasOngoingImport, r.id)
	}
	for _, st := range im.imports {
		if st.rec.Import.Account == account && active(st.rec.Import.Status) {
			return fmt.Errorf("%w: import %s is %s", ErrAccountHasOngoingImport, st.rec.Import.ID, st.rec.Import.Status)
		}
	}
	return nil
}

// reserve holds the account's ongoing-import slot. Callers hold im.mu.
func (im *Imports) reserve(account, id string, destinations []string) *reservation {
	r := &reservation{id: id, destinations: destinations}
	im.reserved[account] = r
	return r
}

func (im *Imports) release(account string, r *reservation) {
	im.mu.Lock()
	im.releaseLocked(account, r)
	im.mu.Unlock()
}

func (im *Imports) releaseLocked(account string, r *reservation) {
	if im.reserved[account] == r {
		delete(im.reserved, account)
	}
}
