package lake

import (
	"context"
	"errors"
	"time"
)

// Ingest cursor names: the last sequence number of each recorded stream
// whose events are in the engine (committed with the rows).
const (
	CursorJournal = "journal" // the main event journal (API calls, gateway)
	CursorAudit   = "audit"   // the PutAuditEvents journal (channels/events)
)

// Row is one event on its way into an event data store.
type Row struct {
	Store   string    // event data store ID (the UUID ending its ARN)
	Time    time.Time // eventTime, UTC: partitioning and retention
	EventID string
	Record  []byte // the record's JSON, exactly as recorded
}

// Scope is what a query may see of one store.
type Scope struct {
	// Since hides events older than this (the store's retention); zero for none.
	Since time.Time
}

// Query is one user statement to run.
type Query struct {
	SQL string
	// Stores are the stores the caller may read, by lower-case ID. The SQL
	// names them by ID or ARN (FROM <id>); any other table is refused.
	Stores map[string]Scope
	// MaxResultBytes bounds the rendered results; exceeding it fails the
	// query with ErrQueryLimit. 0 for the engine's default.
	MaxResultBytes int64
}

// QueryStats are a finished (or stopped) query's statistics.
type QueryStats struct {
	EventsScanned int64 // events in the partitions the query read
	EventsMatched int64 // events that passed the query's filters on the stores
	BytesScanned  int64 // record bytes of the partitions the query read
}

// Value is one result cell as the API returns it: a string, or NULL.
type Value struct {
	S    string
	Null bool
}

// ResultWriter receives a query's results: Columns once, then each row.
type ResultWriter interface {
	Columns(names []string) error
	Row(values []Value) error
}

// Errors an Engine returns; returned errors wrap them with a message for the
// user (errors.Is to test, Error() to show).
var (
	// ErrInvalidQuery: the statement is refused (not one SELECT, a table or
	// function it may not use, a syntax or binding error).
	ErrInvalidQuery = errors.New("invalid query statement")
	// ErrQueryLimit: the statement hit the memory limit or results cap.
	ErrQueryLimit = errors.New("query limit exceeded")
)

// Engine holds the events of every event data store and runs SQL over them.
// All methods are safe for concurrent use.
type Engine interface {
	// Cursors returns the ingest cursors committed by the last Append
	// (missing names are 0).
	Cursors(ctx context.Context) (map[string]uint64, error)
	// Append stores rows and sets cursors in one transaction: after a crash
	// either both are there or neither is.
	Append(ctx context.Context, rows []Row, cursors map[string]uint64) error
	// Import stores rows into one store, skipping any whose EventID the store
	// already holds or that repeat within rows. It returns how many it stored.
	Import(ctx context.Context, store string, rows []Row) (stored int, err error)
	// Expire drops the store's partitions that hold only events older than
	// cutoff and returns how many it dropped.
	Expire(ctx context.Context, store string, cutoff time.Time) (int, error)
	// Drop deletes every event of the store.
	Drop(ctx context.Context, store string) error
	// Size returns the number of events of the store at or after since, and
	// their record bytes.
	Size(ctx context.Context, store string, since time.Time) (events, bytes int64, err error)

	// Check validates a statement without running it and returns the IDs
	// (lower case) of the stores it names, whether or not q.Stores has them:
	// the caller reports unknown or inactive stores. Errors wrap ErrInvalidQuery.
	Check(ctx context.Context, sql string) (stores []string, err error)
	// Run validates and runs the statement, streaming results to w. It stops
	// when ctx is done (cancel, timeout) and returns ctx's error then.
	Run(ctx context.Context, q Query, w ResultWriter) (QueryStats, error)
}
