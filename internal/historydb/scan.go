package historydb

import (
	"context"
	"errors"
	"fmt"

	"github.com/cairn-audit/cairn/internal/event"
)

// Scan calls fn for every stored event, partition by partition in time
// order and by seq within one, with its record read from the record log.
// It is for offline tools (the naive baseline's build); lookups use Lookup.
func (h *History) Scan(ctx context.Context, fn func(e event.Entry) error) error {
	if h.closed.Load() {
		return ErrClosed
	}
	if err := h.ready(ctx); err != nil {
		return fmt.Errorf("store: scan: %w", err)
	}
	h.dropMu.RLock()
	defer h.dropMu.RUnlock()
	for _, p := range h.parts.Load().parts {
		rows, err := h.db.QueryContext(ctx, fmt.Sprintf("SELECT event_time, seq, rec_off, rec_len FROM %s ORDER BY seq", quoteIdent(p.events)))
		if err != nil {
			return fmt.Errorf("store: scan %s: %w", p.events, err)
		}
		var keys []rowKey
		for rows.Next() {
			k := rowKey{p: p}
			var n int32
			if err := rows.Scan(&k.t, &k.seq, &k.recOff, &n); err != nil {
				rows.Close()
				return fmt.Errorf("store: scan %s: %w", p.events, err)
			}
			k.recLen = int(n)
			keys = append(keys, k)
		}
		if err := errors.Join(rows.Err(), rows.Close()); err != nil {
			return fmt.Errorf("store: scan %s: %w", p.events, err)
		}
		for len(keys) > 0 {
			n := min(len(keys), 4096)
			entries, err := fetch(keys[:n])
			if err != nil {
				return fmt.Errorf("store: scan %s: %w", p.events, err)
			}
			for _, e := range entries {
				if err := fn(e); err != nil {
					return err
				}
			}
			keys = keys[n:]
		}
	}
	return nil
}
