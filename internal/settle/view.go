// Package settle is the settled view of the event stream: what every
// consumer (event history, trail delivery, the Lake) reads.
//
// A call whose effect commits after it is recorded is appended as a pending
// entry (event.Meta.Pending), then settled by a marker (event.Marker) once
// its commit ran. The View implements the same Source interface as the
// journal, with three differences:
//
//   - Durable() is the settled position: the last seq before the oldest
//     pending entry whose marker is not durable yet (the journal's durable
//     end when there is none). No consumer reads past it.
//   - Marker entries are never delivered (their seqs are skipped; Read's
//     next still moves past them).
//   - An aborted call is delivered as failed: the marker's errorCode
//     (InternalFailure, S3's InternalError) and errorMessage, responseElements
//     null (AbortedPayload).
//
// Seqs are the journal's: cursors and trimming are unchanged. See
// docs/RECORDS.md.
package settle

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/cairn-audit/cairn/internal/event"
	"github.com/cairn-audit/cairn/internal/journal"
)

// Journal is the raw stream the view reads.
type Journal interface {
	Durable() uint64
	First() uint64
	WaitDurable(ctx context.Context, after uint64) (uint64, error)
	Read(from uint64, maxEntries, maxBytes int, fn func(seq uint64, payload []byte) error) (uint64, error)
}

// pruneAborted is how many aborted outcomes the view keeps before it drops
// those of trimmed entries.
const pruneAborted = 4096

// View is the settled view of a journal; safe for concurrent use.
type View struct {
	j Journal

	mu      sync.Mutex
	scanned uint64                  // journal seqs <= scanned are classified
	open    map[uint64]event.Entry  // pending entries without a durable marker
	aborted map[uint64]event.Marker // pending seq -> its abort marker
	err     error                   // last scan failure
}

// Open returns the view of j, classifying every entry from j.First() on.
func Open(j Journal) (*View, error) {
	v := &View{j: j, open: map[uint64]event.Entry{}, aborted: map[uint64]event.Marker{}}
	if first := j.First(); first > 0 {
		v.scanned = first - 1
	}
	if _, err := v.settled(); err != nil {
		return nil, err
	}
	return v, nil
}

// advance classifies the entries durable since the last call. Caller holds mu.
func (v *View) advance() error {
	durable := v.j.Durable()
	for v.scanned < durable {
		next, err := v.j.Read(v.scanned+1, 0, 4<<20, func(seq uint64, payload []byte) error {
			switch event.KindOf(payload) {
			case event.KindPending:
				var e event.Entry
				if err := e.UnmarshalBinary(payload); err != nil {
					return fmt.Errorf("settle: decode pending entry %d: %w", seq, err)
				}
				e.Seq, e.Record = seq, append([]byte(nil), e.Record...)
				v.open[seq] = e
			case event.KindMarker:
				var m event.Marker
				if err := m.UnmarshalBinary(payload); err != nil {
					return fmt.Errorf("settle: decode marker %d: %w", seq, err)
				}
				delete(v.open, m.Seq)
				if m.Outcome == event.Aborted {
					v.aborted[m.Seq] = m
				}
			}
			v.scanned = seq
			return nil
		})
		if errors.Is(err, journal.ErrTrimmed) {
			v.scanned = v.j.First() - 1
			continue
		}
		if err != nil {
			return err
		}
		if next <= v.scanned { // nothing more readable
			break
		}
		v.scanned = next - 1
	}
	if len(v.aborted) > pruneAborted {
		first := v.j.First()
		for seq := range v.aborted {
			if seq < first {
				delete(v.aborted, seq)
			}
		}
	}
	return nil
}

// settled advances and returns the settled position.
func (v *View) settled() (uint64, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if err := v.advance(); err != nil {
		v.err = err
		return v.position(), err
	}
	v.err = nil
	return v.position(), nil
}

// position is the settled position. Caller holds mu.
func (v *View) position() uint64 {
	pos := v.scanned
	for seq := range v.open {
		pos = min(pos, seq-1)
	}
	return pos
}

// Durable returns the settled position: every entry up to it is settled.
func (v *View) Durable() uint64 {
	pos, _ := v.settled()
	return pos
}

// First is the journal's first seq.
func (v *View) First() uint64 { return v.j.First() }

// WaitDurable waits until the settled position is past after and returns it.
func (v *View) WaitDurable(ctx context.Context, after uint64) (uint64, error) {
	for {
		pos, err := v.settled()
		if err != nil {
			return pos, err
		}
		if pos > after {
			return pos, nil
		}
		v.mu.Lock()
		scanned := v.scanned
		v.mu.Unlock()
		if _, err := v.j.WaitDurable(ctx, scanned); err != nil {
			return pos, err
		}
	}
}

var errStop = errors.New("settle: stop")

// Read delivers settled entries with seq >= from in order, like the
// journal's Read, skipping markers and presenting aborted calls as failed.
// maxEntries counts journal entries read (markers included).
func (v *View) Read(from uint64, maxEntries, maxBytes int, fn func(seq uint64, payload []byte) error) (uint64, error) {
	limit, err := v.settled()
	if err != nil {
		return from, err
	}
	if from > limit {
		return from, nil
	}
	next, err := v.j.Read(from, maxEntries, maxBytes, func(seq uint64, payload []byte) error {
		if seq > limit {
			return errStop
		}
		switch event.KindOf(payload) {
		case event.KindMarker:
			return nil
		case event.KindPending:
			v.mu.Lock()
			m, aborted := v.aborted[seq]
			v.mu.Unlock()
			if aborted {
				p, err := AbortedPayload(payload, m.Code, m.Message)
				if err != nil {
					return fmt.Errorf("settle: entry %d: %w", seq, err)
				}
				payload = p
			}
		}
		return fn(seq, payload)
	})
	if errors.Is(err, errStop) {
		return next, nil
	}
	return next, err
}

// Unsettled returns the pending entries whose marker is not durable, oldest
// first: after a crash, the calls recovery must resolve (Resolve).
func (v *View) Unsettled() ([]event.Entry, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if err := v.advance(); err != nil {
		return nil, err
	}
	out := make([]event.Entry, 0, len(v.open))
	for _, e := range v.open {
		out = append(out, e)
	}
	sort.Slice(out, func(i, k int) bool { return out[i].Seq < out[k].Seq })
	return out, nil
}

// CatchUp waits, at most timeout, until every entry durable in the journal
// now is settled (the calls in flight before it have their markers), and
// returns the settled position: how a reader that must see every call
// answered so far (LookupEvents' read-your-writes) gets there. It returns
// early, with a lower position, when the timeout ends first.
func (v *View) CatchUp(timeout time.Duration) uint64 {
	target := v.j.Durable()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	for {
		pos, err := v.settled()
		if err != nil || pos >= target {
			return pos
		}
		if _, err := v.WaitDurable(ctx, pos); err != nil {
			return v.Durable()
		}
	}
}
