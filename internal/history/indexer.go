package history

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"sync"
	"time"

	"github.com/cairn-audit/cairn/internal/event"
	"github.com/cairn-audit/cairn/internal/stream"
)

// ConsumerName is the indexer's cursor in the stream.
const ConsumerName = "history"

// Defaults for IndexerOptions.
const (
	DefaultBatchEntries = 20000
	DefaultBatchBytes   = 32 << 20
	DefaultRetryDelay   = time.Second
	// DefaultMinApplyInterval spaces store transactions under load so each
	// carries many events; an idle indexer, or one a lookup waits on, applies at once.
	DefaultMinApplyInterval = 250 * time.Millisecond
)

// IndexerOptions configure an Indexer.
type IndexerOptions struct {
	BatchEntries int           // entries per store transaction; default DefaultBatchEntries
	BatchBytes   int           // payload bytes per store transaction; default DefaultBatchBytes
	RetryDelay   time.Duration // wait after a failed batch; default DefaultRetryDelay
	// MinApplyInterval is the least time between store transactions unless a
	// Sync is waiting; default DefaultMinApplyInterval, negative for none.
	MinApplyInterval time.Duration
	Logger           *slog.Logger
}

// Indexer applies the stream's management events to the history store, in
// order, from the store's own cursor. It is the only writer of the store.
type Indexer struct {
	src    stream.Source
	cursor *stream.Cursor
	store  Sink
	opts   IndexerOptions

	mu      sync.Mutex
	applied uint64
	changed chan struct{} // closed and replaced whenever applied moves
	lastErr error
	urgent  chan struct{} // a Sync is waiting: apply without lingering
}

// NewIndexer returns an indexer resuming from the store's cursor.
func NewIndexer(ctx context.Context, src stream.Source, store Sink, opts IndexerOptions) (*Indexer, error) {
	if opts.BatchEntries <= 0 {
		opts.BatchEntries = DefaultBatchEntries
	}
	if opts.BatchBytes <= 0 {
		opts.BatchBytes = DefaultBatchBytes
	}
	if opts.RetryDelay <= 0 {
		opts.RetryDelay = DefaultRetryDelay
	}
	if opts.MinApplyInterval == 0 {
		opts.MinApplyInterval = DefaultMinApplyInterval
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	cur, err := store.Cursor(ctx)
	if err != nil {
		return nil, fmt.Errorf("history cursor: %w", err)
	}
	c := src.Consumer(ConsumerName)
	c.Commit(cur)
	return &Indexer{src: src, cursor: c, store: store, opts: opts, applied: cur, changed: make(chan struct{}), urgent: make(chan struct{}, 1)}, nil
}

// Applied is the last stream sequence number reflected in the store.
func (ix *Indexer) Applied() uint64 {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	return ix.applied
}

// Run follows the stream until ctx ends (stream.Follow). A failed batch is
// retried after a resync; nothing is skipped.
func (ix *Indexer) Run(ctx context.Context) error {
	return stream.Follow(ctx, stream.FollowOptions{
		Name: "history indexer", MinInterval: ix.opts.MinApplyInterval, Urgent: ix.urgent,
		RetryDelay: ix.opts.RetryDelay, Logger: ix.opts.Logger,
		OnResult: func(err error) {
			if err != nil {
				ix.setErr(err)
			}
		},
	}, stream.Loop{
		Wait: func(ctx context.Context) error {
			_, err := ix.src.Wait(ctx, ix.Applied())
			return err
		},
		Step:   func(ctx context.Context) error { return ix.step(ctx, ix.Applied()) },
		Resync: func(ctx context.Context) error { ix.resync(ctx, ix.Applied()); return nil },
	})
}

// step applies one batch of entries after `applied`.
func (ix *Indexer) step(ctx context.Context, applied uint64) error {
	var batch []event.Entry
	next, err := ix.src.Read(applied+1, ix.opts.BatchEntries, ix.opts.BatchBytes, func(seq uint64, payload []byte) error {
		var e event.Entry
		if err := e.UnmarshalBinary(payload); err != nil {
			return fmt.Errorf("decode entry %d: %w", seq, err)
		}
		if !e.Meta.Management { // Event history holds management events only
			return nil
		}
		e.Seq = seq
		e.Record = append([]byte(nil), e.Record...) // payload is only valid during the callback
		batch = append(batch, e)
		return nil
	})
	if err != nil {
		return fmt.Errorf("read stream from %d: %w", applied+1, err)
	}
	through := next - 1
	if through <= applied {
		return nil
	}
	if err := ix.store.Apply(ctx, batch, through); err != nil {
		return fmt.Errorf("apply %d..%d: %w", applied+1, through, err)
	}
	ix.cursor.Commit(through)
	ix.mu.Lock()
	ix.applied, ix.lastErr = through, nil
	close(ix.changed)
	ix.changed = make(chan struct{})
	ix.mu.Unlock()
	return nil
}

// resync resumes from the store's cursor after a failed batch: a batch
// whose commit failed may have committed after all (the store knows once it
// has reopened its database), and a store that lost committed state is
// re-indexed from the stream. If the store cannot say, the retry resumes
// from applied.
func (ix *Indexer) resync(ctx context.Context, applied uint64) {
	cur, err := ix.store.Cursor(ctx)
	if err != nil || cur == applied {
		return
	}
	if cur < applied {
		ix.opts.Logger.Warn("history store cursor is behind the indexer; re-indexing from it", "store", cur, "indexer", applied)
	}
	ix.cursor.Commit(cur)
	ix.mu.Lock()
	ix.applied = cur
	close(ix.changed)
	ix.changed = make(chan struct{})
	ix.mu.Unlock()
}

func (ix *Indexer) setErr(err error) {
	ix.mu.Lock()
	ix.lastErr = err
	ix.mu.Unlock()
}

// ErrSyncTimeout reports that the index did not catch up in time.
var ErrSyncTimeout = errors.New("history: index is behind the event stream")

// Sync waits until every event durable at the time of the call is indexed,
// so a lookup sees the caller's own earlier calls. It gives up after timeout.
func (ix *Indexer) Sync(ctx context.Context, timeout time.Duration) error {
	target := ix.src.Settled()
	if ix.Applied() >= target {
		return nil
	}
	select { // wake a lingering indexer
	case ix.urgent <- struct{}{}:
	default:
	}
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		ix.mu.Lock()
		applied, changed, lastErr := ix.applied, ix.changed, ix.lastErr
		ix.mu.Unlock()
		if applied >= target {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return ctx.Err()
		case <-deadline.C:
			if lastErr != nil {
				return fmt.Errorf("%w: %w", ErrSyncTimeout, lastErr)
			}
			return ErrSyncTimeout
		}
	}
}

