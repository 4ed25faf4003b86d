// Package streamtest is the contract test suite of stream.Source: Run checks
// any implementation (the journal-backed one today, cluster mode's later).
package streamtest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/cairn-audit/cairn/internal/stream"
)

// Harness is one empty stream under test and the writer side of it.
type Harness struct {
	Source stream.Source
	// Append records a settled entry named name and returns its seq.
	Append func(name string) uint64
	// AppendPending records an entry whose call is not settled yet; settle
	// commits it (the entry becomes readable, as recorded).
	AppendPending func(name string) (seq uint64, settle func())
	// Name is the name of the entry a payload read from Source encodes.
	Name func(payload []byte) string
	// Trim applies retention (deletes what every consumer is done with);
	// it must delete at least the entries below the lowest cursor once
	// they fill a unit of deletion (Run writes Fill entries first).
	Trim func() error
	// Fill is how many entries make retention delete something; 0 skips
	// the retention checks.
	Fill int
}

// Run runs the contract against the streams newHarness makes (one per subtest).
func Run(t *testing.T, newHarness func(t *testing.T) Harness) {
	t.Run("ReadInOrderFromAPosition", func(t *testing.T) {
		h := newHarness(t)
		var seqs []uint64
		for _, p := range []string{"a", "b", "c"} {
			seqs = append(seqs, h.Append(p))
		}
		if h.Source.Settled() < seqs[2] {
			t.Fatalf("Settled %d below the last appended %d", h.Source.Settled(), seqs[2])
		}
		got, next := read(t, h, seqs[1], 0)
		if len(got) != 2 || got[0] != "b" || got[1] != "c" || next != seqs[2]+1 {
			t.Fatalf("Read(%d) = %v next %d", seqs[1], got, next)
		}
		got, next = read(t, h, seqs[0], 1)
		if len(got) != 1 || got[0] != "a" || next != seqs[0]+1 {
			t.Fatalf("Read(%d, max 1) = %v next %d", seqs[0], got, next)
		}
		if got, next := read(t, h, seqs[2]+1, 0); len(got) != 0 || next != seqs[2]+1 {
			t.Fatalf("Read past the end = %v next %d", got, next)
		}
	})
	t.Run("WaitReturnsOnceSettledMovesPast", func(t *testing.T) {
		h := newHarness(t)
		after := h.Source.Settled()
		got := make(chan uint64, 1)
		go func() {
			pos, err := h.Source.Wait(context.Background(), after)
			if err != nil {
				t.Error(err)
			}
			got <- pos
		}()
		seq := h.Append("x")
		if pos := <-got; pos < seq {
			t.Fatalf("Wait returned %d, before the entry at %d", pos, seq)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
		defer cancel()
		if _, err := h.Source.Wait(ctx, h.Source.Settled()); err == nil {
			t.Fatal("Wait with nothing new returned without error when ctx ended")
		}
	})
	t.Run("NothingPastAnUnsettledEntry", func(t *testing.T) {
		h := newHarness(t)
		if h.AppendPending == nil {
			t.Skip("no pending entries")
		}
		before := h.Append("before")
		pending, settle := h.AppendPending("pending")
		after := h.Append("after")
		if s := h.Source.Settled(); s >= pending {
			t.Fatalf("Settled %d at or past the unsettled entry %d", s, pending)
		}
		if got, next := read(t, h, before, 0); len(got) != 1 || got[0] != "before" || next > pending {
			t.Fatalf("Read = %v next %d: read past the unsettled entry %d", got, next, pending)
		}
		settle()
		if s := h.Source.Settled(); s < after {
			t.Fatalf("Settled %d after settling, want >= %d", s, after)
		}
		got, _ := read(t, h, pending, 0)
		if len(got) != 2 || got[0] != "pending" || got[1] != "after" {
			t.Fatalf("Read after settling = %v", got)
		}
	})
	t.Run("RetentionKeepsWhatTheLowestCursorNeeds", func(t *testing.T) {
		h := newHarness(t)
		if h.Fill == 0 || h.Trim == nil {
			t.Skip("no retention")
		}
		slow, fast := h.Source.Consumer("slow"), h.Source.Consumer("fast")
		if h.Source.Consumer("slow") != slow {
			t.Fatal("Consumer does not return the registered cursor")
		}
		var last uint64
		for range h.Fill {
			last = h.Append("fill")
		}
		mid := last / 2
		slow.Commit(mid)
		fast.Commit(last)
		if err := h.Trim(); err != nil {
			t.Fatal(err)
		}
		if first := h.Source.First(); first > mid+1 {
			t.Fatalf("trimmed to %d past the slow consumer at %d", first, mid)
		}
		if got, _ := read(t, h, mid+1, 1); len(got) != 1 {
			t.Fatalf("the entry after the slow cursor is gone")
		}
		slow.Close()
		if err := h.Trim(); err != nil {
			t.Fatal(err)
		}
		if h.Source.First() <= mid+1 {
			t.Fatalf("First %d: nothing trimmed once only the fast consumer (at %d) is left", h.Source.First(), last)
		}
		_, err := h.Source.Read(1, 1, 0, func(uint64, []byte) error { return nil })
		if !errors.Is(err, stream.ErrTrimmed) {
			t.Fatalf("Read below First: %v, want stream.ErrTrimmed", err)
		}
	})
}

func read(t *testing.T, h Harness, from uint64, max int) ([]string, uint64) {
	t.Helper()
	var got []string
	next, err := h.Source.Read(from, max, 0, func(_ uint64, p []byte) error {
		got = append(got, h.Name(p))
		return nil
	})
	if err != nil {
		t.Fatalf("Read(%d): %v", from, err)
	}
	return got, next
}
