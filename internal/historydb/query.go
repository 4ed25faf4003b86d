package historydb

import (
	"errors"
	"fmt"
	"time"

	"github.com/cairn-audit/cairn/internal/event"
	"github.com/cairn-audit/cairn/internal/history"
)

// MaxLimit is the largest Query.Limit accepted.
const MaxLimit = 1000

// ErrInvalidQuery is wrapped by Lookup's errors for malformed queries.
var ErrInvalidQuery = errors.New("store: invalid query")

// Cursor, Query and AttrKey are Event history's query model
// (internal/history); this package is one backend of history.Store.
type (
	Cursor  = history.Cursor
	Query   = history.Query
	AttrKey = history.AttrKey
)

// Bounds for unbounded queries, within DuckDB's TIMESTAMP range.
var (
	minTime = time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)
	maxTime = time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC)
)

// plan is how a query selects rows.
type plan struct {
	key       int64 // filter key and value of keyCol
	resources bool  // keyCol is in the resource-keys table
	keyCol    string
	readOnly  *bool
	census    int // census column of keyCol (census.go), censusNone if none
}

func (p plan) table(pt *partition) string {
	if p.resources {
		return pt.resKeys
	}
	return pt.events
}

func queryPlan(q *Query) (plan, error) {
	if q.Account == "" || q.Region == "" {
		return plan{}, fmt.Errorf("%w: account and region are required", ErrInvalidQuery)
	}
	if q.Limit < 1 || q.Limit > MaxLimit {
		return plan{}, fmt.Errorf("%w: limit %d not in 1..%d", ErrInvalidQuery, q.Limit, MaxLimit)
	}
	if q.Attr != AttrNone && q.Value == "" {
		return plan{}, fmt.Errorf("%w: empty value for %s", ErrInvalidQuery, q.Attr)
	}
	a, r := q.Account, q.Region
	switch q.Attr {
	case AttrNone:
		return plan{key: attrKey(a, r, AttrNone, ""), keyCol: "k_scope"}, nil
	case AttrReadOnly:
		var ro bool
		switch q.Value {
		case "true":
			ro = true
		case "false":
		default:
			return plan{}, fmt.Errorf("%w: ReadOnly value %q is not true or false", ErrInvalidQuery, q.Value)
		}
		return plan{key: attrKey(a, r, AttrNone, ""), keyCol: "k_scope", readOnly: &ro}, nil
	case AttrEventID:
		return plan{key: attrKey(a, r, q.Attr, q.Value), keyCol: "k_event_id"}, nil
	case AttrEventName:
		return plan{key: attrKey(a, r, q.Attr, q.Value), keyCol: "k_event_name", census: censusEventName}, nil
	case AttrEventSource:
		return plan{key: attrKey(a, r, q.Attr, q.Value), keyCol: "k_event_source", census: censusEventSource}, nil
	case AttrUsername:
		return plan{key: attrKey(a, r, q.Attr, q.Value), keyCol: "k_username", census: censusUsername}, nil
	case AttrAccessKeyID:
		return plan{key: attrKey(a, r, q.Attr, q.Value), keyCol: "k_access_key_id", census: censusAccessKeyID}, nil
	case AttrResourceType, AttrResourceName:
		return plan{key: attrKey(a, r, q.Attr, q.Value), keyCol: "k", resources: true, census: censusResource}, nil
	}
	return plan{}, fmt.Errorf("%w: unknown attribute %q", ErrInvalidQuery, q.Attr)
}

// bounds returns the inclusive time range the query covers, at the
// microsecond precision rows are stored with.
func queryBounds(q *Query) (lo, hi time.Time) {
	lo, hi = minTime, maxTime
	if !q.Start.IsZero() {
		lo = q.Start.UTC()
		if t := lo.Truncate(time.Microsecond); !t.Equal(lo) {
			lo = t.Add(time.Microsecond)
		}
	}
	if !q.End.IsZero() {
		hi = storedTime(q.End)
	}
	if q.After != nil {
		if t := storedTime(q.After.Time); t.Before(hi) {
			hi = t
		}
	}
	return lo, hi
}

// matches is the exact check behind the hash filters: it rejects rows whose
// keys merely collide with the query's.
func queryMatches(q *Query, e *event.Entry, lo, hi time.Time) bool {
	m := &e.Meta
	if m.Account != q.Account || m.Region != q.Region || m.Time.Before(lo) || m.Time.After(hi) {
		return false
	}
	if a := q.After; a != nil && !before(m.Time, e.Seq, storedTime(a.Time), a.Seq) {
		return false
	}
	return history.MatchesAttr(*q, m)
}

// before reports whether (t, seq) comes after (ct, cseq) in result order,
// i.e. is older.
func before(t time.Time, seq uint64, ct time.Time, cseq uint64) bool {
	return t.Before(ct) || (t.Equal(ct) && seq < cseq)
}
