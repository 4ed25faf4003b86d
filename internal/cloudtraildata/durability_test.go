package cloudtraildata

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/cairn-audit/cairn/internal/api"
	"github.com/cairn-audit/cairn/internal/event"
	"github.com/cairn-audit/cairn/internal/history"
	"github.com/cairn-audit/cairn/internal/journal"
	"github.com/cairn-audit/cairn/internal/stream"
)

// blockingStream holds appends until release is closed.
type blockingStream struct {
	release chan struct{}
	inner   Stream
}

func (b *blockingStream) AppendBatch(ctx context.Context, p [][]byte) (uint64, error) {
	<-b.release
	return b.inner.AppendBatch(ctx, p)
}

func callTo(method, path string) *api.Call {
	return &api.Call{RequestID: "r", Region: region, Caller: principal(owner), Method: method, Path: path, Header: http.Header{}}
}

// TestPutAuditEventsJournalDurable runs PutAuditEvents on a real journal:
// once the call returns, its events are durable entries of the journal
// (they survive reopening it), and the history indexer, which indexes
// management events only, leaves them out of Event history.
func TestPutAuditEventsJournalDurable(t *testing.T) {
	e := newEnv(t)
	dir := t.TempDir()
	jnl, err := journal.Open(dir, journal.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	e.s.opts.Stream = jnl
	out := e.ok(e.call(owner, q(e.ch.ARN), ids(5)...))
	if jnl.Durable() != 5 {
		t.Fatalf("durable %d after the response, want 5", jnl.Durable())
	}
	if err := jnl.Close(); err != nil {
		t.Fatal(err)
	}
	jnl, err = journal.Open(dir, journal.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	defer jnl.Close()
	var got []event.Entry
	if _, err := jnl.Read(1, 100, 0, func(seq uint64, p []byte) error {
		var en event.Entry
		if err := en.UnmarshalBinary(p); err != nil {
			return err
		}
		en.Record = append([]byte(nil), en.Record...)
		got = append(got, en)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(got) != 5 {
		t.Fatalf("%d entries after reopening", len(got))
	}
	for i, en := range got {
		if en.Meta.EventID != out.Successful[i].EventID || en.Meta.Category != "ActivityAuditLog" {
			t.Fatalf("entry %d: %+v", i, en.Meta)
		}
	}

	mem := history.NewMemory()
	src, err := stream.Open(jnl)
	if err != nil {
		t.Fatal(err)
	}
	ix, err := history.NewIndexer(context.Background(), src, mem, history.IndexerOptions{MinApplyInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	pending, ok, err := ix.Pending(history.Query{Account: owner, Region: region, Limit: 50}, 100)
	if err != nil || !ok || len(pending) != 0 {
		t.Fatalf("pending %d (ok %v, err %v): lookups would see ActivityAuditLog events", len(pending), ok, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = ix.Run(ctx); close(done) }()
	if err := ix.Sync(ctx, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	cancel()
	<-done
	if rows, _ := mem.Lookup(context.Background(), history.Query{Account: owner, Region: region, Limit: 50}); len(rows) != 0 {
		t.Fatalf("Event history holds %d ActivityAuditLog events", len(rows))
	}
}
