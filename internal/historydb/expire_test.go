package historydb

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/cairn-audit/cairn/internal/event"
)

func TestExpireDropsWholePartitions(t *testing.T) {
	h := openTest(t, t.TempDir(), time.Hour)
	defer h.Close()
	ctx := context.Background()
	all := genEntries(rand.New(rand.NewPCG(19, 20)), 1, 600, t0, 6*time.Hour)
	mustApply(t, h, all, 600)

	// 02:30 is inside the third partition: only the first two go.
	n, err := h.Expire(ctx, t0.Add(150*time.Minute))
	if err != nil || n != 2 {
		t.Fatalf("Expire = %d, %v; want 2", n, err)
	}
	var kept []event.Entry
	for _, e := range all {
		if !e.Meta.Time.Before(t0.Add(2 * time.Hour)) {
			kept = append(kept, e)
		}
	}
	for _, e := range []event.Entry{all[0], all[199], all[200]} {
		q := Query{Account: e.Meta.Account, Region: e.Meta.Region, Attr: AttrEventID, Value: e.Meta.EventID, Limit: 1}
		if got := mustLookup(t, h, q); (len(got) == 1) != (e.Meta.Time.Compare(t0.Add(2*time.Hour)) >= 0) {
			t.Fatalf("seq %d at %v: found=%v after expiry", e.Seq, e.Meta.Time, len(got) == 1)
		}
	}
	q := Query{Account: "222222222222", Region: "us-east-1", Limit: MaxLimit}
	sameEntries(t, "after expire", mustLookup(t, h, q), oracle(kept, q))

	var tables, viewRows int
	if err := h.db.QueryRow("SELECT count(*) FROM duckdb_tables() WHERE table_name LIKE 'ev\\_%' ESCAPE '\\' OR table_name LIKE 'rk\\_%' ESCAPE '\\'").Scan(&tables); err != nil || tables != 8 {
		t.Fatalf("%d partition tables remain (%v), want 8", tables, err)
	}
	if err := h.db.QueryRow("SELECT count(*) FROM events").Scan(&viewRows); err != nil || viewRows != len(kept) {
		t.Fatalf("events view: %d rows (%v), want %d", viewRows, err, len(kept))
	}
	if n, err := h.Expire(ctx, t0.Add(150*time.Minute)); err != nil || n != 0 {
		t.Fatalf("second Expire = %d, %v; want 0", n, err)
	}
	// A late event for an expired range recreates its partition.
	late := genEntries(rand.New(rand.NewPCG(21, 22)), 601, 1, t0.Add(30*time.Minute), time.Second)
	mustApply(t, h, late, 601)
	q = Query{Account: late[0].Meta.Account, Region: late[0].Meta.Region, End: t0.Add(time.Hour), Limit: 10}
	sameEntries(t, "late event", mustLookup(t, h, q), late)
	if n, err := h.Expire(ctx, t0.Add(100*time.Hour)); err != nil || n != 5 {
		t.Fatalf("Expire all = %d, %v; want 5", n, err)
	}
	if got := mustLookup(t, h, Query{Account: "111111111111", Region: "us-east-1", Limit: 10}); len(got) != 0 {
		t.Fatalf("%d events visible after expiring everything", len(got))
	}
	if err := h.db.QueryRow("SELECT count(*) FROM events").Scan(&viewRows); err != nil || viewRows != 0 {
		t.Fatalf("empty events view: %d rows (%v)", viewRows, err)
	}
}

// Lookups, applies and expiry run concurrently (meaningful under -race).
func TestConcurrentLookupApplyExpire(t *testing.T) {
	h := openTest(t, t.TempDir(), time.Hour)
	defer h.Close()
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(23, 24))
	mustApply(t, h, genEntries(rng, 1, 500, t0, 5*time.Hour), 500)
	done := make(chan struct{})
	errs := make(chan error, 4)
	for g := 0; g < 4; g++ {
		go func() {
			for {
				select {
				case <-done:
					errs <- nil
					return
				default:
				}
				if _, err := h.Lookup(ctx, Query{Account: "111111111111", Region: "us-east-1", Attr: AttrUsername, Value: "alice", Limit: 20}); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	seq := uint64(500)
	for i := 0; i < 20; i++ {
		batch := genEntries(rng, seq+1, 50, t0.Add(time.Duration(5+i)*time.Hour), time.Hour)
		seq += 50
		mustApply(t, h, batch, seq)
		if _, err := h.Expire(ctx, t0.Add(time.Duration(i)*time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	close(done)
	for g := 0; g < 4; g++ {
		if err := <-errs; err != nil {
			t.Fatalf("concurrent lookup: %v", err)
		}
	}
}
