package cloudtrail

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cairn-audit/cairn/internal/lake"
)

// queryTestEngine is a lake.Engine for the query handlers: Check finds the
// store IDs a statement names and refuses DROP; Run answers with rows
// (eventName, n) and understands a few markers in the SQL: SLOW waits until
// cancelled, nope fails binding.
type queryTestEngine struct {
	mu      sync.Mutex
	rows    int // rows per query
	runs    []lake.Query
	started chan string
}

var queryTestUUID = regexp.MustCompile(`[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}`)

func (e *queryTestEngine) Cursors(context.Context) (map[string]uint64, error) { return nil, nil }
func (e *queryTestEngine) Append(context.Context, []lake.Row, map[string]uint64) error {
	return nil
}
func (e *queryTestEngine) Import(context.Context, string, []lake.Row) (int, error) { return 0, nil }
func (e *queryTestEngine) Expire(context.Context, string, time.Time) (int, error) {
	return 0, nil
}
func (e *queryTestEngine) Drop(context.Context, string) error { return nil }
func (e *queryTestEngine) Size(context.Context, string, time.Time) (int64, int64, error) {
	return 0, 0, nil
}

func (e *queryTestEngine) Check(_ context.Context, sql string) ([]string, error) {
	if strings.Contains(strings.ToUpper(sql), "DROP") {
		return nil, fmt.Errorf("%w: only one SELECT statement is allowed", lake.ErrInvalidQuery)
	}
	var ids []string
	for _, m := range queryTestUUID.FindAllString(sql, -1) {
		ids = append(ids, strings.ToLower(m))
	}
	return ids, nil
}

func (e *queryTestEngine) Run(ctx context.Context, q lake.Query, w lake.ResultWriter) (lake.QueryStats, error) {
	e.mu.Lock()
	e.runs = append(e.runs, q)
	n := e.rows
	e.mu.Unlock()
	switch {
	case strings.Contains(q.SQL, "SLOW"):
		e.started <- q.SQL
		<-ctx.Done()
		return lake.QueryStats{EventsScanned: 5, BytesScanned: 50}, ctx.Err()
	case strings.Contains(q.SQL, "nope"):
		return lake.QueryStats{}, fmt.Errorf("%w: Binder Error: Referenced column \"nope\" not found", lake.ErrInvalidQuery)
	}
	if err := w.Columns([]string{"eventName", "n"}); err != nil {
		return lake.QueryStats{}, err
	}
	for i := range n {
		v := lake.Value{S: fmt.Sprint(i)}
		if i == 1 {
			v = lake.Value{Null: true}
		}
		if err := w.Row([]lake.Value{{S: fmt.Sprintf("e%d", i)}, v}); err != nil {
			return lake.QueryStats{}, err
		}
	}
	return lake.QueryStats{EventsScanned: 40, EventsMatched: int64(n), BytesScanned: 4000}, nil
}

func (e *queryTestEngine) lastRun() lake.Query {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.runs[len(e.runs)-1]
}

// queryEnv is a trailEnv whose service has a Lake with store definitions,
// the test engine and running Queries.
type queryEnv struct {
	*trailEnv
	stores  *lake.Stores
	queries *lake.Queries
	engine  *queryTestEngine
}

func newQueryEnv(t *testing.T, tweak ...func(*lake.QueriesOptions)) *queryEnv {
	t.Helper()
	stores, err := lake.OpenStores(t.TempDir(), lake.StoresOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stores.Close() })
	e := &queryEnv{stores: stores, engine: &queryTestEngine{rows: 3, started: make(chan string, 10)}}
	l := &lake.Lake{Stores: stores, Engine: e.engine}
	e.trailEnv = newTrailEnv(t, func(o *Options) { o.Lake = l })
	opts := lake.QueriesOptions{Dir: t.TempDir(), Engine: e.engine, Stores: stores, Buckets: e.buckets,
		Now: func() time.Time { return testNow }, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	for _, f := range tweak {
		f(&opts)
	}
	if e.queries, err = lake.NewQueries(opts); err != nil {
		t.Fatal(err)
	}
	l.Queries = e.queries
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.queries.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Queries.Run: %v", err)
		}
		e.queries.Close()
	})
	return e
}

// seedStore stores an event data store straight into the definitions.
func (e *queryEnv) seedStore(account, region, name string, tweak ...func(*lake.EventDataStore)) lake.EventDataStore {
	e.t.Helper()
	id := lake.NewID()
	st := lake.EventDataStore{ID: id, ARN: lake.ARN(region, account, id), Account: account, Region: region, Name: name,
		Status: lake.StatusEnabled, RetentionPeriod: 90, BillingMode: lake.BillingExtendable, Created: testNow, Updated: testNow}
	for _, f := range tweak {
		f(&st)
	}
	tx, err := e.stores.Begin(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	if err := tx.Put(st); err != nil {
		e.t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		e.t.Fatal(err)
	}
	return st
}

// setStatus changes a store's status in the definitions.
func (e *queryEnv) setStatus(st lake.EventDataStore, status string) {
	e.t.Helper()
	st.Status = status
	tx, err := e.stores.Begin(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	if err := tx.Put(st); err != nil {
		e.t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		e.t.Fatal(err)
	}
}

// start runs StartQuery for sql in us-east-1 and returns the query ID.
func (e *queryEnv) start(sql string, extra map[string]any) string {
	e.t.Helper()
	body := map[string]any{"QueryStatement": sql}
	for k, v := range extra {
		body[k] = v
	}
	var out struct{ QueryId string }
	e.ok("us-east-1", "StartQuery", body, &out)
	return out.QueryId
}

// describe runs DescribeQuery until the query's status is one of want.
func (e *queryEnv) describe(id string, want ...string) describeQueryOutput {
	e.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var out describeQueryOutput
		e.ok("us-east-1", "DescribeQuery", map[string]any{"QueryId": id}, &out)
		for _, w := range want {
			if out.QueryStatus == w && (out.DeliveryStatus != lake.DeliveryPending || w == lake.QueryQueued || w == lake.QueryRunning) {
				return out
			}
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("query %s is %s (delivery %q), want %v", id, out.QueryStatus, out.DeliveryStatus, want)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func decodeQueryJSON(t *testing.T, b []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
}
