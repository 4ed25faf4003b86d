package lakedb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cairn-audit/cairn/internal/lake"
)

// Results are rendered as GetQueryResults shows them: all strings.
func TestLakeRender(t *testing.T) {
	l := openTestLake(t, "")
	cases := []struct{ expr, want string }{
		{"42", "42"},
		{"CAST(-7 AS BIGINT)", "-7"},
		{"CAST(12345678901234567890 AS HUGEINT)", "12345678901234567890"},
		{"1.5", "1.5"},
		{"CAST(0.1 AS DOUBLE)", "0.1"},
		{"CAST(2.5 AS FLOAT)", "2.5"},
		{"true", "true"},
		{"false", "false"},
		{"NULL", "<null>"},
		{"'text'", "text"},
		{"''", ""},
		{"TIMESTAMP '2024-01-02 03:04:05.678901'", "2024-01-02 03:04:05.678"},
		{"TIMESTAMP '2024-01-02 03:04:05'", "2024-01-02 03:04:05.000"},
		{"CAST(TIMESTAMP '2024-01-02 03:04:05' AS TIMESTAMP WITH TIME ZONE)", "2024-01-02 03:04:05.000"},
		{"DATE '2024-01-02'", "2024-01-02"},
		{"INTERVAL 3 DAY", "3 days"},
		{"[1, 2, 3]", "[1,2,3]"},
		{"['a', NULL]", `["a",null]`},
		{"{'a': 1, 'b': [true], 'c': {'d': 'x'}}", `{"a":1,"b":[true],"c":{"d":"x"}}`},
		{"MAP {'k': 1}", `{"k":1}`},
		{`CAST('{"x": [1, 2]}' AS JSON)`, `{"x": [1, 2]}`},
		{`json_parse('{"x": [1, 2]}')`, `{"x":[1,2]}`},
		{"CAST('00000000-0000-4000-8000-000000000001' AS UUID)", "00000000-0000-4000-8000-000000000001"},
	}
	for _, c := range cases {
		if got := one(t, l, "SELECT "+c.expr, nil); got[0] != c.want {
			t.Errorf("%s renders %q, want %q", c.expr, got[0], c.want)
		}
	}
	// Labels: as written, duplicates kept apart, DuckDB's for expressions.
	r, _ := mustRun(t, l, "SELECT 1 AS a, 2 AS a, 1 + 1, lower('X') AS Mixed", nil)
	if want := []string{"a", "a", "(1 + 1)", "Mixed"}; !reflect.DeepEqual(r.cols, want) {
		t.Errorf("columns %q, want %q", r.cols, want)
	}
	if got := r.text(); !reflect.DeepEqual(got, [][]string{{"1", "2", "2", "x"}}) {
		t.Errorf("rows %q", got)
	}
}

// ORDER BY survives the rendering wrapper, over many rows and threads.
func TestLakeRenderKeepsOrder(t *testing.T) {
	l := openTestLake(t, "")
	const xs = "(SELECT a * 10000 + b AS x FROM (SELECT unnest(sequence(0, 9)) AS a), (SELECT unnest(sequence(0, 9999)) AS b))"
	r, _ := mustRun(t, l, "SELECT x FROM "+xs+" ORDER BY hash(x), x", nil)
	if len(r.rows) != 100000 {
		t.Fatalf("%d rows", len(r.rows))
	}
	want, _ := mustRun(t, l, "SELECT list(x ORDER BY hash(x), x) FROM "+xs, nil)
	var b strings.Builder
	b.WriteString("[")
	for i, row := range r.rows {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(row[0].S)
	}
	if b.WriteString("]"); b.String() != want.rows[0][0].S {
		t.Fatal("rows are not in ORDER BY order")
	}
}

// Statistics: events and bytes of the partitions a query reads (from Since
// on), events that pass its filters.
func TestLakeQueryStats(t *testing.T) {
	ctx := context.Background()
	l := openTestLake(t, "")
	rows := manyRows(t, storeA, lakeNow, 100) // 25 of each of 4 event names, 5 user names
	if err := l.Append(ctx, append(rows, manyRows(t, storeB, lakeNow, 7)...), nil); err != nil {
		t.Fatal(err)
	}
	var bytes int64
	for _, r := range rows {
		bytes += int64(len(r.Record))
	}
	cases := []struct {
		sql     string
		matched int64
	}{
		{"SELECT count(*) FROM $A", 100},
		{"SELECT count(*) FROM $A WHERE eventName = 'GetUser'", 25},
		{"SELECT eventName, count(*) FROM $A WHERE requestParameters.userName = 'u1' GROUP BY 1", 20},
		{"SELECT eventID FROM $A WHERE eventName = 'ListUsers' AND userIdentity.userName = 'alice' ORDER BY eventTime", 25},
		{"SELECT * FROM $A WHERE eventName = 'nothing'", 0},
		{"SELECT a.eventName FROM $A a JOIN $A b ON a.eventID = b.eventID WHERE a.eventName = 'GetUser' AND b.eventName = 'GetUser'", 50},
	}
	for _, c := range cases {
		sql := replaceStore(c.sql)
		_, st := mustRun(t, l, sql, scopeAll(storeA, storeB))
		want := lake.QueryStats{EventsScanned: 100, BytesScanned: bytes, EventsMatched: min(c.matched, 100)}
		if st != want {
			t.Errorf("%s: stats %+v, want %+v", c.sql, st, want)
		}
	}
	_, st := mustRun(t, l, "SELECT 1", nil)
	if st != (lake.QueryStats{}) {
		t.Errorf("SELECT 1: stats %+v", st)
	}
}

