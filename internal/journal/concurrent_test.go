package journal

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// concurrentPayload is the payload appender g writes as its i-th entry.
func concurrentPayload(g, i int) []byte {
	return payloadFor(fmt.Sprintf("g%d-i%d", g, i), 20+(g*31+i*7)%400)
}

func TestConcurrentAppend(t *testing.T) {
	const goroutines, perG = 64, 2000
	o := testOptions()
	o.SegmentSize = 4 << 20 // several rollovers under load
	j := mustOpen(t, t.TempDir(), o)

	seqs := make([][]uint64, goroutines)
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			seqs[g] = make([]uint64, perG)
			for i := range perG {
				var err error
				if i%50 == 49 { // mix in a few batches
					var first uint64
					first, err = j.AppendBatch(context.Background(), [][]byte{concurrentPayload(g, i)})
					seqs[g][i] = first
				} else {
					seqs[g][i], err = j.Append(context.Background(), concurrentPayload(g, i))
				}
				if err != nil {
					t.Errorf("goroutine %d append %d: %v", g, i, err)
					return
				}
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	const total = goroutines * perG
	owner := make([]struct{ g, i int }, total+1)
	seen := make([]bool, total+1)
	for g := range goroutines {
		prev := uint64(0)
		for i, seq := range seqs[g] {
			if seq == 0 || seq > total {
				t.Fatalf("goroutine %d got seq %d, outside 1..%d", g, seq, total)
			}
			if seen[seq] {
				t.Fatalf("seq %d returned twice", seq)
			}
			if seq <= prev {
				t.Fatalf("goroutine %d: seq %d after %d", g, seq, prev)
			}
			seen[seq], owner[seq], prev = true, struct{ g, i int }{g, i}, seq
		}
	}
	if d := j.Durable(); d != total {
		t.Fatalf("Durable = %d, want %d", d, total)
	}
	n := 0
	next, err := j.Read(1, 0, 0, func(seq uint64, p []byte) error {
		n++
		o := owner[seq]
		if want := concurrentPayload(o.g, o.i); !bytes.Equal(p, want) {
			return fmt.Errorf("seq %d payload %.30q, want %.30q", seq, p, want)
		}
		return nil
	})
	if err != nil || next != total+1 || n != total {
		t.Fatalf("Read = %d entries, next %d, %v", n, next, err)
	}
	commits := j.commits.Load()
	t.Logf("%d appends in %d commits (%.1f entries/commit)", total, commits, float64(total)/float64(commits))
	if commits >= total/2 {
		t.Errorf("group commit ineffective: %d commits for %d appends", commits, total)
	}
}

// TestFollowTail checks that a consumer following the stream with
// WaitDurable and Read sees every entry once, in order, and never beyond
// Durable(), while another goroutine trims the segments behind it.
func TestFollowTail(t *testing.T) {
	o := testOptions()
	o.SegmentSize = 64 << 10
	o.checkpointEvery = 4 << 10
	j := mustOpen(t, t.TempDir(), o)
	const writers, perW = 8, 500
	const total = writers * perW

	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range perW {
				if _, err := j.Append(context.Background(), concurrentPayload(w, i)); err != nil {
					t.Errorf("append: %v", err)
					return
				}
			}
		})
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute) // a hang, not a slow machine
	defer cancel()
	var cursor atomic.Uint64 // the consumer's committed position
	trimmed := 0
	trimDone := make(chan error, 1)
	go func() {
		for cursor.Load() <= total {
			n, err := j.TrimBefore(cursor.Load())
			if err != nil {
				trimDone <- err
				return
			}
			trimmed += n
			time.Sleep(time.Millisecond)
		}
		trimDone <- nil
	}()
	payloads := map[string]bool{}
	next := uint64(1)
	for next <= total {
		if _, err := j.WaitDurable(ctx, next-1); err != nil {
			t.Fatalf("WaitDurable(%d): %v", next-1, err)
		}
		var err error
		next, err = j.Read(next, 37, 0, func(seq uint64, p []byte) error {
			if d := j.Durable(); seq > d {
				return fmt.Errorf("read seq %d beyond Durable %d", seq, d)
			}
			if payloads[string(p)] {
				return fmt.Errorf("payload %.30q read twice", p)
			}
			payloads[string(p)] = true
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		cursor.Store(next)
	}
	wg.Wait()
	if err := <-trimDone; err != nil {
		t.Fatalf("TrimBefore: %v", err)
	}
	if trimmed == 0 {
		t.Fatal("nothing was trimmed")
	}
	if len(payloads) != total {
		t.Fatalf("read %d distinct payloads, want %d", len(payloads), total)
	}
	for w := range writers {
		for i := range perW {
			if !payloads[string(concurrentPayload(w, i))] {
				t.Fatalf("payload of writer %d entry %d never read", w, i)
			}
		}
	}
}
