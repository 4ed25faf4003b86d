package lake

import (
	"context"
	"sync"
	"time"
)

// Commits tracks the stream sequence numbers of Lake control calls whose
// effects are published. A control call (CreateEventDataStore,
// StartEventDataStoreIngestion, ...) is recorded at seq S before its change
// to the store definitions is committed; the ingest consumer reading entry S
// waits here until that change is visible, so a window starting at S is
// never missed.
type Commits struct {
	mu      sync.Mutex
	done    map[uint64]bool
	changed chan struct{}
}

// NewCommits returns an empty tracker.
func NewCommits() *Commits {
	return &Commits{done: map[uint64]bool{}, changed: make(chan struct{})}
}

// maxTracked bounds the memory of a tracker nobody waits on.
const maxTracked = 4096

// Mark records that the call recorded at seq has committed (or given up).
func (c *Commits) Mark(seq uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.done) >= maxTracked {
		clear(c.done)
	}
	c.done[seq] = true
	close(c.changed)
	c.changed = make(chan struct{})
}

// Wait waits until seq is marked, ctx ends or timeout passes; it reports
// whether seq was marked. The mark is consumed.
func (c *Commits) Wait(ctx context.Context, seq uint64, timeout time.Duration) bool {
	t := time.NewTimer(timeout)
	defer t.Stop()
	for {
		c.mu.Lock()
		ok, ch := c.done[seq], c.changed
		if ok {
			delete(c.done, seq)
		}
		c.mu.Unlock()
		if ok {
			return true
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return false
		case <-t.C:
			return false
		}
	}
}
