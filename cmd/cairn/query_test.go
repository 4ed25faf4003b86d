package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// fakeLake serves StartQuery, DescribeQuery, GetQueryResults and
// CancelQuery. A statement containing "bad" is refused, one containing
// "fails" FAILS; others run for running DescribeQuery calls, then finish
// with rows rows of (eventName, n), paged by MaxQueryResults.
type fakeLake struct {
	mu        sync.Mutex
	rows      int
	running   int
	sql       string
	describes int
	pages     []int // MaxQueryResults of each GetQueryResults
	cancelled bool
}

func (f *fakeLake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	target := r.Header.Get("X-Amz-Target")
	op := target[strings.LastIndexByte(target, '.')+1:]
	var in map[string]any
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		w.WriteHeader(400)
		return
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	fail := func(code, msg string) {
		w.WriteHeader(400)
		fmt.Fprintf(w, `{"__type":%q,"message":%q}`, code, msg)
	}
	reply := func(v any) { _ = json.NewEncoder(w).Encode(v) }
	switch op {
	case "StartQuery":
		f.sql, _ = in["QueryStatement"].(string)
		if strings.Contains(f.sql, "bad") {
			fail("InvalidQueryStatementException", "Table function read_csv is not allowed.")
			return
		}
		reply(map[string]any{"QueryId": "0e8a3c7e-0000-4000-8000-000000000001"})
	case "DescribeQuery":
		f.describes++
		status := "FINISHED"
		switch {
		case f.cancelled:
			status = "CANCELLED"
		case f.describes <= f.running:
			status = "RUNNING"
		case strings.Contains(f.sql, "fails"):
			reply(map[string]any{"QueryStatus": "FAILED", "ErrorMessage": "Binder Error: column nope not found"})
			return
		}
		reply(map[string]any{"QueryId": in["QueryId"], "QueryStatus": status, "QueryStatistics": map[string]any{"EventsScanned": 12345}})
	case "GetQueryResults":
		size := int(in["MaxQueryResults"].(float64))
		f.pages = append(f.pages, size)
		from := 0
		if tok, ok := in["NextToken"].(string); ok {
			from, _ = strconv.Atoi(strings.TrimPrefix(tok, "tok"))
		}
		to := min(from+size, f.rows)
		var rows [][]map[string]string
		for i := from; i < to; i++ {
			rows = append(rows, []map[string]string{{"eventName": fmt.Sprintf("Op%d", i)}, {"n": strconv.Itoa(i * 10)}})
		}
		out := map[string]any{"QueryStatus": "FINISHED", "QueryResultRows": rows}
		if to < f.rows {
			out["NextToken"] = fmt.Sprintf("tok%d", to)
		}
		reply(out)
	case "CancelQuery":
		f.cancelled = true
		reply(map[string]any{"QueryId": in["QueryId"], "QueryStatus": "CANCELLED"})
	default:
		fail("UnknownOperationException", op)
	}
}

// runQueryAgainst runs cairn query with args against f.
func runQueryAgainst(t *testing.T, f http.Handler, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	t.Setenv("AWS_ENDPOINT_URL", "")
	t.Setenv("AWS_DEFAULT_REGION", "")
	var out, errOut bytes.Buffer
	err = runQuery(append([]string{"--endpoint", srv.URL}, args...), strings.NewReader("SELECT 1 FROM stdin"), &out, &errOut)
	return out.String(), errOut.String(), err
}

func TestQueryServerPagesResults(t *testing.T) {
	f := &fakeLake{rows: 2500, running: 2}
	out, errOut, err := runQueryAgainst(t, f, "--format", "csv", "--progress", "SELECT eventName, n FROM x")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 2501 || lines[0] != "eventName,n" || lines[1] != "Op0,0" || lines[2500] != "Op2499,24990" {
		t.Fatalf("%d lines: %q ... %q", len(lines), lines[:3], lines[len(lines)-1])
	}
	if f.sql != "SELECT eventName, n FROM x" || len(f.pages) != 3 || f.pages[0] != 1000 || f.describes != 3 {
		t.Fatalf("server saw %q, pages %v, %d DescribeQuery calls", f.sql, f.pages, f.describes)
	}
	if !strings.Contains(errOut, "query 0e8a3c7e-0000-4000-8000-000000000001: RUNNING") || !strings.Contains(errOut, "12,345 events scanned") {
		t.Fatalf("progress %q", errOut)
	}
}

func TestQueryServerMaxRowsAndStdin(t *testing.T) {
	f := &fakeLake{rows: 2500}
	out, errOut, err := runQueryAgainst(t, f, "--format", "json", "--max-rows", "1001", "-")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 1001 || lines[0] != `{"eventName":"Op0","n":"0"}` || len(f.pages) != 2 || f.pages[1] != 1 {
		t.Fatalf("%d lines, pages %v", len(lines), f.pages)
	}
	if f.sql != "SELECT 1 FROM stdin" || errOut != "" {
		t.Fatalf("statement %q, stderr %q", f.sql, errOut)
	}
}

func TestQueryServerErrors(t *testing.T) {
	_, _, err := runQueryAgainst(t, &fakeLake{}, "SELECT * FROM read_csv('bad')")
	if err == nil || !strings.Contains(err.Error(), "StartQuery: InvalidQueryStatementException: Table function read_csv is not allowed.") {
		t.Fatalf("refused statement: %v", err)
	}
	out, _, err := runQueryAgainst(t, &fakeLake{rows: 3}, "SELECT nope FROM fails")
	if err == nil || !strings.Contains(err.Error(), "FAILED: Binder Error: column nope not found") || out != "" {
		t.Fatalf("failed query: %v, printed %q", err, out)
	}
	if out, _, err := runQueryAgainst(t, &fakeLake{}, "--format", "table", "SELECT 1 WHERE false"); err != nil || out != "(0 rows)\n" {
		t.Fatalf("no rows: %q, %v", out, err)
	}
	for _, args := range [][]string{{}, {"a", "b"}, {"--format", "xml", "SELECT 1"}, {"--max-rows", "-1", "SELECT 1"}} {
		if _, _, err := runQueryAgainst(t, &fakeLake{}, args...); err == nil {
			t.Errorf("cairn query %q succeeded", args)
		}
	}
}
