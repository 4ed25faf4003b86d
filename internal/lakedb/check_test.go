package lakedb

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cairn-audit/cairn/internal/lake"
)

// corruptRow writes a row into store's partition of row.Time the way the
// DuckDB revert bug left one: the event IDs and records of reverted rows
// spliced before the row's own, with the length and JSON flag of the row.
func corruptRow(t *testing.T, l *DB, spliced []lake.Row, row lake.Row) {
	t.Helper()
	var ids, recs strings.Builder
	for _, r := range append(spliced, row) {
		ids.WriteString(r.EventID)
		recs.Write(r.Record)
	}
	table := lakeTable(partitionTableName(row.Store, monthOf(row.Time)))
	// Every stored column from the row itself, then the spliced strings.
	if err := l.Append(context.Background(), []lake.Row{row}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := l.db.Exec("UPDATE "+table+" SET eventid = $1, "+recordColumn+" = encode($2) WHERE eventid = $3",
		ids.String(), recs.String(), row.EventID); err != nil {
		t.Fatal(err)
	}
}

func TestLakeCheckQuarantinesMalformedRows(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	l := openTestLake(t, dir)
	good := manyRows(t, storeA, lakeNow, 30)
	if err := l.Append(ctx, good, map[string]uint64{lake.CursorJournal: 30}); err != nil {
		t.Fatal(err)
	}
	reverted := manyRows(t, storeA, lakeNow, 5) // never appended: only their strings
	victim := ctRow(t, storeA, lakeNow, call{service: "iam", name: "CreateUser", user: "bob"})
	corruptRow(t, l, reverted, victim)
	// A row whose record is another event's, of the same length: only the
	// deep check sees it.
	other := ctRow(t, storeA, lakeNow, call{service: "iam", name: "DeleteUser", user: "bob"})
	if err := l.Append(ctx, []lake.Row{other}, nil); err != nil {
		t.Fatal(err)
	}
	swapped := strings.Replace(string(other.Record), other.EventID, good[0].EventID, 1)
	if _, err := l.db.Exec("UPDATE "+lakeTable(partitionTableName(storeA, monthOf(lakeNow)))+" SET "+recordColumn+" = encode($1) WHERE eventid = $2",
		swapped, other.EventID); err != nil {
		t.Fatal(err)
	}
	// The failure the hostile run saw: statements reading eventData fail.
	if _, err := l.Run(ctx, lake.Query{SQL: "SELECT eventData FROM " + storeA, Stores: scopeAll(storeA)}, &results{}); err == nil {
		t.Fatal("eventData read over a spliced row")
	}

	rep, err := l.CheckRows(ctx, CheckOptions{All: true})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Malformed != 1 || rep.Checked != 32 || len(rep.Rows) != 1 || rep.Quarantined != 0 {
		t.Fatalf("cheap check: %+v", rep)
	}
	if r := rep.Rows[0]; r.Store != storeA || r.IDBytes != 36*6 || !strings.Contains(r.Reason, "eventID of 216") || !r.Time.Equal(victim.Time) {
		t.Fatalf("malformed row %+v", r)
	}
	rep, err = l.CheckRows(ctx, CheckOptions{All: true, Deep: true})
	if err != nil || rep.Malformed != 2 || rep.Quarantined != 0 {
		t.Fatalf("deep check: %+v, %v", rep, err)
	}
	if rep.Rows[1].Reason != "record eventID differs from the row" {
		t.Fatalf("deep check reason %q", rep.Rows[1].Reason)
	}

	// Reopening quarantines the spliced row (the cheap check, at open).
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	l = openTestLake(t, dir)
	q, err := l.Quarantined(ctx)
	if err != nil || len(q) != 1 || q[0].IDBytes != 36*6 || q[0].Store != storeA {
		t.Fatalf("Quarantined = %+v, %v", q, err)
	}
	mustRun(t, l, "SELECT eventData, eventJson FROM "+storeA, scopeAll(storeA))
	if got := one(t, l, "SELECT count(*), max(length(eventID)) FROM "+storeA, scopeAll(storeA)); got[0] != "31" || got[1] != "36" {
		t.Fatalf("after the quarantine: %v", got)
	}
	if n, _, _ := l.Size(ctx, storeA, lakeNow.AddDate(-1, 0, 0)); n != 31 {
		t.Fatalf("Size %d after the quarantine", n)
	}
	// Quarantine with the deep check; the store is clean after.
	rep, err = l.CheckRows(ctx, CheckOptions{All: true, Deep: true, Quarantine: true})
	if err != nil || rep.Malformed != 1 || rep.Quarantined != 1 {
		t.Fatalf("deep quarantine: %+v, %v", rep, err)
	}
	rep, err = l.CheckRows(ctx, CheckOptions{All: true, Deep: true})
	if err != nil || rep.Malformed != 0 || rep.Checked != 30 {
		t.Fatalf("check after repair: %+v, %v", rep, err)
	}
	// The repaired store takes new rows, and the next check reads only them.
	more := manyRows(t, storeB, lakeNow, 3)
	if err := l.Append(ctx, more, nil); err != nil {
		t.Fatal(err)
	}
	rep, err = l.CheckRows(ctx, CheckOptions{Quarantine: true})
	if err != nil || rep.Checked != 3 || rep.Malformed != 0 {
		t.Fatalf("incremental check: %+v, %v", rep, err)
	}
	if rep, err = l.CheckRows(ctx, CheckOptions{}); err != nil || rep.Checked != 0 {
		t.Fatalf("check with nothing new: %+v, %v", rep, err)
	}
}

// benchRows makes n rows of store, each with its own event ID, a second
// apart back from end: a CloudTrail record of about 800 bytes.
func benchRows(store string, end time.Time, n int) []lake.Row {
	rows := make([]lake.Row, n)
	for i := range rows {
		at := end.Add(-time.Duration(i) * time.Second)
		id := fmt.Sprintf("%08x-1111-4222-8333-%012x", i, i)
		rec := fmt.Sprintf(`{"eventVersion":"1.11","userIdentity":{"type":"IAMUser","principalId":"AIDAalice","arn":"arn:aws:iam::123456789012:user/alice",`+
			`"accountId":"123456789012","accessKeyId":"AKIAalice","userName":"alice"},"eventTime":%q,"eventSource":"iam.amazonaws.com",`+
			`"eventName":"GetUser","awsRegion":"us-east-1","sourceIPAddress":"203.0.113.5","userAgent":"aws-cli/2.15.0",`+
			`"requestParameters":{"userName":"u%d"},"responseElements":null,"requestID":"req-%d","eventID":%q,"readOnly":true,`+
			`"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"123456789012","eventCategory":"Management",`+
			`"tlsDetails":{"tlsVersion":"TLSv1.3","cipherSuite":"TLS_AES_128_GCM_SHA256","clientProvidedHostHeader":"iam.amazonaws.com"}}`,
			at.UTC().Format(time.RFC3339), i%100, i, id)
		rows[i] = lake.Row{Store: store, Time: at, EventID: id, Record: []byte(rec)}
	}
	return rows
}

// BenchmarkLakeCheckRows measures the row check over a store of
// CAIRN_BENCH_CHECK_ROWS rows (default 200,000): the cheap test (what
// Open runs over rows not yet checked), the deep one (cairn lake
// check), and the check at open of a store checked before (nothing new).
func BenchmarkLakeCheckRows(b *testing.B) {
	n := 200_000
	if v, err := strconv.Atoi(os.Getenv("CAIRN_BENCH_CHECK_ROWS")); err == nil && v > 0 {
		n = v
	}
	ctx := context.Background()
	dir := b.TempDir()
	l, err := Open(Options{Dir: dir, MemoryLimit: "1GB", Threads: 2, QueryConns: 2, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	rows := benchRows(storeA, lakeNow, n)
	for len(rows) > 0 {
		k := min(len(rows), 100_000)
		if err := l.Append(ctx, rows[:k], nil); err != nil {
			b.Fatal(err)
		}
		rows = rows[k:]
	}
	if _, err := l.db.Exec("CHECKPOINT"); err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name string
		opts CheckOptions
	}{
		{"cheap", CheckOptions{All: true}},
		{"deep", CheckOptions{All: true, Deep: true}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				rep, err := l.CheckRows(ctx, bc.opts)
				if err != nil || rep.Checked != int64(n) || rep.Malformed != 0 {
					b.Fatalf("CheckRows = %+v, %v", rep, err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/row")
		})
	}
	b.Run("open-unchecked", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			if _, err := l.db.Exec("DELETE FROM " + lakeCheckedTable); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			rep, err := l.CheckRows(ctx, CheckOptions{MaxRows: DefaultOpenCheckRows, Quarantine: true})
			if err != nil || rep.Checked != int64(min(n, DefaultOpenCheckRows)) || rep.Pending != int64(n-min(n, DefaultOpenCheckRows)) {
				b.Fatalf("CheckRows = %+v, %v", rep, err)
			}
		}
	})
	if _, err := l.CheckRows(ctx, CheckOptions{Quarantine: true}); err != nil { // all checked
		b.Fatal(err)
	}
	if err := l.Close(); err != nil {
		b.Fatal(err)
	}
	b.Run("open-checked", func(b *testing.B) {
		for b.Loop() {
			l, err := Open(Options{Dir: dir, MemoryLimit: "1GB", Threads: 2, QueryConns: 2, Logger: slog.New(slog.DiscardHandler)})
			if err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			if err := l.Close(); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
		}
	})
}

// A partition dropped by retention and made again is checked from its
// first row.
func TestLakeCheckPartitionMadeAgain(t *testing.T) {
	ctx := context.Background()
	l := openTestLake(t, t.TempDir())
	if err := l.Append(ctx, manyRows(t, storeA, lakeNow, 20), nil); err != nil {
		t.Fatal(err)
	}
	if rep, err := l.CheckRows(ctx, CheckOptions{Quarantine: true}); err != nil || rep.Checked != 20 {
		t.Fatalf("CheckRows = %+v, %v", rep, err)
	}
	if err := l.Drop(ctx, storeA); err != nil {
		t.Fatal(err)
	}
	// The new partition's first row is bad, and it grows past the old mark.
	victim := ctRow(t, storeA, lakeNow, call{service: "iam", name: "GetUser"})
	corruptRow(t, l, manyRows(t, storeA, lakeNow, 2), victim)
	if err := l.Append(ctx, manyRows(t, storeA, lakeNow.Add(-time.Minute), 24), nil); err != nil {
		t.Fatal(err)
	}
	if rep, err := l.CheckRows(ctx, CheckOptions{}); err != nil || rep.Checked != 25 || rep.Malformed != 1 {
		t.Fatalf("CheckRows after the partition was made again = %+v, %v", rep, err)
	}
}
