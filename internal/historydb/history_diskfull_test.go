package historydb

import (
	"context"
	"github.com/cairn-audit/cairn/internal/fsutil/tmpfstest"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cairn-audit/cairn/internal/event"
)

// An Apply that fails for a full disk leaves nothing behind: the retry,
// once there is room, stores every entry once and intact, in DuckDB's
// columns and in the record logs, before and after a reopen (DuckDB's
// revert of a failed commit spliced the reverted strings into the next
// row, and a failed checkpoint disabled the database).
func TestHistoryDiskFullApplyRetry(t *testing.T) {
	for _, tc := range []struct {
		name       string
		checkpoint bool // checkpoint before the disk fills (an empty WAL)
		invalidate bool // a checkpoint fails on the full disk (DuckDB invalidates the database)
		autoCkpt   bool // every COMMIT checkpoints: one can fail after its WAL record is written
	}{
		{name: "wal"},
		{name: "checkpointed", checkpoint: true},
		{name: "invalidated", invalidate: true},
		{name: "autocheckpoint", autoCkpt: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mnt := tmpfstest.MountTemp(t, "24m")
			dir := filepath.Join(mnt, "history")
			ctx := context.Background()
			if tc.autoCkpt {
				saved := walCheckpointThreshold
				walCheckpointThreshold = "1KB"
				t.Cleanup(func() { walCheckpointThreshold = saved })
			}
			h := openTest(t, dir, 24*time.Hour)
			t.Cleanup(func() { h.Close() })
			rng := rand.New(rand.NewPCG(11, 22))
			all := genEntries(rng, 1, 200, t0, time.Hour)
			mustApply(t, h, all, 200)
			seq := uint64(200)
			if tc.checkpoint {
				if _, err := h.db.ExecContext(ctx, "CHECKPOINT"); err != nil {
					t.Fatal(err)
				}
			}
			filler := tmpfstest.FillDir(t, mnt)
			const freeAt = 40
			failures := 0
			var batch []event.Entry
			for i := 0; i < 40; {
				if batch == nil {
					// Every 12th batch starts a new partition.
					batch = genEntries(rng, seq+1, 10, t0.Add(time.Duration(i+1)*2*time.Hour), time.Hour)
				}
				// The indexer's retry: the cursor says where to resume.
				cur, err := h.Cursor(ctx)
				if err == nil && cur != seq {
					t.Fatalf("cursor %d, want %d", cur, seq)
				}
				if err == nil {
					err = h.Apply(ctx, batch, seq+uint64(len(batch)))
				}
				if err != nil {
					failures++
					if failures == 1 && tc.invalidate {
						_, cerr := h.db.ExecContext(ctx, "CHECKPOINT")
						t.Logf("checkpoint on the full disk: %v", cerr)
					}
					t.Logf("failure %d: %.200v", failures, err)
					// Free the space a little at a time, so that some
					// Applies get their frames written and then fail in
					// DuckDB's COMMIT; then all of it.
					if failures < freeAt {
						freeSome(t, filler, 8<<10)
					} else if failures == freeAt {
						if err := os.Remove(filler); err != nil {
							t.Fatal(err)
						}
					}
					if failures > freeAt+10 {
						t.Fatalf("Apply still failing with room on the disk: %v", err)
					}
					continue
				}
				all = append(all, batch...)
				seq += uint64(len(batch))
				batch = nil
				i++
			}
			if failures < 3 {
				t.Fatalf("only %d Applies failed: the disk was not full", failures)
			}
			// Compressed record logs may let every batch in before the
			// filler is gone: Close needs room for its WAL record.
			if err := os.Remove(filler); err != nil && !os.IsNotExist(err) {
				t.Fatal(err)
			}
			checkHistoryIntact(t, h, all)
			if err := h.Close(); err != nil {
				t.Fatal(err)
			}
			h = openTest(t, dir, 24*time.Hour)
			checkHistoryIntact(t, h, all)
			if cur, _ := h.Cursor(ctx); cur != seq {
				t.Fatalf("cursor after reopen %d, want %d", cur, seq)
			}
		})
	}
}

// freeSome shrinks the file at p by n bytes.
func freeSome(t *testing.T, p string, n int64) {
	t.Helper()
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(p, max(fi.Size()-n, 0)); err != nil {
		t.Fatal(err)
	}
}

