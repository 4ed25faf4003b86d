package stream

import (
	"context"
	"fmt"
	"log/slog"
	"time"
)

// RetentionOptions configure RunRetention.
type RetentionOptions struct {
	// Every is the time between trims; default DefaultRetentionEvery.
	Every  time.Duration
	Logger *slog.Logger // default slog.Default()
}

// DefaultRetentionEvery is how often RunRetention trims.
const DefaultRetentionEvery = time.Minute

// DefaultRetentionOptions returns the defaults.
func DefaultRetentionOptions() RetentionOptions {
	return RetentionOptions{Every: DefaultRetentionEvery, Logger: slog.Default()}
}

// Trim deletes what every registered consumer is done with: the entries at
// or below the lowest cursor (and never above the settled position, which
// the settled view still needs to classify). With no consumer registered
// nothing is deleted. It returns the number of segments removed.
func (s *Journal) Trim() (int, error) {
	low, ok := s.reg.Low()
	if !ok {
		return 0, nil
	}
	low = min(low, s.Settled())
	if low == 0 || low < s.First() {
		return 0, nil
	}
	n, err := s.raw.TrimBefore(low + 1)
	if err != nil {
		return n, fmt.Errorf("stream: trim before %d: %w", low+1, err)
	}
	return n, nil
}

// RunRetention trims every opts.Every until ctx ends; a failed trim is
// logged and retried at the next tick.
func (s *Journal) RunRetention(ctx context.Context, opts RetentionOptions) {
	if opts.Every <= 0 {
		opts.Every = DefaultRetentionEvery
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	t := time.NewTicker(opts.Every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if n, err := s.Trim(); err != nil {
			opts.Logger.Error("journal trim failed", "err", err)
		} else if n > 0 {
			opts.Logger.Info("journal segments trimmed", "segments", n, "consumers", s.reg.Positions())
		}
	}
}
