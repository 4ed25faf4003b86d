package historydb

import (
	"context"
	"fmt"
	"strings"
)

// VerifyReport is what Verify found.
type VerifyReport struct {
	Rows int64 // rows in all partitions
	// Malformed counts rows whose SQL columns do not hold one event: the
	// record is not JSON, or its eventID is not the row's event_id (DuckDB's
	// revert of a failed commit spliced strings together this way).
	Malformed int64
	// BadFrames counts rows whose record-log frame is missing, fails its
	// CRC, or holds another event than the row.
	BadFrames int64
	// Examples names up to 5 bad rows.
	Examples []string
}

// Verify checks every row of every partition: its SQL columns and its
// record-log frame. It reads the whole store (a full scan plus one pread a
// row): for tests and offline checks, not for the serving path.
func (h *History) Verify(ctx context.Context) (VerifyReport, error) {
	var r VerifyReport
	if h.closed.Load() {
		return r, ErrClosed
	}
	if err := h.ready(ctx); err != nil {
		return r, fmt.Errorf("store: verify: %w", err)
	}
	h.dropMu.RLock()
	defer h.dropMu.RUnlock()
	if down := h.re.Down(); down != nil {
		return r, fmt.Errorf("store: verify: %w", down)
	}
	bad := func(format string, args ...any) {
		if len(r.Examples) < 5 {
			r.Examples = append(r.Examples, fmt.Sprintf(format, args...))
		}
	}
	for _, p := range h.parts.Load().parts {
		check := `CASE WHEN json_valid(record) THEN json_extract_string(record, '$.eventID') IS NOT DISTINCT FROM event_id ELSE false END`
		if h.version >= 2 { // no record column: the frame check below compares event IDs
			check = `event_id IS NOT NULL`
		}
		q := `SELECT seq, event_id, rec_off, rec_len, ` + check + `
			FROM ` + quoteIdent(p.events)
		rows, err := h.db.QueryContext(ctx, q)
		if err != nil {
			return r, fmt.Errorf("store: verify %s: %w", p.name, err)
		}
		for rows.Next() {
			var seq uint64
			var id string
			var off int64
			var n int
			var ok bool
			if err := rows.Scan(&seq, &id, &off, &n, &ok); err != nil {
				rows.Close()
				return r, fmt.Errorf("store: verify %s: %w", p.name, err)
			}
			r.Rows++
			if !ok {
				r.Malformed++
				bad("%s seq %d: malformed columns (event_id %.60q)", p.name, seq, id)
			}
			e, err := p.log.read(off, n)
			if err != nil || ok && e.Meta.EventID != id && !strings.ContainsRune(id, '\uFFFD') {
				r.BadFrames++
				bad("%s seq %d: frame at %d: %v", p.name, seq, off, err)
			}
		}
		if err := rows.Close(); err != nil {
			return r, fmt.Errorf("store: verify %s: %w", p.name, err)
		}
	}
	return r, nil
}
