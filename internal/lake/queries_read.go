package lake

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"time"
)

// ErrResultOffset is a results page starting past the query's last row.
var ErrResultOffset = errors.New("lake: results offset past the last row")

// lookup returns the account's query, or ErrQueryNotFound (another
// account's query is not found either).
func (q *Queries) lookup(account, id string) (*query, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	qr, ok := q.queries[id]
	if !ok || qr.info.Account != account {
		return nil, fmt.Errorf("%w: %s", ErrQueryNotFound, id)
	}
	return qr, nil
}

// Describe returns the account's query.
func (q *Queries) Describe(account, id string) (QueryInfo, error) {
	qr, err := q.lookup(account, id)
	if err != nil {
		return QueryInfo{}, err
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	return qr.info.clone(), nil
}

// Results returns the account's query and up to limit of its result rows
// from row `from` on. Only FINISHED and TIMED_OUT queries have rows; from
// past the last row is ErrResultOffset.
func (q *Queries) Results(account, id string, from int64, limit int) (QueryInfo, [][]Value, error) {
	info, err := q.Describe(account, id)
	if err != nil {
		return QueryInfo{}, nil, err
	}
	if !info.HasResults() {
		return info, nil, nil
	}
	if from < 0 || from > info.Rows {
		return QueryInfo{}, nil, fmt.Errorf("%w: row %d of %d", ErrResultOffset, from, info.Rows)
	}
	rows, err := readRows(q.queryDir(id), from, info.Rows, limit)
	if err != nil {
		return QueryInfo{}, nil, fmt.Errorf("query %s: %w", id, err)
	}
	return info, rows, nil
}

// ListFilter selects queries for List; zero members select all.
type ListFilter struct {
	Store  string    // ID of a store the query reads
	Start  time.Time // created at or after
	End    time.Time // created at or before
	Status string
}

// List returns the account's queries created within the retention window
// that match f, oldest first.
func (q *Queries) List(account string, f ListFilter) []QueryInfo {
	since := q.now().Add(-q.opts.Retention)
	q.mu.Lock()
	var out []QueryInfo
	for _, qr := range q.queries {
		i := &qr.info
		switch {
		case i.Account != account, i.Created.Before(since),
			f.Store != "" && !i.ReadsStore(f.Store),
			!f.Start.IsZero() && i.Created.Before(f.Start),
			!f.End.IsZero() && i.Created.After(f.End),
			f.Status != "" && i.Status != f.Status:
			continue
		}
		out = append(out, i.clone())
	}
	q.mu.Unlock()
	slices.SortFunc(out, func(a, b QueryInfo) int {
		return cmp.Or(a.Created.Compare(b.Created), cmp.Compare(a.ID, b.ID))
	})
	return out
}
