package lake

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestQueriesRestartRecovery(t *testing.T) {
	started := make(chan string, 1)
	e := newQueriesEnv(t, rowsRun(3), func(o *QueriesOptions) { o.Workers = 1 })
	e.start()
	done := e.submit(qAcct, "done")
	e.wait(done, QueryFinished)
	// A query running when the process dies: save its RUNNING record as a
	// crash would leave it.
	e.engine.mu.Lock()
	e.engine.run = blockingRun(0, started)
	e.engine.mu.Unlock()
	running := e.submit(qAcct, "running")
	<-started
	e.wait(running, QueryRunning)
	crashed, err := os.ReadFile(filepath.Join(e.dir, running, queryRecordName))
	if err != nil {
		t.Fatal(err)
	}
	queued := e.submit(qAcct, "queued")
	e.close()
	if err := os.WriteFile(filepath.Join(e.dir, running, queryRecordName), crashed, queryFilePerm); err != nil {
		t.Fatal(err)
	}
	// A submission that crashed before its record was written.
	if err := os.Mkdir(filepath.Join(e.dir, "0f3e1c5a-9999-4000-8000-000000000001"), queryDirPerm); err != nil {
		t.Fatal(err)
	}
	e.clock.Add(time.Minute)
	e.open()
	for _, id := range []string{running, queued} {
		info, err := e.q.Describe(qAcct, id)
		if err != nil || info.Status != QueryFailed || info.Error != restartMessage || !info.Ended.Equal(queriesT0.Add(time.Minute)) {
			t.Fatalf("interrupted query %s after restart: %+v %v", id, info, err)
		}
	}
	info, rows, err := e.q.Results(qAcct, done, 0, 10)
	if err != nil || info.Status != QueryFinished || len(rows) != 3 || rows[2][1].S != "n2" || info.Stats.BytesScanned != 4096 {
		t.Fatalf("finished query after restart: %+v %v %v", info, rows, err)
	}
	if _, err := os.Stat(filepath.Join(e.dir, "0f3e1c5a-9999-4000-8000-000000000001")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("incomplete submission left: %v", err)
	}
	// The failure was saved: it survives another restart unchanged.
	e.clock.Add(time.Minute)
	e.reopen()
	if info, _ := e.q.Describe(qAcct, queued); !info.Ended.Equal(queriesT0.Add(time.Minute)) {
		t.Fatalf("after a second restart: %+v", info)
	}
	// Interrupted queries no longer count against the quota.
	e.opts.MaxConcurrent = 1
	e.reopen()
	e.submit(qAcct, "fits")
}

func TestQueriesCorruptRecord(t *testing.T) {
	e := newQueriesEnv(t, rowsRun(0))
	id := e.submit(qAcct, "x")
	e.close()
	if err := os.WriteFile(filepath.Join(e.dir, id, queryRecordName), []byte("{not json"), queryFilePerm); err != nil {
		t.Fatal(err)
	}
	opts := e.opts
	opts.Dir = e.dir
	if _, err := NewQueries(opts); err == nil {
		t.Fatal("a corrupt query record was accepted")
	}
	if err := os.WriteFile(filepath.Join(e.dir, id, queryRecordName), []byte(`{"id":"0f3e1c5a-2222-4000-8000-00000000000f"}`), queryFilePerm); err != nil {
		t.Fatal(err)
	}
	if _, err := NewQueries(opts); err == nil {
		t.Fatal("a record naming another query was accepted")
	}
	if err := os.RemoveAll(filepath.Join(e.dir, id)); err != nil {
		t.Fatal(err)
	}
	e.open()
}

