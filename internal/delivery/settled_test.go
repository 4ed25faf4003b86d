package delivery

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cairn-audit/cairn/internal/event"
)

// Delivery reads the settled view, which skips settle markers: the cursor
// must still move past them (a trailing marker must not leave the worker
// re-reading it forever), and an aborted call is delivered as failed.
func TestDeliveryThroughTheSettledView(t *testing.T) {
	f := newFixture(t)
	tr := baseTrail("t", 1)
	f.trails.set(tr)
	_, okID := f.ev("111122223333", "us-east-1", "cloudtrail.amazonaws.com", "UpdateTrail", false, false)
	pending, abortedID := f.evPending("CreateTrail")
	marker := f.marker(event.Marker{Seq: pending, Outcome: event.Aborted, Code: "InternalFailure", Message: "The change could not be saved."})
	eng, err := New(f.src, f.trails, f.store, Options{Dir: f.dir + "/delivery", Interval: 20 * time.Millisecond,
		RetryMin: 10 * time.Millisecond, RetryMax: 40 * time.Millisecond, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- eng.Run(ctx) }()
	defer func() { cancel(); <-done }()
	waitFor(t, "delivery", func() bool { return len(allIDs(t, f.store.records(t))) >= 2 })
	waitFor(t, "the cursor past the trailing marker", func() bool { return eng.Needed() > marker })
	if got := allIDs(t, f.store.records(t)); !slices.Equal(got, sorted(okID, abortedID)) {
		t.Fatalf("delivered %v, want %v", got, sorted(okID, abortedID))
	}
	f.store.mu.Lock()
	defer f.store.mu.Unlock()
	shown := false
	for k, data := range f.store.objects {
		if strings.Contains(k, "/CloudTrail-Digest/") {
			continue
		}
		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(zr)
		want := `"errorCode":"InternalFailure","errorMessage":"The change could not be saved.","requestParameters":null,"responseElements":null,"eventID":"` + abortedID + `"`
		shown = shown || bytes.Contains(raw, []byte(want))
	}
	if !shown {
		t.Fatal("the aborted call is not delivered as failed")
	}
}

// evPending appends a pending entry (a call whose commit is not settled).
func (f *fixture) evPending(name string) (uint64, string) {
	f.t.Helper()
	id := event.NewID()
	m := event.Meta{Time: time.Now().UTC().Truncate(time.Second), Account: "111122223333", Region: "us-east-1", EventID: id, EventName: name,
		EventSource: "cloudtrail.amazonaws.com", Management: true, Category: event.CategoryManagement, EventType: "AwsApiCall", Pending: true}
	rec := []byte(`{"eventVersion":"1.11","eventName":"` + name + `","requestParameters":null,"responseElements":{"x":1},"eventID":"` + id + `"}`)
	e := event.Entry{Meta: m, Record: rec}
	payload, _ := e.MarshalBinary()
	seq, err := f.jnl.Append(context.Background(), payload)
	if err != nil {
		f.t.Fatal(err)
	}
	return seq, id
}

func (f *fixture) marker(m event.Marker) uint64 {
	f.t.Helper()
	b, err := m.MarshalBinary()
	if err != nil {
		f.t.Fatal(err)
	}
	seq, err := f.jnl.Append(context.Background(), b)
	if err != nil {
		f.t.Fatal(err)
	}
	return seq
}
