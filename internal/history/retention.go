package history

import (
	"context"
	"log/slog"
	"time"
)

// DefaultRetentionCheck is how often expired partitions are dropped.
const DefaultRetentionCheck = time.Hour

// RunRetention drops history older than retention every `every` until ctx ends.
// Expiry is whole partitions at a time; lookups clamp to the window themselves,
// so an event is never visible past its retention even between runs.
func RunRetention(ctx context.Context, store Store, retention, every time.Duration, now func() time.Time, logger *slog.Logger) {
	if every <= 0 {
		every = DefaultRetentionCheck
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		n, err := store.Expire(ctx, now().Add(-retention))
		if err != nil && ctx.Err() == nil {
			logger.Error("history retention failed; will retry", "err", err)
		} else if n > 0 {
			logger.Info("history retention dropped partitions", "partitions", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
