// Package history is Event history: the consumer that indexes the durable
// event stream into the history store, and the query model LookupEvents uses.
package history

import (
	"context"
	"time"

	"github.com/cairn-audit/cairn/internal/event"
)

// AttrKey is a LookupEvents lookup attribute.
type AttrKey string

// The eight lookup attributes.
const (
	AttrNone         AttrKey = ""
	AttrEventID      AttrKey = "EventId"
	AttrEventName    AttrKey = "EventName"
	AttrReadOnly     AttrKey = "ReadOnly"
	AttrUsername     AttrKey = "Username"
	AttrResourceType AttrKey = "ResourceType"
	AttrResourceName AttrKey = "ResourceName"
	AttrEventSource  AttrKey = "EventSource"
	AttrAccessKeyID  AttrKey = "AccessKeyId"
)

// AttrKeys lists the valid attributes.
var AttrKeys = []AttrKey{AttrEventID, AttrEventName, AttrReadOnly, AttrUsername, AttrResourceType, AttrResourceName, AttrEventSource, AttrAccessKeyID}

// Cursor is a position in the newest-first result order.
type Cursor struct {
	Time time.Time
	Seq  uint64
}

// Query selects events of one account and region, newest first
// (event time descending, then sequence descending).
type Query struct {
	Account, Region string
	Attr            AttrKey
	Value           string
	Start, End      time.Time // inclusive
	After           *Cursor   // only events strictly after this position
	Limit           int
}

// Sink is what the indexer writes to. Apply is atomic: rows and cursor move together.
type Sink interface {
	Cursor(ctx context.Context) (uint64, error)
	Apply(ctx context.Context, entries []event.Entry, through uint64) error
}

// Store holds indexed history.
type Store interface {
	Sink
	Lookup(ctx context.Context, q Query) ([]event.Entry, error)
	Expire(ctx context.Context, before time.Time) (int, error)
}
