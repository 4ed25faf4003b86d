package delivery

import (
	"context"
	"io"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cairn-audit/cairn/internal/event"
	"github.com/cairn-audit/cairn/internal/trail"
)

// StartLogging is recorded (durable, pending) before its change to the trail
// store commits. The test holds that commit while delivery cuts a batch: the
// trail's cursor must not move past the StartLogging, or the events after it
// are skipped for good once the trail does log. Delivery reads the stream
// only up to its settled position, which stops before the pending call.
func TestCursorWaitsForAStartLoggingNotYetCommitted(t *testing.T) {
	f := newFixture(t)
	tr := baseTrail("t", 1)
	tr.Windows = nil // created, not logging
	f.trails.set(tr)
	eng, err := New(f.src, f.trails, f.store, Options{Dir: f.dir + "/delivery", Interval: 10 * time.Millisecond,
		RetryMin: 10 * time.Millisecond, RetryMax: 40 * time.Millisecond, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	var cuts atomic.Int64
	eng.cutHook = func(string) { cuts.Add(1) }
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- eng.Run(ctx) }()
	defer func() { cancel(); <-done }()

	start, startID := f.evPending("StartLogging") // durable; its commit is held
	_, afterID := f.ev("111122223333", "us-east-1", "ec2.amazonaws.com", "RunInstances", false, false)
	// Two cuts after the appends: the second one started after them.
	c0 := cuts.Load()
	waitFor(t, "two cuts while the StartLogging commit is held", func() bool { return cuts.Load() >= c0+2 })
	if got := eng.Needed(); got > start {
		t.Fatalf("trail cursor moved past the unsettled StartLogging at %d (needs %d)", start, got)
	}

	// Release: the trail store commits the window at the call's seq, then
	// the recorder settles the call.
	tr.Windows = []trail.Window{{Start: start, StartTime: time.Now()}}
	f.trails.set(tr)
	f.marker(event.Marker{Seq: start, Outcome: event.Committed})
	_, laterID := f.ev("111122223333", "us-east-1", "ec2.amazonaws.com", "RunInstances", false, false)

	want := map[string]bool{startID: true, afterID: true, laterID: true}
	waitFor(t, "the events after StartLogging delivered", func() bool {
		n := 0
		for _, id := range allIDs(t, f.store.records(t)) {
			if want[id] {
				n++
			}
		}
		return n == len(want)
	})
}

// Each trail reports its cursor to the stream as trail/<id>; deleting the
// trail unregisters it, so retention no longer waits for it.
func TestTrailCursorsInStreamRetention(t *testing.T) {
	f := newFixture(t)
	f.trails.set(baseTrail("t", 1))
	f.start(Options{})
	defer f.stop()
	seq, _ := f.ev("111122223333", "us-east-1", "ec2.amazonaws.com", "RunInstances", false, false)
	waitFor(t, "the trail's cursor in the stream", func() bool {
		pos, ok := f.src.Consumers().Positions()[ConsumerPrefix+"t"]
		return ok && pos >= seq
	})
	f.trails.set()
	waitFor(t, "the deleted trail's cursor gone", func() bool {
		_, ok := f.src.Consumers().Positions()[ConsumerPrefix+"t"]
		return !ok
	})
}
