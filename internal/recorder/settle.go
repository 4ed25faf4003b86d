package recorder

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/cairn-audit/cairn/internal/event"
)

// A call whose Result has a Commit is recorded pending (Build sets
// Meta.Pending); once the commit ran, Settle appends its marker. Until the
// marker is durable no consumer reads past the call (internal/settle).

// settleRetry is how often an owed marker is retried.
const settleRetry = time.Second

// owed holds the markers whose append failed, retried in order.
type owed struct {
	mu      sync.Mutex
	markers []event.Marker
	running bool
}

// Settle appends the marker of a pending call and returns once it is
// durable. If the append fails the marker is kept and retried in the
// background (consumers wait for it meanwhile) and the error is returned.
func (r *Recorder) Settle(ctx context.Context, m event.Marker) error {
	if err := r.appendMarker(context.WithoutCancel(ctx), m); err != nil {
		r.owe(m)
		return err
	}
	return nil
}

func (r *Recorder) appendMarker(ctx context.Context, m event.Marker) error {
	payload, err := m.MarshalBinary()
	if err != nil {
		return err
	}
	if _, err := r.stream.Append(ctx, payload); err != nil {
		return fmt.Errorf("settle call %d as %s: %w", m.Seq, m.Outcome, err)
	}
	return nil
}

func (r *Recorder) owe(m event.Marker) {
	r.owed.mu.Lock()
	defer r.owed.mu.Unlock()
	r.owed.markers = append(r.owed.markers, m)
	if !r.owed.running {
		r.owed.running = true
		go r.payOwed()
	}
}

// payOwed appends owed markers, oldest first, until none is left; a marker
// leaves the list only once it is durable.
func (r *Recorder) payOwed() {
	for {
		time.Sleep(settleRetry)
		for {
			r.owed.mu.Lock()
			if len(r.owed.markers) == 0 {
				r.owed.running = false
				r.owed.mu.Unlock()
				return
			}
			m := r.owed.markers[0]
			r.owed.mu.Unlock()
			if err := r.appendMarker(context.Background(), m); err != nil {
				slog.Default().Warn("owed settle marker still not recorded; retrying", "seq", m.Seq, "outcome", m.Outcome, "err", err)
				break
			}
			r.owed.mu.Lock()
			r.owed.markers = r.owed.markers[1:]
			r.owed.mu.Unlock()
		}
	}
}

// Owed returns how many markers are waiting to be appended.
func (r *Recorder) Owed() int {
	r.owed.mu.Lock()
	defer r.owed.mu.Unlock()
	return len(r.owed.markers)
}
