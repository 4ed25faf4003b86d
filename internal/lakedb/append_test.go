package lakedb

import (
	"context"
	"errors"
	"log/slog"
	"maps"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/cairn-audit/cairn/internal/lake"
)

var lakeNow = time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)

func TestLakeAppendCursorsReopen(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	l := openTestLake(t, dir)
	// Three months of storeA, one event of storeB, in one Append.
	rows := manyRows(t, storeA, lakeNow, 40*24)
	rows = append(rows, ctRow(t, storeB, lakeNow, call{service: "s3", name: "CreateBucket", params: map[string]any{"bucketName": "b"}}))
	if err := l.Append(ctx, rows, map[string]uint64{lake.CursorJournal: 7, lake.CursorAudit: 3}); err != nil {
		t.Fatal(err)
	}
	if err := l.Append(ctx, nil, map[string]uint64{lake.CursorJournal: 9}); err != nil {
		t.Fatal(err)
	}
	check := func(l *DB) {
		t.Helper()
		cur, err := l.Cursors(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if want := map[string]uint64{lake.CursorJournal: 9, lake.CursorAudit: 3}; !maps.Equal(cur, want) {
			t.Fatalf("cursors %v, want %v", cur, want)
		}
		if got := one(t, l, "SELECT count(*), count(DISTINCT eventID) FROM "+storeA, scopeAll(storeA)); got[0] != "960" || got[1] != "960" {
			t.Fatalf("storeA counts %v", got)
		}
		if got := one(t, l, "SELECT count(*) FROM "+storeB, scopeAll(storeB)); got[0] != "1" {
			t.Fatalf("storeB count %v", got)
		}
		n, b, err := l.Size(ctx, storeA, time.Time{})
		if err != nil || n != 960 || b <= 960*300 {
			t.Fatalf("Size = %d, %d, %v", n, b, err)
		}
		if len(l.cat.parts[storeA]) != 3 { // 40 days back from March 10
			t.Fatalf("storeA partitions %v", l.cat.parts[storeA])
		}
	}
	check(l)
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	check(openTestLake(t, dir))
}

// A failure inside Append's transaction leaves neither rows nor cursors.
func TestLakeAppendAtomic(t *testing.T) {
	ctx := context.Background()
	l := openTestLake(t, "")
	if err := l.Append(ctx, manyRows(t, storeA, lakeNow, 3), map[string]uint64{lake.CursorJournal: 1}); err != nil {
		t.Fatal(err)
	}
	// A stray table where the next month's partition goes makes its CREATE
	// fail after the first partition's rows are in.
	blocker := lakeTable(partitionTableName(storeA, monthOf(lakeNow.AddDate(0, 1, 0))))
	if _, err := l.db.ExecContext(ctx, "CREATE TABLE "+blocker+" (x INTEGER)"); err != nil {
		t.Fatal(err)
	}
	rows := append(manyRows(t, storeA, lakeNow, 2), manyRows(t, storeA, lakeNow.AddDate(0, 1, 0), 2)...)
	if err := l.Append(ctx, rows, map[string]uint64{lake.CursorJournal: 2}); err == nil {
		t.Fatal("Append succeeded over a stray table")
	}
	if cur, _ := l.Cursors(ctx); cur[lake.CursorJournal] != 1 {
		t.Fatalf("cursor %d after a failed Append", cur[lake.CursorJournal])
	}
	if n, _, _ := l.Size(ctx, storeA, time.Time{}); n != 3 {
		t.Fatalf("Size %d after a failed Append", n)
	}
	if got := one(t, l, "SELECT count(*) FROM "+storeA, scopeAll(storeA)); got[0] != "3" {
		t.Fatalf("count %v after a failed Append", got)
	}
	if _, err := l.db.ExecContext(ctx, "DROP TABLE "+blocker); err != nil {
		t.Fatal(err)
	}
	if err := l.Append(ctx, rows, map[string]uint64{lake.CursorJournal: 2}); err != nil {
		t.Fatal(err)
	}
	if got := one(t, l, "SELECT count(*) FROM "+storeA, scopeAll(storeA)); got[0] != "7" {
		t.Fatalf("count %v after the retry", got)
	}
}

func TestLakeAppendRefusesBadStore(t *testing.T) {
	l := openTestLake(t, "")
	for _, id := range []string{"", "Not-A-Store", "6F1B2C3D-1111-4222-8333-444455556666", `x"; DROP TABLE y; --`} {
		row := ctRow(t, id, lakeNow, call{service: "iam", name: "GetUser"})
		if err := l.Append(context.Background(), []lake.Row{row}, nil); err == nil {
			t.Errorf("Append to store %q succeeded", id)
		}
	}
}

func TestLakeImport(t *testing.T) {
	ctx := context.Background()
	l := openTestLake(t, "")
	rows := manyRows(t, storeA, lakeNow, 50)
	n, err := l.Import(ctx, storeA, rows[:30])
	if err != nil || n != 30 {
		t.Fatalf("Import = %d, %v", n, err)
	}
	// 20 new, 30 known, and repeats within the batch.
	batch := append(append([]lake.Row{}, rows...), rows[40:]...)
	for i := range batch {
		batch[i].Store = ""
	}
	if n, err = l.Import(ctx, storeA, batch); err != nil || n != 20 {
		t.Fatalf("second Import = %d, %v", n, err)
	}
	if n, err = l.Import(ctx, storeA, rows); err != nil || n != 0 {
		t.Fatalf("third Import = %d, %v", n, err)
	}
	if got := one(t, l, "SELECT count(*), count(DISTINCT eventid) FROM "+storeA, scopeAll(storeA)); got[0] != "50" || got[1] != "50" {
		t.Fatalf("counts %v", got)
	}
	events, bytes, err := l.Size(ctx, storeA, time.Time{})
	var want int64
	for _, r := range rows {
		want += int64(len(r.Record))
	}
	if err != nil || events != 50 || bytes != want {
		t.Fatalf("Size = %d, %d, %v; want 50, %d", events, bytes, err, want)
	}
	if _, err := l.Import(ctx, storeA, []lake.Row{{Store: storeB, Time: lakeNow, EventID: "x", Record: []byte("{}")}}); err == nil {
		t.Fatal("Import of another store's row succeeded")
	}
}

func TestLakeExpireDropSize(t *testing.T) {
	ctx := context.Background()
	l := openTestLake(t, "")
	jan, feb, mar := time.Date(2026, 1, 15, 0, 0, 0, 0, time.UTC), time.Date(2026, 2, 15, 0, 0, 0, 0, time.UTC), time.Date(2026, 3, 15, 0, 0, 0, 0, time.UTC)
	var rows []lake.Row
	for _, m := range []time.Time{jan, feb, mar} {
		rows = append(rows, manyRows(t, storeA, m, 10)...)
	}
	rows = append(rows, manyRows(t, storeB, jan, 4)...)
	if err := l.Append(ctx, rows, nil); err != nil {
		t.Fatal(err)
	}
	// Cutoff inside February: January goes, February stays.
	cutoff := time.Date(2026, 2, 15, 0, 0, 0, 0, time.UTC).Add(-5 * time.Hour)
	n, err := l.Expire(ctx, storeA, cutoff)
	if err != nil || n != 1 {
		t.Fatalf("Expire = %d, %v", n, err)
	}
	if n, err := l.Expire(ctx, storeA, cutoff); err != nil || n != 0 {
		t.Fatalf("second Expire = %d, %v", n, err)
	}
	if events, _, _ := l.Size(ctx, storeA, time.Time{}); events != 20 {
		t.Fatalf("Size after Expire %d", events)
	}
	// February's events before the cutoff (4 of 10) are hidden by Since.
	if events, _, _ := l.Size(ctx, storeA, cutoff); events != 16 {
		t.Fatalf("Size since cutoff %d", events)
	}
	got := one(t, l, "SELECT count(*), min(eventTime) FROM "+storeA, map[string]lake.Scope{storeA: {Since: cutoff}})
	if got[0] != "16" || got[1] != "2026-02-14 19:00:00.000" {
		t.Fatalf("query since cutoff %v", got)
	}
	_, st := mustRun(t, l, "SELECT count(*) FROM "+storeA, map[string]lake.Scope{storeA: {Since: cutoff}})
	if st.EventsScanned != 16 {
		t.Fatalf("EventsScanned %d", st.EventsScanned)
	}
	if err := l.Drop(ctx, storeA); err != nil {
		t.Fatal(err)
	}
	if events, bytes, _ := l.Size(ctx, storeA, time.Time{}); events != 0 || bytes != 0 {
		t.Fatalf("Size after Drop %d, %d", events, bytes)
	}
	if got := one(t, l, "SELECT count(*) FROM "+storeA, scopeAll(storeA)); got[0] != "0" {
		t.Fatalf("count after Drop %v", got)
	}
	if got := one(t, l, "SELECT count(*) FROM "+storeB, scopeAll(storeB)); got[0] != "4" {
		t.Fatalf("storeB count after dropping storeA %v", got)
	}
}

// A query that has bound its partitions keeps reading them when Expire
// drops them meanwhile.
func TestLakeExpireDuringQuery(t *testing.T) {
	ctx := context.Background()
	l := openTestLake(t, "")
	if err := l.Append(ctx, manyRows(t, storeA, lakeNow, 5), nil); err != nil {
		t.Fatal(err)
	}
	qc, err := l.acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer l.release(qc, false)
	stores := []string{storeA}
	if _, err := l.openViews(ctx, qc.conn, stores, scopeAll(storeA)); err != nil {
		t.Fatal(err)
	}
	if n, err := l.Expire(ctx, storeA, lakeNow.AddDate(1, 0, 0)); err != nil || n != 1 {
		t.Fatalf("Expire = %d, %v", n, err)
	}
	var n int
	if err := qc.conn.QueryRowContext(ctx, `SELECT count(*) FROM "`+storeA+`"`).Scan(&n); err != nil || n != 5 {
		t.Fatalf("count in the open transaction = %d, %v", n, err)
	}
	if _, err := qc.conn.ExecContext(ctx, "ROLLBACK"); err != nil {
		t.Fatal(err)
	}
	if got := one(t, l, "SELECT count(*) FROM "+storeA, scopeAll(storeA)); got[0] != "0" {
		t.Fatalf("count after Expire %v", got)
	}
}

// Records that are not JSON, or not UTF-8, are kept with their time, ID and
// text; they do not stop the batch they are in.
func TestLakeMalformedRecords(t *testing.T) {
	ctx := context.Background()
	l := openTestLake(t, "")
	good := ctRow(t, storeA, lakeNow, call{service: "iam", name: "GetUser"})
	rows := []lake.Row{
		good,
		{Store: storeA, Time: lakeNow, EventID: "broken-1", Record: []byte(`{"eventName": "x", `)},
		{Store: storeA, Time: lakeNow, EventID: "latin1-1", Record: []byte("{\"eventName\":\"caf\xe9\"}")},
	}
	if err := l.Append(ctx, rows, map[string]uint64{lake.CursorJournal: 4}); err != nil {
		t.Fatal(err)
	}
	r, _ := mustRun(t, l, "SELECT eventID, eventName, eventJson, requestParameters FROM "+storeA+" ORDER BY eventID IN ('broken-1', 'latin1-1'), eventID", scopeAll(storeA))
	want := [][]string{
		{good.EventID, "GetUser", string(good.Record), "<null>"},
		{"broken-1", "<null>", `{"eventName": "x", `, "<null>"},
		{"latin1-1", "caf\uFFFD", "{\"eventName\":\"caf\uFFFD\"}", "<null>"},
	}
	if got := r.text(); !reflect.DeepEqual(got, want) {
		t.Fatalf("rows %q, want %q", got, want)
	}
	if cur, _ := l.Cursors(ctx); cur[lake.CursorJournal] != 4 {
		t.Fatalf("cursor %v", cur)
	}
}

func TestLakeClosed(t *testing.T) {
	l, err := Open(Options{MemoryLimit: "256MB", Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if err := l.Append(context.Background(), nil, map[string]uint64{"x": 1}); !errors.Is(err, ErrClosed) {
		t.Fatalf("Append after Close: %v", err)
	}
	if _, err := l.Run(context.Background(), lake.Query{SQL: "SELECT 1"}, &results{}); !errors.Is(err, ErrClosed) {
		t.Fatalf("Run after Close: %v", err)
	}
}

func TestLakeRefusesOtherFormat(t *testing.T) {
	dir := t.TempDir()
	l := openTestLake(t, dir)
	if _, err := l.db.ExecContext(context.Background(), "UPDATE "+lakeStateTable+" SET format_version = 99"); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if l2, err := Open(Options{Dir: dir, Logger: slog.New(slog.DiscardHandler)}); err == nil || !strings.Contains(err.Error(), "format version 99") {
		if l2 != nil {
			l2.Close()
		}
		t.Fatalf("Open of format 99: %v", err)
	}
}
