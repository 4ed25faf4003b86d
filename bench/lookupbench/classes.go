package main

import (
	"fmt"
	"time"

	"github.com/cairn-audit/cairn/bench/historygen/synth"
	"github.com/cairn-audit/cairn/internal/historydb"
)

// Samples and ValueCount are historygen's sample file.
type (
	Samples    = synth.Samples
	ValueCount = synth.ValueCount
)

// class is a named set of queries run round-robin.
type class struct {
	name    string
	queries []historydb.Query
}

// classes builds the query classes from the samples: plain time windows,
// then every attribute with common and rare values over the full history.
func classes(s *Samples, limit int) []class {
	base := historydb.Query{Account: s.Account, Region: s.Region, Start: s.First, End: s.Last, Limit: limit}
	window := func(d time.Duration) historydb.Query {
		q := base
		q.Start = s.Last.Add(-d)
		return q
	}
	mid := base
	mid.After = &historydb.Cursor{Time: s.First.Add(s.Last.Sub(s.First) / 2), Seq: ^uint64(0) >> 1}
	out := []class{
		{"time: last hour", []historydb.Query{window(time.Hour)}},
		{"time: last day", []historydb.Query{window(24 * time.Hour)}},
		{"time: full history", []historydb.Query{base}},
		{"time: full, page at mid-history", []historydb.Query{mid}},
	}
	attr := func(name string, a historydb.AttrKey, vcs []ValueCount, max int) {
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
	for _, a := range []historydb.AttrKey{historydb.AttrEventName, historydb.AttrUsername, historydb.AttrAccessKeyID, historydb.AttrEventSource, historydb.AttrResourceType, historydb.AttrResourceName} {
		attr(fmt.Sprintf("%s common", a), a, s.Common[string(a)], 3)
		attr(fmt.Sprintf("%s rare", a), a, s.Rare[string(a)], 10)
	}
	ro := s.Common["ReadOnly"]
	for _, vc := range ro {
		attr("ReadOnly="+vc.Value, historydb.AttrReadOnly, []ValueCount{vc}, 1)
	}
	attr("EventId", historydb.AttrEventID, s.Rare["EventId"], 100)
	return out
}
