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
	// Account and Region scope the lookup: events are visible only to their
	// account, in their region. Both are required.
	Account, Region string
	// Attr and Value are the optional lookup attribute. Matches are exact and
	// case-sensitive; ReadOnly values are "true" or "false"; ResourceName
	// matches a resource's name or its ARN.
	Attr  AttrKey
	Value string
	// Start and End are inclusive bounds on event time; a zero value leaves
	// that side unbounded.
	Start, End time.Time
	// After, if set, keeps only events strictly after this position in the
	// result order (the last event of the previous page).
	After *Cursor
	// Limit is the page size.
	Limit int
}

// Sink is what the indexer writes to. Apply is atomic: rows and cursor move
// together. Entries at or below the cursor are re-deliveries and are skipped,
// so applying a batch twice never duplicates an event.
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