func TestQueriesResultPaging(t *testing.T) {
	const total = 2*rowsPerIndexEntry + 500
	e := newQueriesEnv(t, rowsRun(total))
	e.start()
	id := e.submit(qAcct, "many")
	e.wait(id, QueryFinished)
	if fi, err := os.Stat(filepath.Join(e.dir, id, queryIndexName)); err != nil || fi.Size() != 3*8 {
		t.Fatalf("index: %v %v", fi, err)
	}
	check := func() {
		t.Helper()
		var all []string
		for from := int64(0); ; {
			_, rows, err := e.q.Results(qAcct, id, from, 700)
			if err != nil {
				t.Fatal(err)
			}
			if len(rows) == 0 {
				break
			}
			for _, r := range rows {
				all = append(all, r[0].S)
			}
			from += int64(len(rows))
		}
		if len(all) != total {
			t.Fatalf("paged %d rows, want %d", len(all), total)
		}
		for i, s := range all {
			if s != fmt.Sprintf("r%d", i) {
				t.Fatalf("row %d is %s", i, s)
			}
		}
		// Pages starting on, just before and just after index entries.
		for _, from := range []int64{0, 999, 1000, 1001, 1999, 2000, 2499} {
			_, rows, err := e.q.Results(qAcct, id, from, 3)
			if err != nil || len(rows) == 0 || rows[0][0].S != fmt.Sprintf("r%d", from) {
				t.Fatalf("page at %d: %v %v", from, rows, err)
			}
			if want := min(3, total-from); int64(len(rows)) != want {
				t.Fatalf("page at %d has %d rows, want %d", from, len(rows), want)
			}
		}
		if _, rows, err := e.q.Results(qAcct, id, total, 10); err != nil || len(rows) != 0 {
			t.Fatalf("page at the end: %v %v", rows, err)
		}
		if _, _, err := e.q.Results(qAcct, id, total+1, 10); !errors.Is(err, ErrResultOffset) {
			t.Fatalf("page past the end: %v", err)
		}
	}
	check()
	e.reopen()
	check()
}

func TestQueriesPruneAndList(t *testing.T) {
	e := newQueriesEnv(t, rowsRun(1))
	e.start()
	old := e.submit(qAcct, "old")
	e.wait(old, QueryFinished)
	e.clock.Add(3 * 24 * time.Hour)
	mid, err := e.q.Submit(Submission{Account: qAcct, Region: "us-east-1", SQL: "mid", Stores: map[string]Scope{qStore: {}, qStore2: {}}})
	if err != nil {
		t.Fatal(err)
	}
	e.wait(mid, QueryFinished)
	e.clock.Add(time.Hour)
	other := e.submit(qOther, "theirs")
	e.waitAs(qOther, other, QueryFinished)
	e.clock.Add(time.Hour)
	last, err := e.q.Submit(Submission{Account: qAcct, Region: "us-east-1", SQL: "last", Stores: map[string]Scope{qStore2: {}}})
	if err != nil {
		t.Fatal(err)
	}
	e.wait(last, QueryFinished)

	ids := func(infos []QueryInfo) []string {
		var out []string
		for _, i := range infos {
			out = append(out, i.ID)
		}
		return out
	}
	eq := func(got []QueryInfo, want ...string) {
		t.Helper()
		if g := ids(got); fmt.Sprint(g) != fmt.Sprint(want) {
			t.Fatalf("listed %v, want %v", g, want)
		}
	}
	eq(e.q.List(qAcct, ListFilter{}), old, mid, last)
	eq(e.q.List(qAcct, ListFilter{Store: qStore}), old, mid)
	eq(e.q.List(qAcct, ListFilter{Store: qStore2}), mid, last)
	eq(e.q.List(qAcct, ListFilter{Start: queriesT0.Add(time.Hour)}), mid, last)
	eq(e.q.List(qAcct, ListFilter{End: queriesT0.Add(3 * 24 * time.Hour)}), old, mid)
	eq(e.q.List(qAcct, ListFilter{Status: QueryFailed}))
	eq(e.q.List(qAcct, ListFilter{Status: QueryFinished, Store: qStore2}), mid, last)
	eq(e.q.List(qOther, ListFilter{}), other)

	// Eight days after the first query it is pruned; the others are kept.
	e.clock.Add(5*24*time.Hour - 2*time.Hour + time.Minute)
	eq(e.q.List(qAcct, ListFilter{}), mid, last) // outside the window already
	if err := e.q.prune(); err != nil {
		t.Fatal(err)
	}
	if _, err := e.q.Describe(qAcct, old); !errors.Is(err, ErrQueryNotFound) {
		t.Fatalf("pruned query: %v", err)
	}
	if _, err := os.Stat(filepath.Join(e.dir, old)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("pruned query's files: %v", err)
	}
	if _, err := e.q.Describe(qAcct, mid); err != nil {
		t.Fatal(err)
	}
	// NewQueries prunes too.
	e.clock.Add(4 * 24 * time.Hour)
	e.reopen()
	eq(e.q.List(qAcct, ListFilter{}))
	if ents, _ := os.ReadDir(e.dir); len(ents) != 0 {
		t.Fatalf("left after pruning at open: %v", ents)
	}
}
