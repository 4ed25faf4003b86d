package lake

import (
	"fmt"
	"maps"
	"os"
	"slices"
	"sync"

	"github.com/cairn-audit/cairn/internal/event"
)

// Submission is a query to run.
type Submission struct {
	Account string
	Region  string // where it was started (queries are regional, as their stores)
	SQL     string
	// Stores are the stores the statement reads, by lower-case ID, with
	// what it may see of each.
	Stores map[string]Scope
	// DeliveryURI (s3://bucket[/prefix], checked with ParseDeliveryURI)
	// receives the results once the query finishes; "" for none.
	DeliveryURI string
}

// Staged is a submission that holds one of its account's query slots but is
// not queued yet: Commit queues it, Abort gives the slot back. Exactly one
// of them must be called.
type Staged struct {
	q    *Queries
	sub  Submission
	id   string
	once sync.Once
}

// ID is the query's ID (a lower-case UUID).
func (s *Staged) ID() string { return s.id }

// Stage reserves a slot for sub in its account, or fails with
// ErrTooManyQueries when the account already has MaxConcurrent queries
// queued, running or staged.
func (q *Queries) Stage(sub Submission) (*Staged, error) {
	if sub.DeliveryURI != "" {
		if _, _, err := ParseDeliveryURI(sub.DeliveryURI); err != nil {
			return nil, err
		}
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return nil, ErrQueriesClosed
	}
	if n := q.activeLocked(sub.Account) + q.reserved[sub.Account]; n >= q.opts.MaxConcurrent {
		return nil, fmt.Errorf("%w: account %s has %d queries queued or running (limit %d)", ErrTooManyQueries, sub.Account, n, q.opts.MaxConcurrent)
	}
	q.reserved[sub.Account]++
	sub.Stores = maps.Clone(sub.Stores)
	return &Staged{q: q, sub: sub, id: event.NewID()}, nil
}

// activeLocked counts the account's queued and running queries.
func (q *Queries) activeLocked(account string) int {
	n := 0
	for _, qr := range q.queries {
		if qr.info.Account == account && !qr.info.Terminal() {
			n++
		}
	}
	return n
}

func (q *Queries) release(account string) {
	if q.reserved[account]--; q.reserved[account] <= 0 {
		delete(q.reserved, account)
	}
}

// Commit records the query as QUEUED and queues it.
func (s *Staged) Commit() error { return s.CommitAt(0) }

// CommitAt commits like Commit and keeps seq, the stream seq of the
// StartQuery call, in the query's record (written with it), so that
// Queries.Applied can tell after a crash whether the call took effect.
func (s *Staged) CommitAt(seq uint64) error {
	err := ErrQueriesClosed // a second call
	s.once.Do(func() { err = s.q.commit(s, seq) })
	return err
}

// Abort gives the slot back; the query never existed.
func (s *Staged) Abort() {
	s.once.Do(func() {
		s.q.mu.Lock()
		s.q.release(s.sub.Account)
		s.q.mu.Unlock()
	})
}

func (q *Queries) commit(s *Staged, seq uint64) error {
	info := QueryInfo{
		ID: s.id, Account: s.sub.Account, Region: s.sub.Region, SQL: s.sub.SQL, Status: QueryQueued, Created: q.now(),
		Stores: slices.Sorted(maps.Keys(s.sub.Stores)), DeliveryURI: s.sub.DeliveryURI,
	}
	if info.DeliveryURI != "" {
		info.DeliveryStatus = DeliveryPending
	}
	if seq != 0 {
		info.Seqs = []uint64{seq}
	}
	qr := &query{info: info, scopes: s.sub.Stores}
	dir := q.queryDir(s.id)
	err := os.Mkdir(dir, queryDirPerm)
	if err == nil {
		err = q.persist(qr)
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	q.release(s.sub.Account)
	if err != nil {
		if rmErr := os.RemoveAll(dir); rmErr != nil {
			q.opts.Logger.Error("removing a query that could not be saved failed", "query", s.id, "err", rmErr)
		}
		return fmt.Errorf("submit query: %w", err)
	}
	q.queries[s.id] = qr
	q.queue = append(q.queue, s.id)
	select {
	case q.kick <- struct{}{}:
	default: // every worker is already awake
	}
	return nil
}

// Submit stages and commits sub at once and returns the query's ID.
func (q *Queries) Submit(sub Submission) (string, error) {
	s, err := q.Stage(sub)
	if err != nil {
		return "", err
	}
	if err := s.Commit(); err != nil {
		return "", err
	}
	return s.id, nil
}

// Cancel cancels the account's query: a queued one never runs, a running
// one is stopped (its statistics are filled in when it stops). A query that
// has already stopped is ErrQueryInactive.
func (q *Queries) Cancel(account, id string) (QueryInfo, error) { return q.CancelAt(account, id, 0) }

// CancelAt cancels like Cancel and keeps seq, the stream seq of the
// CancelQuery call, in the query's record, written with the cancellation
// (Queries.Applied). A query that stopped on its own meanwhile
// (ErrQueryInactive) gets seq recorded too when seq is not 0: the call
// still succeeds.
func (q *Queries) CancelAt(account, id string, seq uint64) (QueryInfo, error) {
	q.mu.Lock()
	qr, ok := q.queries[id]
	if !ok || qr.info.Account != account {
		q.mu.Unlock()
		return QueryInfo{}, fmt.Errorf("%w: %s", ErrQueryNotFound, id)
	}
	if seq != 0 {
		qr.info.Seqs = appendSeq(qr.info.Seqs, seq)
	}
	if qr.info.Terminal() {
		st := qr.info.Status
		q.mu.Unlock()
		if seq != 0 {
			if err := q.persist(qr); err != nil {
				return QueryInfo{}, err
			}
		}
		return QueryInfo{}, fmt.Errorf("%w: query %s is %s", ErrQueryInactive, id, st)
	}
	q.queue = slices.DeleteFunc(q.queue, func(x string) bool { return x == id })
	qr.info.Status, qr.info.Ended = QueryCancelled, q.now()
	if qr.info.DeliveryStatus == DeliveryPending {
		qr.info.DeliveryStatus = DeliveryCancelled
	}
	if qr.cancel != nil {
		qr.cancel()
	}
	info := qr.info.clone()
	q.mu.Unlock()
	if err := q.persist(qr); err != nil {
		return info, err
	}
	return info, nil
}
