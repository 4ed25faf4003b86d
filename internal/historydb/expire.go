package historydb

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/cairn-audit/cairn/internal/fsutil"
)

// Expire drops every partition that lies entirely before `before` (its end
// is at or before it), table by table, and returns how many it dropped.
// Events in them stop being visible before the tables are dropped.
func (h *History) Expire(ctx context.Context, before time.Time) (int, error) {
	h.wmu.Lock()
	defer h.wmu.Unlock()
	if h.closed.Load() {
		return 0, ErrClosed
	}
	if err := h.recover(ctx); err != nil {
		return 0, fmt.Errorf("store: expire before %s: %w", before.Format(time.RFC3339), err)
	}
	set := h.parts.Load()
	var victims []*partition
	for _, p := range set.parts {
		if !p.end.After(before) {
			victims = append(victims, p)
		}
	}
	if len(victims) == 0 {
		return 0, nil
	}
	kept := set.without(victims)
	// Unpublish, then wait for lookups that may still read the victims.
	h.parts.Store(kept)
	h.dropMu.Lock()
	//lint:ignore SA2001 empty critical section: a barrier that waits for in-flight lookups
	h.dropMu.Unlock()
	err := h.inTx(ctx, func(tx *rawTx) error {
		for _, p := range victims {
			for _, t := range []string{p.events, p.resKeys} {
				if err := tx.exec("DROP TABLE IF EXISTS " + quoteIdent(t)); err != nil {
					return err
				}
			}
			if err := tx.exec("DELETE FROM "+partitionsTable+" WHERE name = $1", p.name); err != nil {
				return err
			}
		}
		return tx.exec(eventsViewSQL(kept.parts, h.version))
	})
	if err != nil {
		h.parts.Store(set) // a reopen, if the commit failed, reloads them as committed
		return 0, fmt.Errorf("store: expire before %s: %w", before.Format(time.RFC3339), err)
	}
	// The partitions are gone; a log left behind is removed at next Open.
	var errs []error
	for _, p := range victims {
		errs = append(errs, p.log.close(), os.Remove(p.log.path))
	}
	errs = append(errs, fsutil.SyncDir(h.recordsDir))
	if err := errors.Join(errs...); err != nil {
		return len(victims), fmt.Errorf("store: expire before %s: remove record logs: %w", before.Format(time.RFC3339), err)
	}
	return len(victims), nil
}
