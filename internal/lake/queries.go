package lake

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/cairn-audit/cairn/internal/bucket"
)

// Defaults for QueriesOptions.
const (
	// DefaultQueryTimeout stops a query that has run this long (TIMED_OUT),
	// as AWS times out queries running over an hour.
	DefaultQueryTimeout = time.Hour
	// DefaultMaxConcurrentQueries is AWS's quota of queued plus running
	// queries per account; one more is MaxConcurrentQueriesException.
	DefaultMaxConcurrentQueries = 10
	// DefaultQueryWorkers is how many queries run at once (all accounts).
	DefaultQueryWorkers = 2
	// DefaultQueryRetention is how long query records and results are kept,
	// as AWS keeps them seven days.
	DefaultQueryRetention = 7 * 24 * time.Hour
	// DefaultQueryPruneInterval is how often expired queries are removed.
	DefaultQueryPruneInterval = time.Hour
)

// Query statuses (the API's QueryStatus).
const (
	QueryQueued    = "QUEUED"
	QueryRunning   = "RUNNING"
	QueryFinished  = "FINISHED"
	QueryFailed    = "FAILED"
	QueryTimedOut  = "TIMED_OUT"
	QueryCancelled = "CANCELLED"
)

// Delivery statuses of results sent to DeliveryS3Uri (the API's DeliveryStatus).
const (
	DeliveryPending          = "PENDING"
	DeliverySuccess          = "SUCCESS"
	DeliveryFailed           = "FAILED"
	DeliveryResourceNotFound = "RESOURCE_NOT_FOUND"
	DeliveryAccessDenied     = "ACCESS_DENIED"
	DeliveryCancelled        = "CANCELLED"
)

// Errors of Queries; returned errors wrap them.
var (
	ErrQueryNotFound  = errors.New("lake: no such query")
	ErrQueryInactive  = errors.New("lake: the query is not queued or running")
	ErrTooManyQueries = errors.New("lake: too many concurrent queries")
	ErrQueriesClosed  = errors.New("lake: queries closed")
)

// restartMessage is the ErrorMessage of queries a restart interrupted.
const restartMessage = "The query was interrupted by a restart of the server; run it again."

// StoreLookup resolves event data stores by ID or ARN; *Stores implements it.
type StoreLookup interface {
	Get(ref string) (EventDataStore, bool)
}

// QueriesOptions configure Queries.
type QueriesOptions struct {
	Dir    string // query records and result files; required
	Engine Engine // runs the SQL; required
	// Stores, if set, is consulted when a queued query starts: a store
	// deleted meanwhile fails the query, and each store's retention cutoff
	// is taken at that moment (otherwise the scopes given to Stage are used).
	Stores StoreLookup
	// Buckets receives results for queries with a DeliveryS3Uri; nil fails
	// their delivery (RESOURCE_NOT_FOUND).
	Buckets bucket.Store
	Now     func() time.Time // default time.Now
	Logger  *slog.Logger     // default slog.Default()

	Timeout       time.Duration // per query, from its start; default DefaultQueryTimeout
	MaxConcurrent int           // queued + running per account; default DefaultMaxConcurrentQueries
	Workers       int           // queries running at once; default DefaultQueryWorkers
	Retention     time.Duration // how long records and results are kept; default DefaultQueryRetention
	PruneInterval time.Duration // default DefaultQueryPruneInterval
	// MaxResultBytes bounds one query's rendered results (Query.MaxResultBytes);
	// 0 for the engine's default.
	MaxResultBytes int64
}

func (o QueriesOptions) withDefaults() QueriesOptions {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultQueryTimeout
	}
	if o.MaxConcurrent <= 0 {
		o.MaxConcurrent = DefaultMaxConcurrentQueries
	}
	if o.Workers <= 0 {
		o.Workers = DefaultQueryWorkers
	}
	if o.Retention <= 0 {
		o.Retention = DefaultQueryRetention
	}
	if o.PruneInterval <= 0 {
		o.PruneInterval = DefaultQueryPruneInterval
	}
	return o
}

// Queries runs Lake queries and keeps their status and results. Each query
// has a directory under Dir holding its record (query.json, replaced
// atomically on every change) and its result rows with an offset index, so
// Describe, List and Results answer after a restart. Queries queued or
// running when the process stopped are FAILED when Queries opens.
//
// Submitted queries wait in one FIFO queue; Run's workers take them in turn.
type Queries struct {
	opts QueriesOptions

	mu       sync.Mutex
	queries  map[string]*query // by ID
	queue    []string          // IDs of QUEUED queries, oldest first
	reserved map[string]int    // staged, uncommitted submissions per account
	closed   bool
	// redeliver lists FINISHED queries whose delivery a restart interrupted.
	redeliver []string
	// prunedSeq is the highest call seq of a query pruned since open
	// (Applied cannot answer for seqs up to it).
	prunedSeq uint64

	kick chan struct{} // wakes a worker; capacity Workers
	stop chan struct{} // closed by Close
	runs sync.WaitGroup
}

// query is one query's state. Its info is guarded by Queries.mu; persistMu
// serialises writes of its record.
type query struct {
	info      QueryInfo
	scopes    map[string]Scope // what the query may see of each store
	cancel    context.CancelFunc
	persistMu sync.Mutex
}

// NewQueries opens the query records in opts.Dir (creating it), fails the
// queries a restart interrupted and removes expired ones.
func NewQueries(opts QueriesOptions) (*Queries, error) {
	if opts.Dir == "" || opts.Engine == nil {
		return nil, errors.New("lake: QueriesOptions.Dir and Engine are required")
	}
	opts = opts.withDefaults()
	if err := os.MkdirAll(opts.Dir, queryDirPerm); err != nil {
		return nil, fmt.Errorf("create query dir: %w", err)
	}
	q := &Queries{
		opts: opts, queries: map[string]*query{}, reserved: map[string]int{},
		kick: make(chan struct{}, opts.Workers), stop: make(chan struct{}),
	}
	if err := q.load(); err != nil {
		return nil, err
	}
	if err := q.prune(); err != nil {
		return nil, err
	}
	return q, nil
}

// Run runs queued queries on Workers workers, delivers results and prunes
// expired queries until ctx ends or Close is called. Queries still running
// then are stopped and FAILED as interrupted.
func (q *Queries) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return ErrQueriesClosed
	}
	q.runs.Add(1)
	redeliver := q.redeliver
	q.redeliver = nil
	q.mu.Unlock()
	defer q.runs.Done()

	var wg sync.WaitGroup
	for range q.opts.Workers {
		wg.Go(func() { q.work(ctx) })
	}
	wg.Go(func() {
		for _, id := range redeliver {
			q.deliverFinished(ctx, id)
		}
	})
	t := time.NewTicker(q.opts.PruneInterval)
	defer t.Stop()
loop:
	for {
		select {
		case <-ctx.Done():
			break loop
		case <-q.stop:
			break loop
		case <-t.C:
			if perr := q.prune(); perr != nil {
				q.opts.Logger.Error("pruning expired Lake queries failed", "err", perr)
			}
		}
	}
	cancel()
	wg.Wait()
	return nil
}

// Close stops Run (waiting for its workers) and refuses new submissions.
func (q *Queries) Close() error {
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return nil
	}
	q.closed = true
	close(q.stop)
	q.mu.Unlock()
	q.runs.Wait()
	return nil
}

// MaxConcurrent is the quota of queued plus running queries per account.
func (q *Queries) MaxConcurrent() int { return q.opts.MaxConcurrent }

// now is the current time in UTC.
func (q *Queries) now() time.Time { return q.opts.Now().UTC() }
