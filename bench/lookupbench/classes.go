package main

import (
	"fmt"
	"time"

	"github.com/cairn-audit/cairn/bench/historygen/synth"
	"github.com/cairn-audit/cairn/internal/store"
)

// Samples and ValueCount are historygen's sample file.
type (
	Samples    = synth.Samples
	ValueCount = synth.ValueCount
)

// class is a named set of queries run round-robin.
type class struct {
	name    string
	queries []store.Query
}

// classes builds the query classes from the samples: plain time windows,
// then every attribute with common and rare values over the full history.
func classes(s *Samples, limit int) []class {
	base := store.Query{Account: s.Account, Region: s.Region, Start: s.First, End: s.Last, Limit: limit}
	window := func(d time.Duration) store.Query {
		q := base
		q.Start = s.Last.Add(-d)
		return q
	}
	mid := base
	mid.After = &store.Cursor{Time: s.First.Add(s.Last.Sub(s.First) / 2), Seq: ^uint64(0) >> 1}
	out := []class{
		{"time: last hour", []store.Query{window(time.Hour)}},
		{"time: last day", []store.Query{window(24 * time.Hour)}},
		{"time: full history", []store.Query{base}},
		{"time: full, page at mid-history", []store.Query{mid}},
	}
	attr := func(name string, a store.AttrKey, vcs []ValueCount, max int) {
		c := class{name: name}
		for i, vc := range vcs {
			if i == max {
				break
			}
			q := base
			q.Attr, q.Value = a, vc.Value
			c.queries = append(c.queries, q)
		}
		if len(c.queries) > 0 {
			out = append(out, c)
		}
	}
	for _, a := range []store.AttrKey{store.AttrEventName, store.AttrUsername, store.AttrAccessKeyID, store.AttrEventSource, store.AttrResourceType, store.AttrResourceName} {
		attr(fmt.Sprintf("%s common", a), a, s.Common[string(a)], 3)
		attr(fmt.Sprintf("%s rare", a), a, s.Rare[string(a)], 10)
	}
	ro := s.Common["ReadOnly"]
	for _, vc := range ro {
		attr("ReadOnly="+vc.Value, store.AttrReadOnly, []ValueCount{vc}, 1)
	}
	attr("EventId", store.AttrEventID, s.Rare["EventId"], 100)
	return out
}
