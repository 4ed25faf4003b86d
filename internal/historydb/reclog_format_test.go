package historydb

import (
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// A format 1 store (uncompressed frames, a record column) written by the
// previous release is read by this one, keeps its format for new rows, and
// survives a reopen.
func TestFormat1StoreIsReadAndExtended(t *testing.T) {
	dir := t.TempDir()
	newStoreVersion = formatVersionUncompressed
	h := openTest(t, dir, time.Hour)
	newStoreVersion = formatVersion
	all := genEntries(rand.New(rand.NewPCG(51, 52)), 1, 300, t0, 3*time.Hour)
	mustApply(t, h, all[:200], 200)
	if err := h.Close(); err != nil {
		t.Fatal(err)
	}
	h = openTest(t, dir, time.Hour)
	defer h.Close()
	if h.version != formatVersionUncompressed {
		t.Fatalf("reopened format %d, want 1", h.version)
	}
	mustApply(t, h, all[200:], 300)
	var rec string
	if err := h.db.QueryRow("SELECT record FROM events WHERE seq = 250").Scan(&rec); err != nil || rec != string(all[249].Record) {
		t.Fatalf("format 1 record column: %q, %v", rec, err)
	}
	q := Query{Account: all[0].Meta.Account, Region: all[0].Meta.Region, Limit: MaxLimit}
	sameEntries(t, "format 1", mustLookup(t, h, q), oracle(all, q))
	if r, err := h.Verify(context.Background()); err != nil || r.Rows != 300 || r.Malformed+r.BadFrames != 0 {
		t.Fatalf("Verify = %+v, %v", r, err)
	}
}

// A new store keeps records only in compressed blocks: many rows share a
// frame, the events table has no record column, and every row reads back.
func TestFormat2StoresRecordsInCompressedBlocks(t *testing.T) {
	dir := t.TempDir()
	h := openTest(t, dir, 24*time.Hour)
	defer h.Close()
	all := genEntries(rand.New(rand.NewPCG(53, 54)), 1, 2000, t0, time.Hour)
	mustApply(t, h, all, 2000)
	var blocks, rows int
	if err := h.db.QueryRow("SELECT count(DISTINCT rec_off >> 16), count(*) FROM "+quoteIdent(h.parts.Load().parts[0].events)).Scan(&blocks, &rows); err != nil {
		t.Fatal(err)
	}
	if rows != 2000 || blocks == 0 || blocks > rows/8 {
		t.Fatalf("%d rows in %d blocks; want several rows a block", rows, blocks)
	}
	if _, err := h.db.Exec("SELECT record FROM events"); err == nil || !strings.Contains(err.Error(), "record") {
		t.Fatalf("events view still has a record column: %v", err)
	}
	var raw int
	for _, e := range all {
		raw += len(e.Record)
	}
	fi, err := os.Stat(filepath.Join(dir, recordsDir, partitionName(partitionStart(t0, 24*time.Hour))+recordLogExt))
	if err != nil || fi.Size() >= int64(raw)/2 {
		t.Fatalf("record log %v bytes (%v) for %d record bytes; want compressed", fi.Size(), err, raw)
	}
	q := Query{Account: all[0].Meta.Account, Region: all[0].Meta.Region, Limit: MaxLimit}
	sameEntries(t, "format 2", mustLookup(t, h, q), oracle(all, q))
	for i := 0; i < len(all); i += 97 {
		e := all[i]
		got := mustLookup(t, h, Query{Account: e.Meta.Account, Region: e.Meta.Region, Attr: AttrEventID, Value: e.Meta.EventID, Limit: 2})
		sameEntries(t, "EventId", got, slices.Clip(all[e.Seq-1:e.Seq]))
	}
}

// A data dir of a format this build does not know is refused, clearly.
func TestUnknownFormatIsRefused(t *testing.T) {
	dir := t.TempDir()
	h := openTest(t, dir, time.Hour)
	if _, err := h.db.Exec("UPDATE " + stateTable + " SET format_version = 9"); err != nil {
		t.Fatal(err)
	}
	if err := h.Close(); err != nil {
		t.Fatal(err)
	}
	opts := DefaultOptions()
	opts.Dir = dir
	if h, err := Open(opts); err == nil || !strings.Contains(err.Error(), "format version 9") {
		if err == nil {
			h.Close()
		}
		t.Fatalf("Open of format 9: %v", err)
	}
}
