package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cairn-audit/cairn/internal/duckdb"
	"github.com/cairn-audit/cairn/internal/event"
	"github.com/cairn-audit/cairn/internal/journal"
	"github.com/cairn-audit/cairn/internal/lake"
	"github.com/cairn-audit/cairn/internal/lakedb"
	"github.com/cairn-audit/cairn/internal/selector"
	"github.com/cairn-audit/cairn/internal/stream"
)

// cairn lake check finds a spliced row; cairn lake repair quarantines it and
// re-derives its event from the journal; the store is whole and clean after.
func TestLakeCheckRepair(t *testing.T) {
	ctx := context.Background()
	d := dataDir(t.TempDir())
	const account, region = "111122223333", "us-east-1"
	at := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)

	// Five events in the journal, ingested into one store.
	jnl, err := journal.Open(d.journal(), journal.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for i := range 5 {
		id := fmt.Sprintf("0000000%d-1111-4222-8333-444455556666", i)
		ids = append(ids, id)
		m := event.Meta{Account: account, Region: region, EventID: id, Time: at.Add(time.Duration(i) * time.Second),
			Category: "Management", Management: true, EventSource: "iam.amazonaws.com", EventName: "GetUser"}
		e := event.Entry{Meta: m, Record: []byte(fmt.Sprintf(`{"eventVersion":"1.11","eventID":%q,"eventName":"GetUser","eventTime":%q}`,
			id, m.Time.Format(time.RFC3339)))}
		b, err := e.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := jnl.Append(ctx, b); err != nil {
			t.Fatal(err)
		}
	}
	stores, err := lake.OpenStores(d.lake("stores"), lake.StoresOptions{})
	if err != nil {
		t.Fatal(err)
	}
	sid := lake.NewID()
	tx, err := stores.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := tx.Put(lake.EventDataStore{ID: sid, ARN: lake.ARN(region, account, sid), Account: account, Region: region, Name: "s",
		Status: lake.StatusEnabled, AdvancedEventSelectors: selector.DefaultEventDataStore().Advanced, MultiRegionEnabled: true,
		RetentionPeriod: lake.DefaultRetentionDaysExtendable, BillingMode: lake.BillingExtendable, Created: at, Updated: at,
		Windows: []lake.Window{{From: 1}}}); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	opts := lakedb.DefaultOptions()
	opts.Dir, opts.MemoryLimit, opts.Logger = d.lake("engine"), "256MB", slog.New(slog.DiscardHandler)
	l, err := lakedb.Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	src, err := stream.Open(jnl)
	if err != nil {
		t.Fatal(err)
	}
	in, err := lake.NewIngester(ctx, lake.IngesterOptions{Engine: l, Catalog: stores, Journal: src})
	if err != nil {
		t.Fatal(err)
	}
	if err := in.Step(ctx); err != nil {
		t.Fatal(err)
	}
	if in.Applied() != 5 {
		t.Fatalf("applied %d", in.Applied())
	}
	for _, c := range []interface{ Close() error }{l, stores, jnl} {
		if err := c.Close(); err != nil {
			t.Fatal(err)
		}
	}

	// Splice two event IDs and records into the third row, as the DuckDB
	// revert bug did.
	db, err := duckdb.Open(ctx, duckdb.Options{Path: filepath.Join(d.lake("engine"), "lake.duckdb")})
	if err != nil {
		t.Fatal(err)
	}
	table := "cairn.p_" + strings.ReplaceAll(sid, "-", "") + "_202611"
	if _, err := db.Exec("UPDATE "+table+" SET eventid = $1 || eventid, cairn_record = encode('{\"x\":1}') || cairn_record WHERE eventid = $2",
		ids[0]+ids[1], ids[2]); err != nil {
		t.Fatal(err)
	}
	if err := duckdb.Close(db, true); err != nil {
		t.Fatal(err)
	}

	var out bytes.Buffer
	if err := runLakeAdmin([]string{"check", "--data", string(d)}, &out, &out); !errors.Is(err, errLakeMalformed) ||
		!strings.Contains(out.String(), "1 malformed") {
		t.Fatalf("check: %v\n%s", err, out.String())
	}
	out.Reset()
	if err := runLakeAdmin([]string{"repair", "--data", string(d)}, &out, &out); err != nil ||
		!strings.Contains(out.String(), "quarantine: 1 rows") || !strings.Contains(out.String(), ", 1 were missing and are stored again") {
		t.Fatalf("repair: %v\n%s", err, out.String())
	}
	out.Reset()
	if err := runLakeAdmin([]string{"check", "--data", string(d)}, &out, &out); err != nil || !strings.Contains(out.String(), " 0 malformed") {
		t.Fatalf("check after repair: %v\n%s", err, out.String())
	}
	l, err = lakedb.Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	var got lakeResults
	if _, err := l.Run(ctx, lake.Query{SQL: "SELECT eventID FROM " + sid + " ORDER BY eventID", Stores: map[string]lake.Scope{sid: {}}}, &got); err != nil {
		t.Fatal(err)
	}
	if strings.Join(got.ids, ",") != strings.Join(ids, ",") {
		t.Fatalf("store after repair: %v, want %v", got.ids, ids)
	}
}

type lakeResults struct{ ids []string }

func (r *lakeResults) Columns([]string) error { return nil }
func (r *lakeResults) Row(v []lake.Value) error {
	r.ids = append(r.ids, v[0].S)
	return nil
}
