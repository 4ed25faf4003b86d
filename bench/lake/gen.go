package main

import (
	"time"

	"github.com/cairn-audit/cairn/bench/historygen/synth"
	"github.com/cairn-audit/cairn/internal/event"
)

// spec is the synthetic history: events evenly spread over [start, end),
// generated in fixed batches so that every pass over it (the Lake append,
// the trail files) sees the same events.
type spec struct {
	events, batch int
	seed          uint64
	start, end    time.Time
	world         *synth.World
}

func (s spec) batches() int { return (s.events + s.batch - 1) / s.batch }

// batch generates batch number b.
func (s spec) genBatch(b int) []event.Entry {
	g := synth.NewGenerator(s.world, s.seed, uint64(b))
	n := min(s.batch, s.events-b*s.batch)
	span := s.end.Sub(s.start)
	es := make([]event.Entry, n)
	for j := range es {
		idx := b*s.batch + j
		t := s.start.Add(time.Duration(float64(span) * float64(idx) / float64(s.events))).Truncate(time.Second)
		es[j] = g.Event(uint64(idx+1), t)
	}
	return es
}

// stream generates every batch in order on a goroutine of its own.
func (s spec) stream() <-chan []event.Entry {
	out := make(chan []event.Entry, 2)
	go func() {
		defer close(out)
		for b := range s.batches() {
			out <- s.genBatch(b)
		}
	}()
	return out
}
