package lake

import (
	"context"
	"fmt"
	"log/slog"
	"time"
)

// DefaultRetentionCheck is how often expired partitions and purged stores
// are dropped.
const DefaultRetentionCheck = time.Hour

// Purger removes stores whose deletion period is over and returns their IDs.
type Purger interface {
	Purge(ctx context.Context, now time.Time) ([]string, error)
}

// EnforceRetention drops, once, every store partition older than its
// store's retention and the events of stores whose PENDING_DELETION period
// has ended. It returns the number of partitions dropped.
func EnforceRetention(ctx context.Context, e Engine, c Catalog, p Purger, now time.Time) (int, error) {
	_, all := c.Snapshot()
	// Drop first, then forget the store: a failure in between leaves a
	// store to drop again next time, never orphaned events.
	for _, s := range all {
		if s.Status == StatusPendingDeletion && !s.Deleted.IsZero() && !now.Before(s.Deleted.Add(PendingDeletionPeriod)) {
			if err := e.Drop(ctx, s.ID); err != nil {
				return 0, fmt.Errorf("drop events of deleted store %s: %w", s.ID, err)
			}
		}
	}
	if _, err := p.Purge(ctx, now); err != nil {
		return 0, fmt.Errorf("purge deleted stores: %w", err)
	}
	dropped := 0
	for _, s := range all {
		n, err := e.Expire(ctx, s.ID, s.Cutoff(now))
		if err != nil {
			return dropped, fmt.Errorf("expire store %s: %w", s.ID, err)
		}
		dropped += n
	}
	return dropped, nil
}

// RunRetention calls EnforceRetention at start and every interval until ctx ends.
func RunRetention(ctx context.Context, e Engine, c Catalog, p Purger, interval time.Duration, now func() time.Time, log *slog.Logger) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		n, err := EnforceRetention(ctx, e, c, p, now())
		switch {
		case err != nil && ctx.Err() == nil:
			log.Error("lake retention failed", "err", err)
		case n > 0:
			log.Info("lake retention dropped partitions", "partitions", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
