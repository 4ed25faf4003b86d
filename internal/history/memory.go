package history

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/cairn-audit/cairn/internal/event"
)

// Memory is an in-memory Store with the same semantics as the DuckDB store.
// It backs tests of everything upstream of the store.
type Memory struct {
	mu      sync.RWMutex
	cursor  uint64
	entries []event.Entry // sorted newest first
}

// NewMemory returns an empty in-memory store.
func NewMemory() *Memory { return &Memory{} }

// Cursor implements Store.
func (m *Memory) Cursor(context.Context) (uint64, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.cursor, nil
}

// Apply implements Store.
func (m *Memory) Apply(_ context.Context, entries []event.Entry, through uint64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if through < m.cursor {
		return fmt.Errorf("apply through %d: behind cursor %d", through, m.cursor)
	}
	for _, e := range entries {
		if e.Seq > through {
			return fmt.Errorf("apply through %d: entry %d is beyond it", through, e.Seq)
		}
	}
	for _, e := range entries {
		if e.Seq > m.cursor { // at or below the cursor: a re-delivery, already applied
			m.entries = append(m.entries, e)
		}
	}
	sort.SliceStable(m.entries, func(i, j int) bool { return Less(m.entries[j], m.entries[i]) })
	m.cursor = through
	return nil
}

// Less orders entries oldest first: by event time, then sequence.
func Less(a, b event.Entry) bool {
	if !a.Meta.Time.Equal(b.Meta.Time) {
		return a.Meta.Time.Before(b.Meta.Time)
	}
	return a.Seq < b.Seq
}

// Lookup implements Store.
func (m *Memory) Lookup(_ context.Context, q Query) ([]event.Entry, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	var out []event.Entry
	for _, e := range m.entries {
		if len(out) == q.Limit {
			break
		}
		if Matches(q, e) {
			out = append(out, e)
		}
	}
	return out, nil
}

// Matches reports whether e satisfies q (the reference semantics of a lookup).
func Matches(q Query, e event.Entry) bool {
	m := &e.Meta
	if m.Account != q.Account || m.Region != q.Region || m.Time.Before(q.Start) || !q.End.IsZero() && m.Time.After(q.End) {
		return false
	}
	if q.After != nil && !Less(e, event.Entry{Seq: q.After.Seq, Meta: event.Meta{Time: q.After.Time}}) {
		return false
	}
	return MatchesAttr(q, &e.Meta)
}

// MatchesAttr reports whether m satisfies q's lookup attribute: the one
// definition of attribute matching every Store backend uses.
func MatchesAttr(q Query, m *event.Meta) bool {
	switch q.Attr {
	case AttrNone:
		return true
	case AttrEventID:
		return m.EventID == q.Value
	case AttrEventName:
		return m.EventName == q.Value
	case AttrReadOnly:
		return strconv.FormatBool(m.ReadOnly) == q.Value
	case AttrUsername:
		return m.Username == q.Value
	case AttrEventSource:
		return m.EventSource == q.Value
	case AttrAccessKeyID:
		return m.AccessKeyID == q.Value
	case AttrResourceType, AttrResourceName:
		for _, r := range m.Resources {
			if q.Attr == AttrResourceType && r.Type == q.Value || q.Attr == AttrResourceName && (r.Name == q.Value || r.ARN == q.Value) {
				return true
			}
		}
	}
	return false
}

// Expire implements Store: it drops every event older than before.
func (m *Memory) Expire(_ context.Context, before time.Time) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	kept := m.entries[:0]
	for _, e := range m.entries {
		if !e.Meta.Time.Before(before) {
			kept = append(kept, e)
		}
	}
	n := len(m.entries) - len(kept)
	m.entries = kept
	return n, nil
}
