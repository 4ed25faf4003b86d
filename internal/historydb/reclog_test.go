package historydb

import (
	"context"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/cairn-audit/cairn/internal/event"
)

func logFiles(t *testing.T, dir string) map[string]int64 {
	t.Helper()
	ents, err := os.ReadDir(filepath.Join(dir, recordsDir))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int64{}
	for _, e := range ents {
		fi, err := e.Info()
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = fi.Size()
	}
	return out
}

func TestRecordLogsFollowPartitions(t *testing.T) {
	dir := t.TempDir()
	h := openTest(t, dir, time.Hour)
	ctx := context.Background()
	all := genEntries(rand.New(rand.NewPCG(31, 32)), 1, 300, t0, 3*time.Hour)
	mustApply(t, h, all, 300)
	files := logFiles(t, dir)
	if len(files) != 3 {
		t.Fatalf("record logs %v, want 3", files)
	}
	before := files[partitionName(t0.Add(2*time.Hour))+recordLogExt]

	// A failed Apply leaves existing logs at their size and removes new ones.
	batch := genEntries(rand.New(rand.NewPCG(33, 34)), 301, 100, t0.Add(2*time.Hour), 2*time.Hour)
	stray := resKeysPrefix + partitionName(t0.Add(3*time.Hour))
	if _, err := h.db.Exec("CREATE TABLE " + quoteIdent(stray) + " (x INTEGER)"); err != nil {
		t.Fatal(err)
	}
	if err := h.Apply(ctx, batch, 400); err == nil {
		t.Fatal("Apply succeeded despite the conflicting table")
	}
	if got := logFiles(t, dir); len(got) != 3 || got[partitionName(t0.Add(2*time.Hour))+recordLogExt] != before {
		t.Fatalf("record logs after failed Apply %v, want %v", got, files)
	}

	// Expire removes the logs of dropped partitions.
	if n, err := h.Expire(ctx, t0.Add(2*time.Hour)); err != nil || n != 2 {
		t.Fatalf("Expire = %d, %v", n, err)
	}
	if got := logFiles(t, dir); len(got) != 1 {
		t.Fatalf("record logs after Expire %v, want 1", got)
	}
	if err := h.Close(); err != nil {
		t.Fatal(err)
	}

	// Leftovers of a crash: an uncommitted tail and an orphan log.
	keep := filepath.Join(dir, recordsDir, partitionName(t0.Add(2*time.Hour))+recordLogExt)
	f, err := os.OpenFile(keep, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write([]byte("half a frame")); err != nil {
		t.Fatal(err)
	}
	f.Close()
	orphan := filepath.Join(dir, recordsDir, partitionName(t0.Add(-5*time.Hour))+recordLogExt)
	if err := os.WriteFile(orphan, []byte("x"), 0o640); err != nil {
		t.Fatal(err)
	}
	h = openTest(t, dir, time.Hour)
	defer h.Close()
	if got := logFiles(t, dir); len(got) != 1 || got[filepath.Base(keep)] != before {
		t.Fatalf("record logs after reopen %v, want only %s at %d bytes", got, filepath.Base(keep), before)
	}
	var kept []event.Entry
	for _, e := range all {
		if !e.Meta.Time.Before(t0.Add(2 * time.Hour)) {
			kept = append(kept, e)
		}
	}
	more := genEntries(rand.New(rand.NewPCG(35, 36)), 401, 50, t0.Add(2*time.Hour), time.Hour)
	mustApply(t, h, more, 450)
	q := Query{Account: "111111111111", Region: "eu-west-1", Limit: MaxLimit}
	sameEntries(t, "after reopen", mustLookup(t, h, q), oracle(slices.Concat(kept, more), q))
}

func TestCorruptRecordIsReported(t *testing.T) {
	dir := t.TempDir()
	h := openTest(t, dir, time.Hour)
	defer h.Close()
	e := genEntries(rand.New(rand.NewPCG(37, 38)), 1, 1, t0, time.Second)
	mustApply(t, h, e, 1)
	path := filepath.Join(dir, recordsDir, partitionName(t0)+recordLogExt)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)-3] ^= 0xff
	if err := os.WriteFile(path, b, 0o640); err != nil {
		t.Fatal(err)
	}
	_, err = h.Lookup(context.Background(), Query{Account: e[0].Meta.Account, Region: e[0].Meta.Region, Limit: 1})
	if !errors.Is(err, errCorruptRecord) {
		t.Fatalf("lookup of a corrupted frame: %v, want errCorruptRecord", err)
	}
}