func replaceStore(s string) string { return strings.ReplaceAll(s, "$A", storeA) }

// Results over the bound fail with ErrQueryLimit after the rows that fit.
func TestLakeResultsLimit(t *testing.T) {
	l := openTestLake(t, "")
	var r results
	_, err := l.Run(context.Background(), lake.Query{SQL: "SELECT repeat('x', 100) FROM (SELECT unnest(sequence(1, 1000)))", MaxResultBytes: 5000}, &r)
	if !errors.Is(err, lake.ErrQueryLimit) {
		t.Fatalf("error %v", err)
	}
	if len(r.rows) == 0 || len(r.rows) >= 1000 {
		t.Fatalf("%d rows before the limit", len(r.rows))
	}
}

// Cancelling a running statement stops it within a second, and the Lake
// goes on serving.
func TestLakeCancel(t *testing.T) {
	ctx := context.Background()
	l := openTestLake(t, "")
	if err := l.Append(ctx, manyRows(t, storeA, lakeNow, 200), nil); err != nil {
		t.Fatal(err)
	}
	for _, sql := range []string{
		"WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT max(n) FROM r",
		"SELECT count(*) FROM $A a, $A b, $A c, $A d, $A e",
		"SELECT max(a.eventJson || b.eventJson) FROM $A a, $A b, $A c",
	} {
		qctx, cancel := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() {
			_, err := l.Run(qctx, lake.Query{SQL: replaceStore(sql), Stores: scopeAll(storeA)}, &results{})
			done <- err
		}()
		time.Sleep(300 * time.Millisecond)
		cancelled := time.Now()
		cancel()
		select {
		case err := <-done:
			if !errors.Is(err, context.Canceled) {
				t.Errorf("%s: error %v", sql, err)
			}
			if took := time.Since(cancelled); took > time.Second {
				t.Errorf("%s: stopped %v after cancel", sql, took)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: still running 10s after cancel", sql)
		}
		if got := one(t, l, "SELECT count(*) FROM "+storeA, scopeAll(storeA)); got[0] != "200" {
			t.Fatalf("count %v after cancel", got)
		}
	}
}

// Queries run concurrently with each other and with appends.
func TestLakeConcurrent(t *testing.T) {
	ctx := context.Background()
	l := openTestLake(t, "")
	if err := l.Append(ctx, manyRows(t, storeA, lakeNow, 50), nil); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for w := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 10 {
				var r results
				if _, err := l.Run(ctx, lake.Query{SQL: "SELECT count(*) FROM " + storeA + " WHERE eventTime <= now()", Stores: scopeAll(storeA)}, &r); err != nil {
					errs <- err
					return
				}
				if n, _ := strconv.Atoi(r.rows[0][0].S); n < 50 {
					errs <- fmt.Errorf("worker %d run %d: %d events", w, i, n)
				}
			}
		}()
	}
	for i := range 10 {
		row := ctRow(t, storeA, lakeNow.Add(time.Duration(i+1)*time.Minute), call{service: "iam", name: "GetUser"})
		if err := l.Append(ctx, []lake.Row{row}, map[string]uint64{lake.CursorJournal: uint64(i + 1)}); err != nil {
			t.Fatal(err)
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// The first layer holds on its own: with the statement checks bypassed,
// DuckDB still refuses files, extensions and configuration changes, on
// every connection.
func TestLakeLockDown(t *testing.T) {
	ctx := context.Background()
	l := openTestLake(t, t.TempDir())
	qc, err := l.acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer l.release(qc, false)
	conns := map[string]interface {
		ExecContext(context.Context, string, ...any) (sql.Result, error)
	}{"pool": l.db, "query": qc.conn}
	for name, c := range conns {
		for _, stmt := range []string{
			"SELECT * FROM read_csv('/etc/passwd')",
			"SELECT * FROM read_text('/etc/hostname')",
			"SELECT * FROM glob('/*')",
			"COPY (SELECT 1) TO '" + t.TempDir() + "/x.csv'",
			"ATTACH '" + t.TempDir() + "/x.db' AS x",
			"INSTALL httpfs",
			"LOAD httpfs",
			"SET enable_external_access = true",
			"SET threads = 1",
			"SET memory_limit = '100GB'",
			"SET temp_directory = '/tmp'",
		} {
			if _, err := c.ExecContext(ctx, stmt); err == nil {
				t.Errorf("%s connection: %s succeeded", name, stmt)
			}
		}
	}
}
