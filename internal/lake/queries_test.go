package lake

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestQueriesLifecycle(t *testing.T) {
	e := newQueriesEnv(t, rowsRun(3))
	id := e.submit(qAcct, "SELECT 1")
	if !queryIDShape.MatchString(id) {
		t.Fatalf("query ID %q", id)
	}
	info, err := e.q.Describe(qAcct, id)
	if err != nil || info.Status != QueryQueued || !info.Created.Equal(queriesT0) || info.Region != "us-east-1" ||
		len(info.Stores) != 1 || info.Stores[0] != qStore || info.ExecutionTime(queriesT0) != 0 {
		t.Fatalf("queued: %+v %v", info, err)
	}
	if _, rows, err := e.q.Results(qAcct, id, 0, 10); err != nil || rows != nil {
		t.Fatalf("results of a queued query: %v %v", rows, err)
	}
	if _, err := e.q.Describe(qOther, id); !errors.Is(err, ErrQueryNotFound) {
		t.Fatalf("another account's query: %v", err)
	}
	e.start()
	info = e.wait(id, QueryFinished)
	if info.Stats != (QueryStats{EventsScanned: 100, EventsMatched: 3, BytesScanned: 4096}) || info.Rows != 3 ||
		strings.Join(info.Columns, ",") != "id,name,empty" || info.Error != "" || info.Started.IsZero() || info.Ended.IsZero() {
		t.Fatalf("finished: %+v", info)
	}
	_, rows, err := e.q.Results(qAcct, id, 1, 10)
	if err != nil || len(rows) != 2 || rows[0][0].S != "r1" || rows[1][1].S != "n2" || !rows[0][2].Null || rows[0][0].Null {
		t.Fatalf("rows %+v %v", rows, err)
	}
	if runs := e.engine.ran(); len(runs) != 1 || runs[0].SQL != "SELECT 1" || len(runs[0].Stores) != 1 {
		t.Fatalf("engine ran %+v", runs)
	}
	if _, err := os.Stat(filepath.Join(e.dir, id, queryRecordName)); err != nil {
		t.Fatalf("record not saved: %v", err)
	}
}

func TestQueriesExecutionTime(t *testing.T) {
	started := make(chan string, 1)
	e := newQueriesEnv(t, blockingRun(0, started))
	e.start()
	id := e.submit(qAcct, "slow")
	<-started
	info := e.wait(id, QueryRunning)
	if got := info.ExecutionTime(info.Started.Add(1500 * time.Millisecond)); got != 1500*time.Millisecond {
		t.Fatalf("execution time while running: %v", got)
	}
	e.clock.Add(2 * time.Second)
	if _, err := e.q.Cancel(qAcct, id); err != nil {
		t.Fatal(err)
	}
	info = e.wait(id, QueryCancelled)
	if got := info.ExecutionTime(queriesT0.Add(time.Hour)); got != 2*time.Second {
		t.Fatalf("execution time once cancelled: %v", got)
	}
}

