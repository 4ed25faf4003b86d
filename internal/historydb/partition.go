package historydb

import (
	"slices"
	"sync/atomic"
	"time"
)

// partition is one time partition: an events table and a resource-keys
// table covering [start, end), and the filter of keys present in them.
type partition struct {
	name    string // suffix shared by both tables, from start
	events  string // events table name
	resKeys string // resource-keys table name
	start   time.Time
	end     time.Time
	filter  *keyFilter
	log     *recordLog
	rows    atomic.Int64 // committed rows, an estimate for probe sizing
	census  partitionCensus
	dirty   bool // filter changed since last saved; guarded by History.wmu
}

func newPartition(start time.Time, width time.Duration, filter *keyFilter) *partition {
	name := partitionName(start)
	return &partition{
		name:    name,
		events:  eventsPrefix + name,
		resKeys: resKeysPrefix + name,
		start:   start.UTC(),
		end:     start.Add(width).UTC(),
		filter:  filter,
	}
}

// overlaps reports whether the partition holds any instant of [lo, hi].
func (p *partition) overlaps(lo, hi time.Time) bool {
	return p.end.After(lo) && !p.start.After(hi)
}

// partitionStart is the start of the epoch-aligned partition holding t.
func partitionStart(t time.Time, width time.Duration) time.Time {
	w := int64(width / time.Second)
	s := t.Unix()
	q := s / w
	if s%w < 0 {
		q--
	}
	return time.Unix(q*w, 0).UTC()
}

// partitionSet is an immutable, start-ordered list of partitions; writers
// publish a new set, readers load the current one.
type partitionSet struct {
	parts []*partition
}

func (s *partitionSet) find(start time.Time) *partition {
	i, ok := slices.BinarySearchFunc(s.parts, start, func(p *partition, t time.Time) int { return p.start.Compare(t) })
	if !ok {
		return nil
	}
	return s.parts[i]
}

// with returns a set that also holds ps.
func (s *partitionSet) with(ps ...*partition) *partitionSet {
	n := &partitionSet{parts: append(slices.Clip(s.parts), ps...)}
	slices.SortFunc(n.parts, func(a, b *partition) int { return a.start.Compare(b.start) })
	return n
}

// without returns a set without the partitions in drop.
func (s *partitionSet) without(drop []*partition) *partitionSet {
	n := &partitionSet{}
	for _, p := range s.parts {
		if !slices.Contains(drop, p) {
			n.parts = append(n.parts, p)
		}
	}
	return n
}
