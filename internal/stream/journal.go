package stream

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cairn-audit/cairn/internal/event"
	"github.com/cairn-audit/cairn/internal/journal"
	"github.com/cairn-audit/cairn/internal/settle"
)

// Raw is the local journal the journal-backed stream reads and trims
// (*journal.Journal).
type Raw interface {
	settle.Journal
	TrimBefore(seq uint64) (int, error)
}

// Journal is the journal-backed Source: the local journal read through its
// settled view (internal/settle), with the consumer registry that decides
// what TrimBefore may delete. Safe for concurrent use.
type Journal struct {
	raw  Raw
	view *settle.View
	reg  Registry
}

var _ Source = (*Journal)(nil)

// Open returns the stream of j, classifying its pending entries.
func Open(j Raw) (*Journal, error) {
	v, err := settle.Open(j)
	if err != nil {
		return nil, fmt.Errorf("stream: settle journal: %w", err)
	}
	return &Journal{raw: j, view: v}, nil
}

// First implements Source.
func (s *Journal) First() uint64 { return s.view.First() }

// Settled implements Source.
func (s *Journal) Settled() uint64 { return s.view.Durable() }

// Wait implements Source.
func (s *Journal) Wait(ctx context.Context, after uint64) (uint64, error) {
	pos, err := s.view.WaitDurable(ctx, after)
	return pos, trimmed(err)
}

// Read implements Source.
func (s *Journal) Read(from uint64, maxEntries, maxBytes int, fn func(seq uint64, payload []byte) error) (uint64, error) {
	next, err := s.view.Read(from, maxEntries, maxBytes, fn)
	return next, trimmed(err)
}

// Consumer implements Source.
func (s *Journal) Consumer(name string) *Cursor {
	first := s.First()
	if first > 0 {
		first--
	}
	return s.reg.Consumer(name, first)
}

// Consumers is the stream's registry of consumers.
func (s *Journal) Consumers() *Registry { return &s.reg }

// CatchUp waits until the calls in flight now are settled (see stream.CatchUp).
func (s *Journal) CatchUp(timeout time.Duration) uint64 { return s.view.CatchUp(timeout) }

// Unsettled returns the pending entries without a durable marker, oldest
// first: the calls recovery resolves after a crash.
func (s *Journal) Unsettled() ([]event.Entry, error) { return s.view.Unsettled() }

func trimmed(err error) error {
	if err != nil && errors.Is(err, journal.ErrTrimmed) && !errors.Is(err, ErrTrimmed) {
		return fmt.Errorf("%w: %w", ErrTrimmed, err)
	}
	return err
}