// settleWait bounds how long a lookup waits for calls in flight to settle.
const settleWait = 2 * time.Second

// DefaultMaxPending bounds how many not-yet-indexed entries a lookup reads
// from the stream itself; beyond it the lookup waits for the index instead.
const DefaultMaxPending = 4096

// Pending returns the durable management events the store does not hold yet
// (those after Applied()) that match q, so a lookup can see every event
// durable at its start without waiting for the index. ok is false when more
// than maxPending events are pending; the caller should Sync instead.
// Results may overlap what the store returns by the time it is queried:
// callers merge by sequence number.
func (ix *Indexer) Pending(q Query, maxPending int) (entries []event.Entry, ok bool, err error) {
	applied := ix.Applied()
	target := stream.CatchUp(ix.src, settleWait) // calls answered before now, behind one still committing
	if target <= applied {
		return nil, true, nil
	}
	if target-applied > uint64(maxPending) {
		return nil, false, nil
	}
	_, err = ix.src.Read(applied+1, int(target-applied), ix.opts.BatchBytes, func(seq uint64, payload []byte) error {
		var e event.Entry
		if err := e.UnmarshalBinary(payload); err != nil {
			return fmt.Errorf("decode entry %d: %w", seq, err)
		}
		e.Seq = seq
		if e.Meta.Management && Matches(q, e) {
			e.Record = append([]byte(nil), e.Record...)
			entries = append(entries, e)
		}
		return nil
	})
	if err != nil {
		return nil, false, fmt.Errorf("read pending from %d: %w", applied+1, err)
	}
	return entries, true, nil
}

// Merge combines store results with pending entries: newest first, each
// sequence number once, at most limit.
func Merge(stored, pending []event.Entry, limit int) []event.Entry {
	if len(pending) == 0 {
		return stored
	}
	seen := make(map[uint64]bool, len(stored))
	out := make([]event.Entry, 0, len(stored)+len(pending))
	for _, e := range stored {
		seen[e.Seq] = true
		out = append(out, e)
	}
	for _, e := range pending {
		if !seen[e.Seq] {
			out = append(out, e)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return Less(out[j], out[i]) })
	if len(out) > limit {
		out = out[:limit]
	}
	return out
}
