package main

import (
	"context"
	"fmt"
	"time"

	"github.com/cairn-audit/cairn/bench/historygen/synth"
	"github.com/cairn-audit/cairn/internal/event"
	"github.com/cairn-audit/cairn/internal/historydb"
)

type ingestSpec struct {
	rate, batch int
}

// startIngest applies synthetic events at ing.rate per second, in batches,
// timestamped after the history (so the measured queries, which end at
// s.Last, are unaffected). The returned stop waits for it and reports.
func startIngest(ctx context.Context, h *historydb.History, s *synth.Samples, ing ingestSpec) func() error {
	done := make(chan struct{})
	result := make(chan error, 1)
	go func() {
		cursor, err := h.Cursor(ctx)
		if err != nil {
			result <- err
			return
		}
		w := synth.NewWorld(cursor)
		start := time.Now()
		applied, batches := 0, 0
		var applying time.Duration
		interval := time.Duration(float64(time.Second) * float64(ing.batch) / float64(ing.rate))
		next := time.Now()
		for {
			select {
			case <-done:
				el := time.Since(start)
				fmt.Printf("ingest: %d events in %d batches of %d during the phase = %.0f events/s (target %d), Apply busy %.0f%%\n",
					applied, batches, ing.batch, float64(applied)/el.Seconds(), ing.rate, 100*applying.Seconds()/el.Seconds())
				result <- nil
				return
			case <-time.After(time.Until(next)):
			}
			g := synth.NewGenerator(w, cursor, uint64(batches))
			es := make([]event.Entry, ing.batch)
			for i := range es {
				seq := cursor + uint64(applied+i) + 1
				es[i] = g.Event(seq, s.Last.Add(time.Duration(seq-cursor)*time.Second/time.Duration(ing.rate)+time.Hour))
			}
			t := time.Now()
			if err := h.Apply(ctx, es, es[len(es)-1].Seq); err != nil {
				result <- err
				return
			}
			applying += time.Since(t)
			applied += len(es)
			batches++
			next = next.Add(interval)
		}
	}()
	return func() error {
		close(done)
		return <-result
	}
}
