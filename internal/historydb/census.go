package historydb

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
)

// A census is how often each key of one key column occurs in one
// partition: SELECT col, count(*) … GROUP BY col, built on a partition's
// first lookup by that column and rebuilt once the partition has grown by
// censusRegrow. Lookups size their probes from it so that one probe usually
// returns the whole page (lookup_census.go). It only sizes probes: a stale or
// truncated census costs an extra probe, never a wrong result, except the
// one exact use — a complete census of a partition that has not grown since
// (p.rows unchanged) proves a key absent, and the partition is skipped.

// Key columns with a census (low cardinality per partition). Event IDs are
// unique and the scope key is the partition's row count: those keep the
// density probes.
const (
	censusNone = iota // plan's zero value: no census
	censusEventName
	censusEventSource
	censusUsername
	censusAccessKeyID
	censusResource // rk_*.k: resource types, names and ARNs
	censusCols
)

// censusMax bounds a census: the most frequent censusMax keys are kept, the
// rest are assumed to occur as often as the least frequent kept one.
const censusMax = 2048

// censusRegrow: rebuild once the partition has more than rows + rows/8 +
// 64 rows (a live partition is recounted every ~12% of growth).
func censusStale(c *census, rows int64) bool {
	return rows > c.rows+c.rows/8+64
}

type census struct {
	rows   int64 // partition rows it counts (at least)
	counts map[int64]int32
	floor  int32 // count assumed for a key not in counts; 0 when complete
}

// partitionCensus holds a partition's censuses; built lazily, one build at a
// time per partition.
type partitionCensus struct {
	mu   sync.Mutex
	cols [censusCols]atomic.Pointer[census]
}

// estimate returns how many rows of p hold key in the plan's column and
// whether p provably holds none. ok is false when the column has no census.
func (h *History) estimate(ctx context.Context, p *partition, pl plan) (n float64, none, ok bool, err error) {
	if pl.census == censusNone {
		return 0, false, false, nil
	}
	rows := p.rows.Load()
	c := p.census.cols[pl.census].Load()
	if c == nil || censusStale(c, rows) {
		if c, err = h.buildCensus(ctx, p, pl); err != nil {
			return 0, false, false, err
		}
		rows = p.rows.Load()
	}
	cnt, found := c.counts[pl.key]
	if !found {
		cnt = c.floor
	}
	if cnt == 0 && rows == c.rows {
		return 0, true, true, nil
	}
	n = float64(max(cnt, 1))
	if c.rows > 0 && rows > c.rows {
		n *= float64(rows) / float64(c.rows)
	}
	return n, false, true, nil
}

func (h *History) buildCensus(ctx context.Context, p *partition, pl plan) (*census, error) {
	pc := &p.census
	pc.mu.Lock()
	defer pc.mu.Unlock()
	// p.rows counts committed rows only (Apply adds after COMMIT), so the
	// query's snapshot, taken after this load, holds at least these rows.
	rows := p.rows.Load()
	if c := pc.cols[pl.census].Load(); c != nil && !censusStale(c, rows) {
		return c, nil // built while we waited
	}
	col := quoteIdent(pl.keyCol)
	q := fmt.Sprintf("SELECT %s, count(*) AS n FROM %s WHERE %s IS NOT NULL GROUP BY 1 ORDER BY n DESC LIMIT %d",
		col, quoteIdent(pl.table(p)), col, censusMax+1)
	res, err := h.db.QueryContext(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("census of %s.%s: %w", pl.table(p), pl.keyCol, err)
	}
	c := &census{rows: rows, counts: make(map[int64]int32)}
	for res.Next() {
		var k, n int64
		if err := res.Scan(&k, &n); err != nil {
			res.Close()
			return nil, fmt.Errorf("census of %s.%s: %w", pl.table(p), pl.keyCol, err)
		}
		if len(c.counts) == censusMax {
			c.floor = int32(min(n, 1<<30))
			break
		}
		c.counts[k] = int32(min(n, 1<<30))
	}
	if err := errors.Join(res.Err(), res.Close()); err != nil {
		return nil, fmt.Errorf("census of %s.%s: %w", pl.table(p), pl.keyCol, err)
	}
	pc.cols[pl.census].Store(c)
	return c, nil
}
