package lakedb

import (
	"bufio"
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/cairn-audit/cairn/internal/lake"
)

// hostileCase is one case of testdata/hostile.
type hostileCase struct {
	line    int
	sql     string
	outcome string // refused: ..., limit: ..., timeout, ok
}

// readHostile reads the cases: statement lines, "----", one outcome line,
// then a blank line; # lines between cases are comments.
func readHostile(t *testing.T, path string) []hostileCase {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var cases []hostileCase
	var cur []string
	start, n := 0, 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		n++
		line := sc.Text()
		switch {
		case len(cur) == 0 && (strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#")):
		case line == "----":
			if !sc.Scan() {
				t.Fatalf("%s:%d: no outcome", path, n)
			}
			n++
			cases = append(cases, hostileCase{line: start, sql: strings.Join(cur, "\n"), outcome: sc.Text()})
			cur = nil
		default:
			if len(cur) == 0 {
				start = n
			}
			cur = append(cur, line)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(cur) > 0 {
		t.Fatalf("%s:%d: statement without outcome", path, start)
	}
	return cases
}

// Every hostile statement is refused, limited or stopped; the Lake stays
// healthy and its data intact.
func TestLakeHostileSQL(t *testing.T) {
	ctx := context.Background()
	l := openTestLake(t, "")
	if err := l.Append(ctx, manyRows(t, storeA, lakeNow, 100), nil); err != nil {
		t.Fatal(err)
	}
	if err := l.Append(ctx, manyRows(t, storeB, lakeNow, 10), nil); err != nil {
		t.Fatal(err)
	}
	vars := strings.NewReplacer(
		"$STORE", storeA, "$OTHERPART", partitionTableName(storeB, monthOf(lakeNow)),
		"$OTHER", storeB, "$PARTITION", partitionTableName(storeA, monthOf(lakeNow)))
	healthy := func(c hostileCase) {
		t.Helper()
		if got := one(t, l, "SELECT count(*) FROM "+storeA, scopeAll(storeA)); got[0] != "100" {
			t.Fatalf("line %d: count %v afterwards", c.line, got)
		}
		if n, _, err := l.Size(ctx, storeB, time.Time{}); err != nil || n != 10 {
			t.Fatalf("line %d: other store has %d events afterwards (%v)", c.line, n, err)
		}
	}
	cases := readHostile(t, "testdata/hostile")
	if len(cases) < 50 {
		t.Fatalf("only %d cases", len(cases))
	}
	for _, c := range cases {
		sql := vars.Replace(c.sql)
		want := vars.Replace(c.outcome)
		kind, text, _ := strings.Cut(want, ": ")
		deadline := 20 * time.Second
		if kind == "timeout" {
			deadline = 500 * time.Millisecond
		}
		qctx, cancel := context.WithTimeout(ctx, deadline)
		began := time.Now()
		_, err := l.Run(qctx, lake.Query{SQL: sql, Stores: scopeAll(storeA)}, &results{})
		took := time.Since(began)
		cancel()
		switch kind {
		case "ok":
			if err != nil {
				t.Errorf("line %d: %s: %v", c.line, sql, err)
			}
		case "refused", "limit":
			sentinel := lake.ErrInvalidQuery
			if kind == "limit" {
				sentinel = lake.ErrQueryLimit
			}
			if !errors.Is(err, sentinel) || !strings.Contains(strings.ToLower(err.Error()), strings.ToLower(text)) {
				t.Errorf("line %d: %s: error %v, want %s", c.line, sql, err, want)
			}
		case "timeout":
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("line %d: %s: error %v, want a timeout", c.line, sql, err)
			}
		default:
			t.Fatalf("line %d: unknown outcome %q", c.line, c.outcome)
		}
		if kind == "timeout" && took > deadline+2*time.Second {
			t.Errorf("line %d: %s: took %v", c.line, sql, took)
		}
		healthy(c)
	}
}
