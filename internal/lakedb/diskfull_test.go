package lakedb

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cairn-audit/cairn/internal/fsutil/tmpfstest"
	"github.com/cairn-audit/cairn/internal/lake"
)

// A commit that fails for a full disk leaves nothing behind: the retry,
// once there is room, stores every row once and intact (DuckDB's revert of
// the failed commit used to splice the reverted strings into the next row:
// an eventID of many UUIDs, a record of many records).
func TestLakeDiskFullCommitRetry(t *testing.T) {
	for _, tc := range []struct {
		name       string
		checkpoint bool // checkpoint before the disk fills (an empty WAL)
		invalidate bool // a checkpoint fails on the full disk (DuckDB invalidates the database)
	}{
		{name: "wal"},
		{name: "checkpointed", checkpoint: true},
		{name: "invalidated", invalidate: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mnt := tmpfstest.MountTemp(t, "24m")
			dir := filepath.Join(mnt, "lake")
			ctx := context.Background()
			l := openTestLake(t, dir)
			want := map[string]bool{}
			base := manyRows(t, storeA, lakeNow, 200)
			for _, r := range base {
				want[r.EventID] = true
			}
			seq := uint64(len(base))
			if err := l.Append(ctx, base, map[string]uint64{lake.CursorJournal: seq}); err != nil {
				t.Fatal(err)
			}
			if tc.checkpoint {
				if _, err := l.db.ExecContext(ctx, "CHECKPOINT"); err != nil {
					t.Fatal(err)
				}
			}
			filler := tmpfstest.FillDir(t, mnt)
			failures := 0
			var batch []lake.Row
			for i := 0; i < 40; {
				if batch == nil {
					batch = manyRows(t, storeA, lakeNow.Add(time.Duration(i+1)*time.Minute), 50)
				}
				// The ingester's retry: the cursors say where to resume.
				cur, err := l.Cursors(ctx)
				if err == nil && cur[lake.CursorJournal] != seq {
					t.Fatalf("cursor %d, want %d", cur[lake.CursorJournal], seq)
				}
				if err == nil {
					err = l.Append(ctx, batch, map[string]uint64{lake.CursorJournal: seq + uint64(len(batch))})
				}
				if err != nil {
					failures++
					if failures == 1 && tc.invalidate {
						_, cerr := l.db.ExecContext(ctx, "CHECKPOINT")
						t.Logf("checkpoint on the full disk: %v", cerr)
					}
					if failures == 3 {
						if err := os.Remove(filler); err != nil {
							t.Fatal(err)
						}
					}
					if failures > 20 {
						t.Fatalf("Append still failing with room on the disk: %v", err)
					}
					continue
				}
				for _, r := range batch {
					want[r.EventID] = true
				}
				seq += uint64(len(batch))
				batch = nil
				i++
			}
			if failures < 3 {
				t.Fatalf("only %d Appends failed: the disk was not full", failures)
			}
			checkIntact(t, l, want)
			if err := l.Close(); err != nil {
				t.Fatal(err)
			}
			l = openTestLake(t, dir)
			checkIntact(t, l, want)
			if cur, _ := l.Cursors(ctx); cur[lake.CursorJournal] != seq {
				t.Fatalf("cursor after reopen %d, want %d", cur[lake.CursorJournal], seq)
			}
		})
	}
}

// checkIntact fails unless storeA holds exactly the events of want, each
// once, with well-formed rows, and eventData reads.
func checkIntact(t *testing.T, l *DB, want map[string]bool) {
	t.Helper()
	r, _ := mustRun(t, l, "SELECT eventID, count(*) FROM "+storeA+" GROUP BY eventID", scopeAll(storeA))
	got := map[string]bool{}
	for _, row := range r.text() {
		if row[1] != "1" {
			t.Errorf("event %.80q stored %s times", row[0], row[1])
		}
		if !want[row[0]] {
			t.Errorf("unexpected eventID %.120q (%d bytes)", row[0], len(row[0]))
		}
		got[row[0]] = true
	}
	for id := range want {
		if !got[id] {
			t.Errorf("event %s missing", id)
		}
	}
	bad := one(t, l, "SELECT count(*) FILTER (WHERE (NOT json_valid(eventjson)) OR (json_extract_string(eventjson, '$.eventID') IS DISTINCT FROM eventID)), max(length(eventjson)) FROM "+storeA, scopeAll(storeA))
	if bad[0] != "0" {
		t.Errorf("%s malformed rows (longest record %s bytes)", bad[0], bad[1])
	}
	if n, _ := strconv.Atoi(bad[1]); n > 4000 {
		t.Errorf("longest record %d bytes", n)
	}
	mustRun(t, l, "SELECT eventData, eventJson FROM "+storeA, scopeAll(storeA))
	if report, err := l.CheckRows(context.Background(), CheckOptions{All: true, Deep: true}); err != nil || report.Malformed != 0 {
		t.Errorf("CheckRows = %+v, %v", report, err)
	}
}

// Queries, statement checks and Size running while commits fail and the
// database is reopened neither deadlock nor race (run with -race), and
// work again once it is.
func TestLakeDiskFullReopenUnderQueries(t *testing.T) {
	mnt := tmpfstest.MountTemp(t, "24m")
	ctx := context.Background()
	l := openTestLake(t, filepath.Join(mnt, "lake"))
	want := map[string]bool{}
	add := func(rows []lake.Row) {
		for _, r := range rows {
			want[r.EventID] = true
		}
	}
	base := manyRows(t, storeA, lakeNow, 100)
	if err := l.Append(ctx, base, nil); err != nil {
		t.Fatal(err)
	}
	add(base)
	stop := make(chan struct{})
	done := make(chan struct{})
	var ran atomic.Int64
	for g := range 3 {
		go func() {
			defer func() { done <- struct{}{} }()
			for {
				select {
				case <-stop:
					return
				default:
				}
				switch g {
				case 0:
					_, _ = l.Run(ctx, lake.Query{SQL: "SELECT count(*), max(eventData.eventName) FROM " + storeA, Stores: scopeAll(storeA)}, &results{})
				case 1:
					_, _ = l.Check(ctx, "SELECT eventID FROM "+storeA)
				case 2:
					_, _, _ = l.Size(ctx, storeA, lakeNow.Add(-time.Hour))
				}
				ran.Add(1)
			}
		}()
	}
	filler := tmpfstest.FillDir(t, mnt)
	failures := 0
	for i := 0; i < 10; {
		rows := manyRows(t, storeA, lakeNow.Add(time.Duration(i+1)*time.Minute), 20)
		if err := l.Append(ctx, rows, nil); err != nil {
			if failures++; failures == 3 {
				if err := os.Remove(filler); err != nil {
					t.Fatal(err)
				}
			}
			if failures > 30 {
				t.Fatalf("Append still failing: %v", err)
			}
			continue
		}
		add(rows)
		i++
	}
	close(stop)
	for range 3 {
		<-done
	}
	if failures < 3 || ran.Load() == 0 {
		t.Fatalf("%d failed Appends, %d concurrent calls", failures, ran.Load())
	}
	checkIntact(t, l, want)
}
