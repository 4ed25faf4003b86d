package delivery

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"

	"github.com/cairn-audit/cairn/internal/bucket"
	"github.com/cairn-audit/cairn/internal/selector"
	"github.com/cairn-audit/cairn/internal/trail"
)

// Trails is the trail configuration delivery follows.
type Trails interface {
	All() []trail.Trail
	// Subscribe returns a channel that receives after every change.
	Subscribe() (<-chan struct{}, func())
}

// ConsumerPrefix prefixes each trail's consumer name in the stream.
const ConsumerPrefix = "trail/"

// Engine runs one delivery worker per trail.
type Engine struct {
	opts   Options
	stream Stream
	trails Trails
	store  bucket.Store

	mu      sync.Mutex
	workers map[string]*worker
	filters map[string]*filter
	wg      sync.WaitGroup

	files atomic.Uint64

	cutHook func(trailID string) // tests: called after every cut
}

// Stats are delivery counters since the engine started.
type Stats struct {
	Files uint64 // log files stored
}

// New returns an engine; Run starts it.
func New(stream Stream, trails Trails, store bucket.Store, opts Options) (*Engine, error) {
	if stream == nil || trails == nil || store == nil {
		return nil, errors.New("delivery: stream, trails and store are required")
	}
	if opts.Dir == "" {
		return nil, errors.New("delivery: Options.Dir is required")
	}
	opts = opts.withDefaults()
	if err := os.MkdirAll(opts.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("create delivery dir: %w", err)
	}
	return &Engine{opts: opts, stream: stream, trails: trails, store: store, workers: map[string]*worker{}, filters: map[string]*filter{}}, nil
}

// Run delivers until ctx ends, following trail changes.
func (e *Engine) Run(ctx context.Context) error {
	changes, unsubscribe := e.trails.Subscribe()
	defer unsubscribe()
	if err := e.reconcile(ctx, true); err != nil {
		return err
	}
	for {
		select {
		case <-ctx.Done():
			e.mu.Lock()
			for _, w := range e.workers {
				w.cancel()
			}
			e.mu.Unlock()
			e.wg.Wait()
			return nil
		case <-changes:
			if err := e.reconcile(ctx, false); err != nil {
				return err
			}
		}
	}
}

// reconcile starts workers for new trails, refreshes the filters of changed
// ones and stops and forgets deleted ones.
func (e *Engine) reconcile(ctx context.Context, startup bool) error {
	all := e.trails.All()
	live := make(map[string]bool, len(all))
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, t := range all {
		m, err := selector.Compile(t.Selectors)
		if err != nil {
			e.opts.Logger.Error("trail selectors do not compile; using the default", "trail", t.ARN, "err", err)
			m, _ = selector.Compile(selector.Default())
		}
		live[t.ID] = true
		e.filters[t.ID] = &filter{t: t, matcher: m}
		if _, ok := e.workers[t.ID]; !ok {
			wctx, cancel := context.WithCancel(ctx)
			w := &worker{e: e, id: t.ID, dir: filepath.Join(e.opts.Dir, t.ID), kick: make(chan struct{}, 1), cancel: cancel, done: make(chan struct{}),
				stc: e.stream.Consumer(ConsumerPrefix + t.ID)}
			e.workers[t.ID] = w
			e.wg.Add(1)
			go func() {
				defer e.wg.Done()
				w.run(wctx)
			}()
		}
	}
	for id, w := range e.workers {
		if live[id] {
			continue
		}
		delete(e.workers, id)
		delete(e.filters, id)
		w.cancel()
		w.stc.Close()
		go func() {
			<-w.done
			if err := os.RemoveAll(w.dir); err != nil {
				e.opts.Logger.Error("removing a deleted trail's delivery state failed", "dir", w.dir, "err", err)
			}
		}()
	}
	if startup { // state of trails deleted while Cairn was down
		ents, err := os.ReadDir(e.opts.Dir)
		if err != nil {
			return fmt.Errorf("list delivery dir: %w", err)
		}
		for _, ent := range ents {
			if ent.IsDir() && !live[ent.Name()] {
				if err := os.RemoveAll(filepath.Join(e.opts.Dir, ent.Name())); err != nil {
					return fmt.Errorf("remove stale delivery state: %w", err)
				}
			}
		}
	}
	return nil
}

func (e *Engine) filter(id string) *filter {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.filters[id]
}

// Status is the trail's delivery status (trail.StatusSource).
func (e *Engine) Status(trailID string) trail.Status {
	e.mu.Lock()
	w := e.workers[trailID]
	e.mu.Unlock()
	if w == nil {
		return trail.Status{}
	}
	return w.status()
}

// Needed is the lowest stream seq some trail may still deliver: the stream
// may be trimmed below it. It is MaxUint64 when there are no trails.
func (e *Engine) Needed() uint64 {
	e.mu.Lock()
	defer e.mu.Unlock()
	low := uint64(math.MaxUint64)
	for _, w := range e.workers {
		low = min(low, w.cursor.Load()+1)
	}
	return low
}

// Kick makes every worker cut its batch now instead of at its next interval.
func (e *Engine) Kick() {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, w := range e.workers {
		select {
		case w.kick <- struct{}{}:
		default:
		}
	}
}

// Stats returns delivery counters.
func (e *Engine) Stats() Stats { return Stats{Files: e.files.Load()} }

func (e *Engine) delivered(_ *filter, keys []string) { e.files.Add(uint64(len(keys))) }
