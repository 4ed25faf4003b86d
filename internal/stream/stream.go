package stream

import (
	"context"
	"errors"
	"time"
)

// ErrTrimmed reports a read below the stream's first retained position.
var ErrTrimmed = errors.New("stream: position trimmed")

// Source is the stream a consumer reads (see the package doc for the contract).
type Source interface {
	// First is the lowest readable seq (1 for a stream never trimmed).
	First() uint64
	// Settled is the settled position: entries at or below it are durable and settled.
	Settled() uint64
	// Wait returns the settled position once it is past after.
	Wait(ctx context.Context, after uint64) (uint64, error)
	// Read hands over settled entries with seq >= from, at most maxEntries
	// (0: no limit) and about maxBytes, and returns the next seq to read.
	Read(from uint64, maxEntries, maxBytes int, fn func(seq uint64, payload []byte) error) (next uint64, err error)
	// Consumer returns the cursor of the named consumer, registering it at
	// First()-1 the first time.
	Consumer(name string) *Cursor
}

// catchUp is a Source whose Settled lags the calls in flight.
type catchUp interface {
	CatchUp(timeout time.Duration) uint64
}

// CatchUp waits, at most timeout, until every call answered so far is
// settled, and returns the settled position (lower if the timeout ends
// first): read-your-writes for LookupEvents. A Source without calls in
// flight answers Settled().
func CatchUp(s Source, timeout time.Duration) uint64 {
	if c, ok := s.(catchUp); ok {
		return c.CatchUp(timeout)
	}
	return s.Settled()
}