// checkHistoryIntact fails unless h holds exactly the entries of all, each
// once: Lookup (which reads the record logs) returns them exactly, every
// EventId finds its event, and the SQL columns are well-formed.
func checkHistoryIntact(t *testing.T, h *History, all []event.Entry) {
	t.Helper()
	scopes := map[[2]string]bool{}
	for _, e := range all {
		scopes[[2]string{e.Meta.Account, e.Meta.Region}] = true
	}
	for s := range scopes {
		q := Query{Account: s[0], Region: s[1], Limit: MaxLimit}
		var got []event.Entry
		for {
			page := mustLookup(t, h, q)
			got = append(got, page...)
			if len(page) < q.Limit {
				break
			}
			last := page[len(page)-1]
			q.After = &Cursor{Time: last.Meta.Time, Seq: last.Seq}
		}
		sameEntries(t, "scope "+s[0]+" "+s[1], got, oracle(all, Query{Account: s[0], Region: s[1], Limit: len(all) + 1}))
	}
	for _, e := range all {
		if e.Seq%17 != 0 {
			continue
		}
		got := mustLookup(t, h, Query{Account: e.Meta.Account, Region: e.Meta.Region, Attr: AttrEventID, Value: e.Meta.EventID, Limit: 5})
		sameEntries(t, "EventId "+e.Meta.EventID, got, []event.Entry{e})
	}
	var n, distinct, longest int64
	err := h.db.QueryRowContext(context.Background(), `SELECT count(*), count(DISTINCT seq), coalesce(max(length(event_id)), 0) FROM events`).
		Scan(&n, &distinct, &longest)
	if err != nil {
		t.Fatal(err)
	}
	if n != int64(len(all)) || distinct != n || longest > 4000 {
		t.Errorf("events view: %d rows, %d distinct seqs, longest record %d bytes; want %d rows", n, distinct, longest, len(all))
	}
	r, err := h.Verify(context.Background())
	if err != nil || r.Rows != int64(len(all)) || r.Malformed != 0 || r.BadFrames != 0 {
		t.Errorf("Verify = %+v, %v; want %d good rows", r, err, len(all))
	}
}

// Lookups and Cursor calls running while commits fail and the database is
// reopened neither deadlock nor race (run with -race), and work again once
// it is.
func TestHistoryDiskFullReopenUnderLookups(t *testing.T) {
	mnt := tmpfstest.MountTemp(t, "24m")
	ctx := context.Background()
	h := openTest(t, filepath.Join(mnt, "history"), 24*time.Hour)
	t.Cleanup(func() { h.Close() })
	rng := rand.New(rand.NewPCG(3, 4))
	all := genEntries(rng, 1, 100, t0, time.Hour)
	mustApply(t, h, all, 100)
	seq := uint64(100)
	q0 := Query{Account: all[0].Meta.Account, Region: all[0].Meta.Region, Limit: 50}
	q1 := Query{Account: all[1].Meta.Account, Region: all[1].Meta.Region, Attr: AttrEventID, Value: all[1].Meta.EventID, Limit: 5}
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
					_, _ = h.Lookup(ctx, q0)
				case 1:
					_, _ = h.Lookup(ctx, q1)
				case 2:
					_, _ = h.Cursor(ctx)
				}
				ran.Add(1)
			}
		}()
	}
	filler := tmpfstest.FillDir(t, mnt)
	failures := 0
	var batch []event.Entry
	for i := 0; i < 10; {
		if batch == nil {
			batch = genEntries(rng, seq+1, 10, t0.Add(time.Duration(i+1)*3*time.Hour), time.Hour)
		}
		if err := h.Apply(ctx, batch, seq+uint64(len(batch))); err != nil {
			if failures++; failures < 20 {
				freeSome(t, filler, 8<<10)
			} else if failures == 20 {
				if err := os.Remove(filler); err != nil {
					t.Fatal(err)
				}
			}
			if failures > 40 {
				t.Fatalf("Apply still failing: %v", err)
			}
			continue
		}
		all = append(all, batch...)
		seq += uint64(len(batch))
		batch = nil
		i++
	}
	close(stop)
	for range 3 {
		<-done
	}
	if failures < 3 || ran.Load() == 0 {
		t.Fatalf("%d failed Applies, %d concurrent calls", failures, ran.Load())
	}
	if err := os.Remove(filler); err != nil && !os.IsNotExist(err) { // room for Close
		t.Fatal(err)
	}
	checkHistoryIntact(t, h, all)
}
