package naive

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/cairn-audit/cairn/internal/event"
	"github.com/cairn-audit/cairn/internal/historydb"
)

// The baseline must answer exactly like the store, or the comparison in
// docs/HISTORY-STORE.md would be meaningless.
func TestBaselineAgreesWithStore(t *testing.T) {
	dir := t.TempDir()
	h, err := historydb.Open(historydb.Options{Dir: filepath.Join(dir, "history"), PartitionWidth: time.Hour, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	var entries []event.Entry
	for i := 1; i <= 600; i++ {
		m := event.Meta{
			Time: t0.Add(time.Duration(i) * 20 * time.Second), Account: "111111111111",
			Region: []string{"us-east-1", "eu-west-1"}[i%2], EventID: fmt.Sprint("id-", i),
			EventName: []string{"GetUser", "ListUsers", "CreateUser"}[i%3], EventSource: "iam.amazonaws.com",
			Username: []string{"alice", "bob", "carol", "dave", "erin"}[i%5], AccessKeyID: "AKIA" + fmt.Sprint(i%7),
			ReadOnly: i%3 != 2, Management: true, Category: "Management",
		}
		if i%4 == 1 {
			m.Resources = []event.ResourceRef{{Type: "AWS::IAM::User", Name: fmt.Sprint("u", i%9), ARN: fmt.Sprint("arn:aws:iam::111111111111:user/u", i%9)}}
		}
		entries = append(entries, event.Entry{Seq: uint64(i), Meta: m, Record: []byte(fmt.Sprintf(`{"eventID":"id-%d"}`, i))})
	}
	ctx := context.Background()
	if err := h.Apply(ctx, entries, 600); err != nil {
		t.Fatal(err)
	}
	queries := []historydb.Query{
		{Attr: historydb.AttrNone},
		{Attr: historydb.AttrEventID, Value: "id-301"},
		{Attr: historydb.AttrEventName, Value: "ListUsers"},
		{Attr: historydb.AttrUsername, Value: "carol", After: &historydb.Cursor{Time: t0.Add(2 * time.Hour), Seq: 360}},
		{Attr: historydb.AttrAccessKeyID, Value: "AKIA3"},
		{Attr: historydb.AttrReadOnly, Value: "false"},
		{Attr: historydb.AttrResourceType, Value: "AWS::IAM::User"},
		{Attr: historydb.AttrResourceName, Value: "arn:aws:iam::111111111111:user/u4"},
		{Attr: historydb.AttrResourceName, Value: "u4", Start: t0.Add(time.Hour), End: t0.Add(2 * time.Hour)},
	}
	want := make([][]uint64, len(queries))
	for i := range queries {
		queries[i].Account, queries[i].Region, queries[i].Limit = "111111111111", "eu-west-1", 20
		got, err := h.Lookup(ctx, queries[i])
		if err != nil {
			t.Fatal(err)
		}
		if len(got) == 0 {
			t.Fatalf("query %d matches nothing; the comparison would be vacuous", i)
		}
		want[i] = seqs(got)
	}
	if err := h.Close(); err != nil {
		t.Fatal(err)
	}
	if err := Build(ctx, filepath.Join(dir, "history"), filepath.Join(dir, "naive"), "256MB", 2); err != nil {
		t.Fatal(err)
	}
	b, err := Open(filepath.Join(dir, "naive"), "256MB", 2)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	for i, q := range queries {
		got, err := b.Lookup(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(seqs(got)) != fmt.Sprint(want[i]) {
			t.Errorf("query %d (%s=%s): baseline %v, store %v", i, q.Attr, q.Value, seqs(got), want[i])
		}
	}
}

func seqs(es []event.Entry) []uint64 {
	out := make([]uint64, len(es))
	for i, e := range es {
		out[i] = e.Seq
	}
	return out
}
