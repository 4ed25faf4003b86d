package stream

import (
	"context"
	"log/slog"
	"time"
)

// Defaults for FollowOptions.
const (
	DefaultMinInterval = 250 * time.Millisecond
	DefaultRetryDelay  = time.Second
)

// FollowOptions configure Follow.
type FollowOptions struct {
	// Name names the consumer in logs.
	Name string
	// MinInterval is the least time between steps, so a step under load
	// carries many entries; default DefaultMinInterval, negative for none.
	MinInterval time.Duration
	// Urgent, when it receives, ends a linger at once (a reader waits).
	Urgent <-chan struct{}
	// RetryDelay is the wait after a failed wait or step; default DefaultRetryDelay.
	RetryDelay time.Duration
	// OnResult, if set, is told the outcome of every step (nil on success).
	OnResult func(err error)
	Logger   *slog.Logger // default slog.Default()
}

// Loop is what a consumer plugs into Follow.
type Loop struct {
	// Wait returns once there may be settled entries after the consumer's
	// position (typically Source.Wait(ctx, cursor)).
	Wait func(ctx context.Context) error
	// Step reads one batch from the consumer's position, applies it and
	// commits the consumer's cursor.
	Step func(ctx context.Context) error
	// Resync, if set, runs before the retry of a failed step: the consumer
	// reloads its position from its own durable state (a failed commit may
	// have committed after all).
	Resync func(ctx context.Context) error
}

// Follow runs l until ctx ends: wait for more, linger up to MinInterval
// since the last step, step; a failed wait or step is logged, retried after
// RetryDelay (after Resync), nothing is skipped. It returns nil when ctx ends.
func Follow(ctx context.Context, opts FollowOptions, l Loop) error {
	if opts.MinInterval == 0 {
		opts.MinInterval = DefaultMinInterval
	}
	if opts.RetryDelay <= 0 {
		opts.RetryDelay = DefaultRetryDelay
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	var last time.Time
	failed := false
	for {
		var err error
		if !failed {
			err = l.Wait(ctx)
		}
		if err == nil {
			if linger := opts.MinInterval - time.Since(last); linger > 0 && !failed {
				t := time.NewTimer(linger)
				select {
				case <-ctx.Done():
					t.Stop()
					return nil
				case <-opts.Urgent:
				case <-t.C:
				}
				t.Stop()
			}
			last = time.Now()
			if failed && l.Resync != nil {
				err = l.Resync(ctx)
			}
			if err == nil {
				err = l.Step(ctx)
			}
			if opts.OnResult != nil && (err == nil || ctx.Err() == nil) {
				opts.OnResult(err)
			}
		}
		if ctx.Err() != nil {
			return nil
		}
		failed = err != nil
		if failed {
			opts.Logger.Error(opts.Name+" batch failed; retrying", "err", err, "retryIn", opts.RetryDelay)
			t := time.NewTimer(opts.RetryDelay)
			select {
			case <-ctx.Done():
				t.Stop()
				return nil
			case <-t.C:
			}
		}
	}
}
