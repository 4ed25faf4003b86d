package lake

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"
)

// queryEngine is an Engine whose Run is the test's function; the other
// methods are never called by Queries.
type queryEngine struct {
	mu   sync.Mutex
	run  func(ctx context.Context, q Query, w ResultWriter) (QueryStats, error)
	runs []Query
}

func (e *queryEngine) Cursors(context.Context) (map[string]uint64, error) { return nil, nil }
func (e *queryEngine) Append(context.Context, []Row, map[string]uint64) error {
	return nil
}
func (e *queryEngine) Import(context.Context, string, []Row) (int, error) { return 0, nil }
func (e *queryEngine) Expire(context.Context, string, time.Time) (int, error) {
	return 0, nil
}
func (e *queryEngine) Drop(context.Context, string) error { return nil }
func (e *queryEngine) Size(context.Context, string, time.Time) (int64, int64, error) {
	return 0, 0, nil
}
func (e *queryEngine) Check(context.Context, string) ([]string, error) { return nil, nil }

func (e *queryEngine) Run(ctx context.Context, q Query, w ResultWriter) (QueryStats, error) {
	e.mu.Lock()
	e.runs = append(e.runs, q)
	run := e.run
	e.mu.Unlock()
	return run(ctx, q, w)
}

func (e *queryEngine) ran() []Query {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]Query(nil), e.runs...)
}

// writeTestRows writes n rows of columns (id, name, empty): "r<i>", "n<i>", NULL.
func writeTestRows(w ResultWriter, n int) error {
	if err := w.Columns([]string{"id", "name", "empty"}); err != nil {
		return err
	}
	for i := range n {
		if err := w.Row([]Value{{S: fmt.Sprintf("r%d", i)}, {S: fmt.Sprintf("n%d", i)}, {Null: true}}); err != nil {
			return err
		}
	}
	return nil
}

// rowsRun answers every query with n rows and fixed statistics.
func rowsRun(n int) func(context.Context, Query, ResultWriter) (QueryStats, error) {
	return func(_ context.Context, _ Query, w ResultWriter) (QueryStats, error) {
		return QueryStats{EventsScanned: 100, EventsMatched: int64(n), BytesScanned: 4096}, writeTestRows(w, n)
	}
}

// blockingRun writes n rows, signals started and waits for ctx to end.
func blockingRun(n int, started chan<- string) func(context.Context, Query, ResultWriter) (QueryStats, error) {
	return func(ctx context.Context, q Query, w ResultWriter) (QueryStats, error) {
		if err := writeTestRows(w, n); err != nil {
			return QueryStats{}, err
		}
		started <- q.SQL
		<-ctx.Done()
		return QueryStats{EventsScanned: 7, BytesScanned: 70}, ctx.Err()
	}
}

// queryClock is a settable test clock.
type queryClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *queryClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *queryClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

var queriesT0 = time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)

const (
	qAcct   = "111111111111"
	qOther  = "222222222222"
	qStore  = "0f3e1c5a-2222-4000-8000-000000000001"
	qStore2 = "0f3e1c5a-2222-4000-8000-000000000002"
)

type queriesEnv struct {
	t      *testing.T
	dir    string
	engine *queryEngine
	clock  *queryClock
	opts   QueriesOptions
	q      *Queries
	stop   func()
}

func newQueriesEnv(t *testing.T, run func(context.Context, Query, ResultWriter) (QueryStats, error), tweak ...func(*QueriesOptions)) *queriesEnv {
	t.Helper()
	e := &queriesEnv{t: t, dir: t.TempDir(), engine: &queryEngine{run: run}, clock: &queryClock{t: queriesT0}}
	e.opts = QueriesOptions{Engine: e.engine, Now: e.clock.Now, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	for _, f := range tweak {
		f(&e.opts)
	}
	e.open()
	return e
}

// open opens Queries on the env's directory (without running it).
func (e *queriesEnv) open() {
	e.t.Helper()
	opts := e.opts
	opts.Dir = e.dir
	q, err := NewQueries(opts)
	if err != nil {
		e.t.Fatal(err)
	}
	e.q = q
	e.stop = func() {}
	e.t.Cleanup(func() { e.close() })
}

// start runs Queries in the background until close.
func (e *queriesEnv) start() {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.q.Run(ctx) }()
	e.stop = func() {
		cancel()
		if err := <-done; err != nil {
			e.t.Errorf("Run: %v", err)
		}
	}
}

func (e *queriesEnv) close() {
	e.stop()
	e.stop = func() {}
	if err := e.q.Close(); err != nil {
		e.t.Errorf("Close: %v", err)
	}
}

// reopen closes Queries and opens it again on the same directory.
func (e *queriesEnv) reopen() {
	e.close()
	e.open()
}

func (e *queriesEnv) submit(account, sql string) string {
	e.t.Helper()
	id, err := e.q.Submit(Submission{Account: account, Region: "us-east-1", SQL: sql, Stores: map[string]Scope{qStore: {}}})
	if err != nil {
		e.t.Fatal(err)
	}
	return id
}

// wait waits until the query's status is one of want and returns it.
func (e *queriesEnv) wait(id string, want ...string) QueryInfo {
	e.t.Helper()
	return e.waitAs(qAcct, id, want...)
}

func (e *queriesEnv) waitAs(account, id string, want ...string) QueryInfo {
	e.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		info, err := e.q.Describe(account, id)
		if err != nil {
			e.t.Fatal(err)
		}
		for _, w := range want {
			if info.Status == w && (info.DeliveryStatus != DeliveryPending || !info.Terminal()) {
				return info
			}
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("query %s is %s (delivery %q), want %v", id, info.Status, info.DeliveryStatus, want)
		}
		time.Sleep(2 * time.Millisecond)
	}
}
