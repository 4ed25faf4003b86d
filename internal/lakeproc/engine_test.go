package lakeproc

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/cairn-audit/cairn/internal/lake"
)

// The test binary is also the child: Start runs it with ChildCommand last.
func TestMain(m *testing.M) {
	if os.Args[len(os.Args)-1] == ChildCommand {
		os.Exit(ChildMain())
	}
	os.Exit(m.Run())
}

const testStore = "6f1c2b3a-0000-4000-8000-000000000001"

func startTest(t *testing.T, memory string) *Engine {
	t.Helper()
	opts := DefaultOptions()
	opts.Command = []string{os.Args[0]}
	opts.Lake.MemoryLimit = memory
	opts.Lake.Dir = t.TempDir()
	opts.Lake.Threads = 2
	opts.Lake.Logger = slog.New(slog.DiscardHandler)
	opts.Logger = opts.Lake.Logger
	e, err := Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := e.Close(); err != nil {
			t.Error(err)
		}
	})
	rows := make([]lake.Row, 100)
	now := time.Now().UTC()
	for i := range rows {
		id := fmt.Sprintf("00000000-0000-4000-8000-%012d", i)
		rows[i] = lake.Row{Store: testStore, Time: now, EventID: id,
			Record: fmt.Appendf(nil, `{"eventVersion":"1.11","eventID":%q,"eventTime":%q,"eventName":"GetObject"}`, id, now.Format(time.RFC3339))}
	}
	if err := e.Append(context.Background(), rows, map[string]uint64{lake.CursorJournal: 7}); err != nil {
		t.Fatal(err)
	}
	return e
}

type collect struct {
	cols []string
	rows [][]lake.Value
}

func (c *collect) Columns(n []string) error { c.cols = n; return nil }
func (c *collect) Row(v []lake.Value) error { c.rows = append(c.rows, v); return nil }
func scope() map[string]lake.Scope          { return map[string]lake.Scope{testStore: {}} }
func count(t *testing.T, e *Engine) int {
	t.Helper()
	var c collect
	if _, err := e.Run(context.Background(), lake.Query{SQL: "SELECT count(*) FROM " + testStore, Stores: scope()}, &c); err != nil {
		t.Fatal(err)
	}
	n, _ := strconv.Atoi(c.rows[0][0].S)
	return n
}

func TestEngineRoundTrip(t *testing.T) {
	e := startTest(t, "256MB")
	ctx := context.Background()
	cur, err := e.Cursors(ctx)
	if err != nil || cur[lake.CursorJournal] != 7 {
		t.Fatalf("cursors %v, %v", cur, err)
	}
	if n := count(t, e); n != 100 {
		t.Fatalf("count %d", n)
	}
	var c collect
	if _, err := e.Run(ctx, lake.Query{SQL: "SELECT eventID FROM " + testStore + " ORDER BY eventID", Stores: scope()}, &c); err != nil {
		t.Fatal(err)
	}
	if len(c.rows) != 100 || c.cols[0] != "eventID" {
		t.Fatalf("%v %d rows", c.cols, len(c.rows))
	}
	if _, err := e.Check(ctx, "SELECT nope("); !errors.Is(err, lake.ErrInvalidQuery) {
		t.Fatalf("check: %v", err)
	}
	if ev, _, err := e.Size(ctx, testStore, time.Time{}); err != nil || ev != 100 {
		t.Fatalf("size %d %v", ev, err)
	}
}

// A statement that does not stop when cancelled has its child killed
// within the grace; the engine answers again afterwards.
func TestEngineCancelStops(t *testing.T) {
	e := startTest(t, "256MB")
	for _, sql := range []string{
		"WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n+1 FROM r) SELECT count(*) FROM r",
		"SELECT len(flatten(flatten(list_transform(repeat(1,10000), x -> list_transform(repeat(x,10000), y -> repeat(y,100)))))) FROM " + testStore + " LIMIT 1",
	} {
		ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
		began := time.Now()
		_, err := e.Run(ctx, lake.Query{SQL: sql, Stores: scope()}, &collect{})
		cancel()
		took := time.Since(began)
		t.Logf("%.40s: %v after %v", sql, err, took)
		if err == nil {
			t.Fatalf("%s: no error", sql)
		}
		if took > 3*time.Second {
			t.Fatalf("%s: took %v", sql, took)
		}
		if n := count(t, e); n != 100 {
			t.Fatalf("count %d", n)
		}
	}
}

// A statement past the memory bound fails (DuckDB's error or the child's
// death), and the engine answers again.
func TestEngineMemoryBound(t *testing.T) {
	e := startTest(t, "256MB")
	sql := "SELECT len(flatten(flatten(list_transform(repeat(1,10000), x -> list_transform(repeat(x,10000), y -> repeat(y,100)))))) FROM " + testStore + " LIMIT 1"
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err := e.Run(ctx, lake.Query{SQL: sql, Stores: scope()}, &collect{})
	t.Logf("%v (restarts %d)", err, e.Restarts())
	if !errors.Is(err, lake.ErrQueryLimit) {
		t.Fatalf("want ErrQueryLimit, got %v", err)
	}
	if n := count(t, e); n != 100 {
		t.Fatalf("count %d", n)
	}
}

// A child that dies is started again on the next call, with the Lake's
// committed rows and cursors; the calls in flight fail with
// ErrEngineRestarted.
func TestEngineRestartsChild(t *testing.T) {
	e := startTest(t, "256MB")
	ctx := context.Background()
	done := make(chan error, 1)
	go func() {
		_, err := e.Run(ctx, lake.Query{SQL: "WITH RECURSIVE r(n) AS (SELECT min(1) FROM " + testStore +
			" UNION ALL SELECT n + 1 FROM r) SELECT count(*) FROM r", Stores: scope()}, &collect{})
		done <- err
	}()
	e.mu.Lock()
	c := e.cur
	e.mu.Unlock()
	for deadline := time.Now().Add(10 * time.Second); ; { // wait until the Run is in flight
		c.mu.Lock()
		n := len(c.calls)
		c.mu.Unlock()
		if n > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the Run did not start")
		}
		time.Sleep(5 * time.Millisecond)
	}
	_ = c.cmd.Process.Kill()
	if err := <-done; !errors.Is(err, lake.ErrEngineRestarted) {
		t.Fatalf("in-flight Run: %v", err)
	}
	if n := count(t, e); n != 100 {
		t.Fatalf("count %d after restart", n)
	}
	if cur, err := e.Cursors(ctx); err != nil || cur[lake.CursorJournal] != 7 {
		t.Fatalf("cursors %v %v", cur, err)
	}
	if e.Restarts() != 1 {
		t.Fatalf("restarts %d", e.Restarts())
	}
}
