package historydb

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/cairn-audit/cairn/internal/event"
)

// Probe sizing. DuckDB's top-N reads every row that passes the filter
// (about 60ns a row in 1.1), so a lookup probes backwards in time windows
// sized to return about what it needs: the first window expects
// probeSlack×need rows at the newest partition's overall density; each
// next window grows by the observed shortfall, between probeGrowMin and
// probeGrowMax times.
const (
	probeSlack   = 8
	probeGrowMin = 2
	probeGrowMax = 16
)

// probeObserver, if set (tests), sees each probe's partition count and
// time range.
var probeObserver func(parts int, lo, hi time.Time)

// rowKey is a phase-one result: a row's position in the result order and
// where its entry is.
type rowKey struct {
	t      time.Time
	seq    uint64
	p      *partition
	recOff int64
	recLen int
}

// Lookup returns up to q.Limit events matching q, newest first (event time
// descending, then seq descending).
func (h *History) Lookup(ctx context.Context, q Query) ([]event.Entry, error) {
	if h.closed.Load() {
		return nil, ErrClosed
	}
	q.Account, q.Region, q.Value = validUTF8(q.Account), validUTF8(q.Region), validUTF8(q.Value)
	pl, err := queryPlan(&q)
	if err != nil {
		return nil, err
	}
	lo, hi := queryBounds(&q)
	if hi.Before(lo) {
		return nil, nil
	}
	if err := h.ready(ctx); err != nil {
		return nil, fmt.Errorf("store: lookup: %w", err)
	}
	h.dropMu.RLock()
	defer h.dropMu.RUnlock()
	if h.closed.Load() {
		return nil, ErrClosed
	}
	if down := h.re.Down(); down != nil {
		return nil, fmt.Errorf("store: lookup: %w", down)
	}
	cands, rare := candidates(h.parts.Load(), pl.key, lo, hi)
	if len(cands) == 0 {
		return nil, nil
	}
	out := make([]event.Entry, 0, q.Limit)
	after := q.After
	for len(out) < q.Limit {
		need := q.Limit - len(out)
		var keys []rowKey
		if pl.census != censusNone {
			keys, err = h.findKeysCensus(ctx, pl, cands, lo, hi, after, need)
		} else {
			keys, err = h.findKeys(ctx, pl, cands, rare, lo, hi, after, need)
		}
		if err != nil {
			return nil, fmt.Errorf("store: lookup: %w", err)
		}
		if len(keys) == 0 {
			break
		}
		entries, err := fetch(keys)
		if err != nil {
			return nil, fmt.Errorf("store: lookup: %w", err)
		}
		for i := range entries {
			if queryMatches(&q, &entries[i], lo, hi) {
				out = append(out, entries[i])
			}
		}
		if len(keys) < need {
			break
		}
		// Some rows were hash collisions: continue after the last candidate.
		last := keys[len(keys)-1]
		after, hi = &Cursor{Time: last.t, Seq: last.seq}, last.t
	}
	return out, nil
}

// candidates returns, newest first, the partitions overlapping [lo, hi]
// whose filter may hold key, and whether the filters ruled out at least as
// many as they kept (the value is rare enough to scan candidates whole).
// One partition without the key (a server's newest partition holds mostly
// its own LookupEvents records) must not make a common value rare: whole
// partitions would send every one of its rows through top-N.
func candidates(set *partitionSet, key int64, lo, hi time.Time) ([]*partition, bool) {
	var out []*partition
	excluded := 0
	for i := len(set.parts) - 1; i >= 0; i-- {
		p := set.parts[i]
		if !p.overlaps(lo, hi) {
			continue
		}
		if !p.filter.mayContain(key) {
			excluded++
			continue
		}
		out = append(out, p)
	}
	return out, excluded > 0 && excluded >= len(out)
}

