package stream_test

import (
	"context"
	"testing"
	"time"

	"github.com/cairn-audit/cairn/internal/event"
	"github.com/cairn-audit/cairn/internal/journal"
	"github.com/cairn-audit/cairn/internal/stream"
	"github.com/cairn-audit/cairn/internal/stream/streamtest"
)

// The journal-backed stream meets the contract.
func TestJournalContract(t *testing.T) {
	streamtest.Run(t, func(t *testing.T) streamtest.Harness {
		opts := journal.DefaultOptions()
		opts.SegmentSize = 4 << 10 // small segments: retention deletes some
		j, err := journal.Open(t.TempDir(), opts)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { j.Close() })
		s, err := stream.Open(j)
		if err != nil {
			t.Fatal(err)
		}
		appendEntry := func(name string, pending bool) uint64 {
			e := event.Entry{Meta: event.Meta{Time: time.Now().UTC(), EventID: name, Pending: pending}, Record: []byte(`{"eventID":"` + name + `"}`)}
			b, err := e.MarshalBinary()
			if err != nil {
				t.Fatal(err)
			}
			seq, err := j.Append(context.Background(), b)
			if err != nil {
				t.Fatal(err)
			}
			return seq
		}
		return streamtest.Harness{
			Source: s,
			Append: func(name string) uint64 { return appendEntry(name, false) },
			AppendPending: func(name string) (uint64, func()) {
				seq := appendEntry(name, true)
				return seq, func() {
					m := event.Marker{Seq: seq, Outcome: event.Committed}
					b, _ := m.MarshalBinary()
					if _, err := j.Append(context.Background(), b); err != nil {
						t.Fatal(err)
					}
				}
			},
			Name: func(p []byte) string {
				var e event.Entry
				if err := e.UnmarshalBinary(p); err != nil {
					t.Fatal(err)
				}
				return e.Meta.EventID
			},
			Trim: func() error { _, err := s.Trim(); return err },
			Fill: 1000,
		}
	})
}
