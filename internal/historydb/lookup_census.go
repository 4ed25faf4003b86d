package historydb

import (
	"context"
	"time"
)

// Census-sized probes (census.go). A probe's cost is mostly fixed —
// planning the statement and scanning each partition's key column, which
// zone maps do not prune inside a day — while top-N costs ~60 ns per row
// that passes. So a probe is sized from each partition's count of the key
// to return the rows still needed, and one probe usually returns the page:
// whole partitions count exactly; a probe that ends inside a partition
// (its rows assumed spread evenly over its time range) takes censusSlack×
// the time its share of the rows should need.
const (
	censusSlack    = 3
	censusMaxGroup = 32 // partitions per probe statement
)

// findKeysCensus is findKeys for plans with a census column.
func (h *History) findKeysCensus(ctx context.Context, pl plan, cands []*partition, lo, hi time.Time, after *Cursor, need int) ([]rowKey, error) {
	var out []rowKey
	cur, ci := hi, 0
	for len(out) < need {
		for ci < len(cands) && cands[ci].start.After(cur) {
			ci++
		}
		if ci == len(cands) || cur.Before(lo) {
			break
		}
		want := float64(need - len(out))
		var group []*partition
		plo, expect := cur, 0.0
		if c := cands[ci].end.Add(-time.Microsecond); c.Before(cur) {
			cur = c // the newest instant a candidate covers
		}
		for ; ci < len(cands) && expect < want && len(group) < censusMaxGroup; ci++ {
			p := cands[ci]
			top := minTime2(cur, p.end.Add(-time.Microsecond))
			bottom := maxTime2(lo, p.start)
			if top.Before(bottom) {
				continue
			}
			n, none, _, err := h.estimate(ctx, p, pl)
			if err != nil {
				return nil, err
			}
			plo = bottom
			if none {
				continue // provably without the key: skipped, not scanned
			}
			span := top.Sub(bottom) + time.Microsecond
			rate := n / float64(h.width) // rows per nanosecond
			have := rate * float64(span)
			if expect+have > want {
				// The page ends in p: assume its rows evenly spread, with slack.
				d := max(time.Duration(censusSlack*(want-expect)/rate), time.Second)
				if d < span {
					plo = top.Add(-d + time.Microsecond)
					have = want - expect
				}
			}
			group = append(group, p)
			expect += have
			if plo.After(bottom) {
				break // the window ends inside p: the next probe starts in p
			}
		}
		if len(group) > 0 {
			if probeObserver != nil {
				probeObserver(len(group), plo, cur)
			}
			got, err := h.probe(ctx, pl, group, plo, cur, after, need-len(out))
			if err != nil {
				return nil, err
			}
			out = append(out, got...)
		}
		cur = plo.Add(-time.Microsecond)
	}
	return out, nil
}

func minTime2(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