func TestQueriesConcurrencyLimit(t *testing.T) {
	e := newQueriesEnv(t, rowsRun(0), func(o *QueriesOptions) { o.MaxConcurrent = 2 })
	e.submit(qAcct, "a")
	staged, err := e.q.Stage(Submission{Account: qAcct, SQL: "b"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.q.Submit(Submission{Account: qAcct, SQL: "c"}); !errors.Is(err, ErrTooManyQueries) {
		t.Fatalf("third query: %v", err)
	}
	e.submit(qOther, "another account has its own quota")
	staged.Abort()
	staged.Abort() // no-op
	id := e.submit(qAcct, "the aborted slot is free again")
	if err := staged.Commit(); err == nil {
		t.Fatal("Commit after Abort succeeded")
	}
	if _, err := e.q.Submit(Submission{Account: qAcct, SQL: "d"}); !errors.Is(err, ErrTooManyQueries) {
		t.Fatalf("queued queries count: %v", err)
	}
	e.start()
	e.wait(id, QueryFinished)
	e.submit(qAcct, "finished queries do not count")
}

func TestQueriesCancelRunning(t *testing.T) {
	started := make(chan string, 1)
	e := newQueriesEnv(t, blockingRun(5, started))
	e.start()
	id := e.submit(qAcct, "slow")
	<-started
	if _, err := e.q.Cancel(qOther, id); !errors.Is(err, ErrQueryNotFound) {
		t.Fatalf("another account cancels: %v", err)
	}
	info, err := e.q.Cancel(qAcct, id)
	if err != nil || info.Status != QueryCancelled {
		t.Fatalf("cancel: %+v %v", info, err)
	}
	// The worker fills in the statistics once the engine stops.
	deadline := time.Now().Add(5 * time.Second)
	for info.Stats.EventsScanned == 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
		info, _ = e.q.Describe(qAcct, id)
	}
	if info.Status != QueryCancelled || info.Stats.BytesScanned != 70 || info.Rows != 0 {
		t.Fatalf("after the engine stopped: %+v", info)
	}
	if _, rows, err := e.q.Results(qAcct, id, 0, 10); err != nil || rows != nil {
		t.Fatalf("rows of a cancelled query: %v %v", rows, err)
	}
	if _, err := e.q.Cancel(qAcct, id); !errors.Is(err, ErrQueryInactive) {
		t.Fatalf("second cancel: %v", err)
	}
	// The worker is free again.
	go func() { <-started }()
	id2 := e.submit(qAcct, "next")
	e.wait(id2, QueryRunning)
}

func TestQueriesCancelQueued(t *testing.T) {
	started := make(chan string, 2)
	e := newQueriesEnv(t, blockingRun(0, started), func(o *QueriesOptions) { o.Workers = 1 })
	e.start()
	first := e.submit(qAcct, "first")
	<-started
	second := e.submit(qAcct, "second")
	if info := e.wait(second, QueryQueued); info.Status != QueryQueued {
		t.Fatal(info.Status)
	}
	if _, err := e.q.Cancel(qAcct, second); err != nil {
		t.Fatal(err)
	}
	if _, err := e.q.Cancel(qAcct, first); err != nil {
		t.Fatal(err)
	}
	e.wait(first, QueryCancelled)
	third := e.submit(qAcct, "third")
	if sql := <-started; sql != "third" {
		t.Fatalf("ran %q after the cancelled queued query", sql)
	}
	e.q.Cancel(qAcct, third)
	e.wait(third, QueryCancelled)
	for _, r := range e.engine.ran() {
		if r.SQL == "second" {
			t.Fatal("a cancelled queued query ran")
		}
	}
}

func TestQueriesWorkersRunConcurrently(t *testing.T) {
	started := make(chan string, 3)
	e := newQueriesEnv(t, blockingRun(0, started), func(o *QueriesOptions) { o.Workers = 2 })
	e.start()
	ids := []string{e.submit(qAcct, "a"), e.submit(qAcct, "b"), e.submit(qAcct, "c")}
	<-started
	<-started
	e.wait(ids[0], QueryRunning)
	e.wait(ids[1], QueryRunning)
	if info := e.wait(ids[2], QueryQueued); info.Status != QueryQueued {
		t.Fatal(info.Status)
	}
	e.q.Cancel(qAcct, ids[0])
	if sql := <-started; sql != "c" {
		t.Fatalf("third query %q", sql)
	}
}

func TestQueriesTimeoutKeepsPartialResults(t *testing.T) {
	started := make(chan string, 1)
	e := newQueriesEnv(t, blockingRun(4, started), func(o *QueriesOptions) { o.Timeout = 50 * time.Millisecond })
	e.start()
	id := e.submit(qAcct, "slow")
	info := e.wait(id, QueryTimedOut)
	if info.Rows != 4 || !strings.Contains(info.Error, "timed out") || info.Stats.EventsScanned != 7 {
		t.Fatalf("timed out: %+v", info)
	}
	_, rows, err := e.q.Results(qAcct, id, 0, 10)
	if err != nil || len(rows) != 4 || rows[3][0].S != "r3" {
		t.Fatalf("partial rows %v %v", rows, err)
	}
}

func TestQueriesFailures(t *testing.T) {
	long := strings.Repeat("é", 2000)
	cases := []struct {
		name, want string
		err        error
	}{
		{"invalid", `Binder Error: column "nope" not found`, fmt.Errorf("%w: Binder Error: column \"nope\" not found", ErrInvalidQuery)},
		{"limit", "results exceed 10 MB", fmt.Errorf("%w: results exceed 10 MB", ErrQueryLimit)},
		{"internal", "internal error", errors.New("disk on fire")},
		{"long message", "...", fmt.Errorf("%w: %s", ErrInvalidQuery, long)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newQueriesEnv(t, func(_ context.Context, _ Query, w ResultWriter) (QueryStats, error) {
				return QueryStats{BytesScanned: 1}, errors.Join(writeTestRows(w, 2), c.err)
			})
			e.start()
			id := e.submit(qAcct, "x")
			info := e.wait(id, QueryFailed)
			if !strings.Contains(info.Error, c.want) || len(info.Error) > maxErrorMessage || info.Rows != 0 || strings.Contains(info.Error, "disk on fire") {
				t.Fatalf("failed query: %q (%d bytes), %d rows", info.Error, len(info.Error), info.Rows)
			}
			if _, rows, _ := e.q.Results(qAcct, id, 0, 10); rows != nil {
				t.Fatalf("rows of a failed query: %v", rows)
			}
		})
	}
}