// findKeys returns the positions of up to need rows matching pl in [lo, hi]
// (strictly after `after`, if set), newest first, probing backwards.
func (h *History) findKeys(ctx context.Context, pl plan, cands []*partition, rare bool, lo, hi time.Time, after *Cursor, need int) ([]rowKey, error) {
	var out []rowKey
	window := initialWindow(cands[0], h.width, need)
	groupSize := 1
	cur, ci := hi, 0
	for len(out) < need {
		for ci < len(cands) && cands[ci].start.After(cur) {
			ci++
		}
		if ci == len(cands) {
			break
		}
		if last := cands[ci].end.Add(-time.Microsecond); last.Before(cur) {
			// Skip a stretch no candidate covers, and size the next probe by the
			// density of the partition we land in, not by the emptiness we crossed.
			cur = last
			window = initialWindow(cands[ci], h.width, need-len(out))
		}
		if cur.Before(lo) {
			break
		}
		var group []*partition
		var plo time.Time
		if rare {
			group = cands[ci:min(ci+groupSize, len(cands))]
			plo = maxTime2(lo, group[len(group)-1].start)
			groupSize *= 2
		} else {
			plo = maxTime2(lo, cur.Add(-window+time.Microsecond))
			for j := ci; j < len(cands) && cands[j].end.After(plo); j++ {
				group = append(group, cands[j])
			}
		}
		if probeObserver != nil {
			probeObserver(len(group), plo, cur)
		}
		got, err := h.probe(ctx, pl, group, plo, cur, after, need-len(out))
		if err != nil {
			return nil, err
		}
		out = append(out, got...)
		window = nextWindow(window, len(got), need-len(out)+len(got))
		cur = plo.Add(-time.Microsecond)
		if len(got) == 0 {
			// Sparse here: take at least the rest of the next partition.
			window = max(window, cur.Sub(partitionStart(cur, h.width))+time.Microsecond)
		}
	}
	return out, nil
}

func initialWindow(newest *partition, width time.Duration, need int) time.Duration {
	rows := max(newest.rows.Load(), 1)
	w := time.Duration(float64(width) * float64(probeSlack*need) / float64(rows))
	return min(max(w, time.Second), width)
}

// nextWindow sizes the next probe from the last one, which found got of
// the wanted rows.
func nextWindow(w time.Duration, got, wanted int) time.Duration {
	growth := float64(probeGrowMax)
	if got > 0 {
		growth = min(max(2*float64(wanted-got)/float64(got), probeGrowMin), probeGrowMax)
	}
	if next := time.Duration(float64(w) * growth); next > 0 {
		return next
	}
	return maxTime.Sub(minTime)
}

func maxTime2(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// probe runs phase one over group: the newest limit matching rows with
// event time in [lo, hi], as keys.
func (h *History) probe(ctx context.Context, pl plan, group []*partition, lo, hi time.Time, after *Cursor, limit int) ([]rowKey, error) {
	extra := ""
	if pl.readOnly != nil {
		extra += fmt.Sprintf(" AND read_only = %t", *pl.readOnly)
	}
	if after != nil {
		extra += fmt.Sprintf(" AND (event_time < %s OR seq < %d)", tsLit(storedTime(after.Time)), after.Seq)
	}
	var b strings.Builder
	for i, p := range group {
		if i > 0 {
			b.WriteString(" UNION ALL ")
		}
		fmt.Fprintf(&b, "SELECT event_time, seq, rec_off, rec_len, %d AS p FROM %s WHERE %s = %d AND event_time BETWEEN %s AND %s%s",
			i, quoteIdent(pl.table(p)), pl.keyCol, pl.key, tsLit(lo), tsLit(hi), extra)
	}
	fmt.Fprintf(&b, " ORDER BY event_time DESC, seq DESC LIMIT %d", limit)
	rows, err := h.db.QueryContext(ctx, b.String())
	if err != nil {
		return nil, fmt.Errorf("probe %s..%s: %w", lo.Format(time.RFC3339), hi.Format(time.RFC3339), err)
	}
	var out []rowKey
	for rows.Next() {
		var k rowKey
		var pi, n int32
		if err := rows.Scan(&k.t, &k.seq, &k.recOff, &n, &pi); err != nil {
			rows.Close()
			return nil, fmt.Errorf("probe: %w", err)
		}
		k.p, k.recLen = group[pi], int(n)
		out = append(out, k)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return nil, fmt.Errorf("probe: %w", err)
	}
	return out, nil
}

// fetch runs phase two: the entries of keys, in order, from the record logs.
func fetch(keys []rowKey) ([]event.Entry, error) {
	out := make([]event.Entry, len(keys))
	for i, k := range keys {
		e, err := k.p.log.read(k.recOff, k.recLen)
		if err != nil {
			return nil, fmt.Errorf("fetch seq %d: %w", k.seq, err)
		}
		e.Seq, e.Meta.Time = k.seq, k.t.UTC()
		out[i] = e
	}
	return out, nil
}

// tsLit renders t as a TIMESTAMP literal. Lookups inline their constants
// (integers and timestamps formatted here, never input strings): binding
// parameters costs go-duckdb a prepare and bind round trip per query (about
// 0.1 ms of a 0.4 ms probe), and the statement text changes with the
// partitions a probe covers, so prepared statements would rarely be reused.
func tsLit(t time.Time) string {
	return "TIMESTAMP '" + t.UTC().Format("2006-01-02 15:04:05.999999") + "'"
}