func TestQueriesRefreshScopesFromStores(t *testing.T) {
	stores, err := OpenStores(t.TempDir(), StoresOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stores.Close() })
	live := queryTestStore(qAcct, 30)
	gone := queryTestStore(qAcct, 7)
	gone.Status = StatusPendingDeletion
	tx, err := stores.Begin(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if err := errors.Join(tx.Put(live), tx.Put(gone)); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	e := newQueriesEnv(t, rowsRun(1), func(o *QueriesOptions) { o.Stores = stores })
	e.clock.Add(time.Hour)
	ok, err := e.q.Submit(Submission{Account: qAcct, SQL: "ok", Stores: map[string]Scope{live.ID: {}}})
	if err != nil {
		t.Fatal(err)
	}
	bad, err := e.q.Submit(Submission{Account: qAcct, SQL: "bad", Stores: map[string]Scope{live.ID: {}, gone.ID: {}}})
	if err != nil {
		t.Fatal(err)
	}
	e.start()
	e.wait(ok, QueryFinished)
	if info := e.wait(bad, QueryFailed); !strings.Contains(info.Error, gone.ID) {
		t.Fatalf("query on a deleted store: %q", info.Error)
	}
	runs := e.engine.ran()
	if len(runs) != 1 || !runs[0].Stores[live.ID].Since.Equal(queriesT0.Add(time.Hour-30*24*time.Hour)) {
		t.Fatalf("engine ran %+v", runs)
	}
}

func queryTestStore(account string, retentionDays int) EventDataStore {
	id := NewID()
	return EventDataStore{ID: id, ARN: ARN("us-east-1", account, id), Account: account, Region: "us-east-1", Name: "s-" + id[:8],
		Status: StatusEnabled, RetentionPeriod: retentionDays, BillingMode: BillingExtendable, Created: queriesT0, Updated: queriesT0}
}

func TestQueriesClosed(t *testing.T) {
	e := newQueriesEnv(t, rowsRun(0))
	e.close()
	if _, err := e.q.Submit(Submission{Account: qAcct, SQL: "x"}); !errors.Is(err, ErrQueriesClosed) {
		t.Fatalf("submit after Close: %v", err)
	}
	if err := e.q.Run(context.Background()); !errors.Is(err, ErrQueriesClosed) {
		t.Fatalf("Run after Close: %v", err)
	}
}
