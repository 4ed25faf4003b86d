package lakeproc

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cairn-audit/cairn/internal/lake"
	"github.com/cairn-audit/cairn/internal/lakedb"
)

// Engine is a lake.Engine whose DuckDB runs in a supervised child process.
// All methods are safe for concurrent use.
type Engine struct {
	opts Options
	log  *slog.Logger
	ids  atomic.Uint64
	// mu guards cur and closed; it is held while a child starts.
	mu       sync.Mutex
	cur      *child
	closed   bool
	restarts atomic.Int64
}

var _ lake.Engine = (*Engine)(nil)

// Start starts the engine's child and waits until its Lake is open.
func Start(opts Options) (*Engine, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	e := &Engine{opts: opts, log: opts.Logger}
	if _, err := e.child(); err != nil {
		return nil, err
	}
	return e, nil
}

// Restarts is how many times a child was started again after one ended.
func (e *Engine) Restarts() int64 { return e.restarts.Load() }

// child returns the running child, starting one if there is none.
func (e *Engine) child() (*child, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return nil, lakedb.ErrClosed
	}
	if e.cur != nil {
		if !e.cur.isDead() {
			return e.cur, nil
		}
		if e.opts.Lake.Dir == "" {
			return nil, fmt.Errorf("%w: the in-memory Lake was lost with its process (%s)", lake.ErrEngineRestarted, e.cur.goneReason())
		}
		e.restarts.Add(1)
		e.log.Warn("lake engine process ended; starting it again", "why", e.cur.goneReason())
	}
	c, err := spawn(e.opts)
	if err != nil {
		return nil, err
	}
	e.cur = c
	return c, nil
}

// do sends req and waits for its final response, handing partial ones (a
// Run's columns and rows) to partial. When ctx ends, the child is asked to
// stop the call; if it has not within KillGrace, the child is killed.
func (e *Engine) do(ctx context.Context, req request, partial func(*child, response) error) (response, error) {
	if err := ctx.Err(); err != nil {
		return response{}, err
	}
	c, err := e.child()
	if err != nil {
		return response{}, err
	}
	req.ID = e.ids.Add(1)
	ch := c.register(req.ID)
	defer c.unregister(req.ID)
	if err := c.send(&req); err != nil {
		return response{}, c.goneErr()
	}
	done := ctx.Done()
	var grace <-chan time.Time
	var partialErr error
	stop := func() {
		if grace == nil {
			_ = c.send(&request{ID: req.ID, Op: opCancel})
			grace = time.After(e.opts.KillGrace)
		}
	}
	for {
		select {
		case r := <-ch:
			if !r.Final {
				if partialErr == nil && partial != nil {
					if partialErr = partial(c, r); partialErr != nil {
						stop()
					}
				}
				continue
			}
			switch {
			case partialErr != nil:
				return r, partialErr
			case ctx.Err() != nil && r.Err != nil:
				return r, ctx.Err()
			}
			return r, r.Err.err()
		case <-done:
			done = nil
			stop()
		case <-grace:
			grace = nil
			c.kill(fmt.Sprintf("a Lake call did not stop within %s of being cancelled", e.opts.KillGrace))
		case <-c.dead:
			if r, ok := finalSent(ch); ok && partialErr == nil && ctx.Err() == nil {
				return r, r.Err.err()
			}
			if ctx.Err() != nil {
				return response{}, ctx.Err()
			}
			if partialErr != nil {
				return response{}, partialErr
			}
			return response{}, c.goneErr()
		}
	}
}

// finalSent returns the final response among those left in ch, if any (a
// call's answer sent just before its process ended).
func finalSent(ch <-chan response) (response, bool) {
	for {
		select {
		case r := <-ch:
			if r.Final {
				return r, true
			}
		default:
			return response{}, false
		}
	}
}

// Cursors implements lake.Engine.
func (e *Engine) Cursors(ctx context.Context) (map[string]uint64, error) {
	r, err := e.do(ctx, request{Op: opCursors}, nil)
	if r.Cursors == nil {
		r.Cursors = map[string]uint64{}
	}
	return r.Cursors, err
}

// Append implements lake.Engine. If the child ended during the call, the
// new child's cursors tell whether the transaction committed: the caller
// must not append the rows twice.
func (e *Engine) Append(ctx context.Context, rows []lake.Row, cursors map[string]uint64) error {
	_, err := e.do(ctx, request{Op: opAppend, Rows: rows, Cursors: cursors}, nil)
	if err == nil || !errors.Is(err, errChildGone) || len(cursors) == 0 {
		return err
	}
	got, cerr := e.Cursors(ctx)
	if cerr != nil {
		return errors.Join(err, fmt.Errorf("read the cursors after the engine restarted: %w", cerr))
	}
	for k, v := range cursors {
		if got[k] != v {
			return err // not committed: the caller retries
		}
	}
	return nil
}

// Import implements lake.Engine (a retry after the child ended is safe: the
// store skips events it holds).
func (e *Engine) Import(ctx context.Context, store string, rows []lake.Row) (int, error) {
	r, err := e.do(ctx, request{Op: opImport, Store: store, Rows: rows}, nil)
	return r.N, err
}

// Expire implements lake.Engine.
func (e *Engine) Expire(ctx context.Context, store string, cutoff time.Time) (int, error) {
	r, err := e.do(ctx, request{Op: opExpire, Store: store, Time: cutoff}, nil)
	return r.N, err
}

// Drop implements lake.Engine.
func (e *Engine) Drop(ctx context.Context, store string) error {
	_, err := e.do(ctx, request{Op: opDrop, Store: store}, nil)
	return err
}

// Size implements lake.Engine.
func (e *Engine) Size(ctx context.Context, store string, since time.Time) (int64, int64, error) {
	r, err := e.do(ctx, request{Op: opSize, Store: store, Time: since}, nil)
	return r.Events, r.Bytes, err
}

// Check implements lake.Engine.
func (e *Engine) Check(ctx context.Context, sql string) ([]string, error) {
	r, err := e.do(ctx, request{Op: opCheck, SQL: sql}, nil)
	return r.Stores, err
}

// Run implements lake.Engine: the child streams the results in batches, the
// next batch once this one is written to w.
func (e *Engine) Run(ctx context.Context, q lake.Query, w lake.ResultWriter) (lake.QueryStats, error) {
	id := uint64(0)
	write := func(rows [][]lake.Value) error {
		for _, row := range rows {
			if err := w.Row(row); err != nil {
				return err
			}
		}
		return nil
	}
	r, err := e.do(ctx, request{Op: opRun, Query: q}, func(c *child, r response) error {
		if len(r.Rows) == 0 {
			return w.Columns(r.Columns)
		}
		id = r.ID
		if err := write(r.Rows); err != nil {
			return err
		}
		return c.send(&request{ID: id, Op: opAck})
	})
	if err == nil {
		err = write(r.Rows)
	}
	return r.Stats, err
}

// Close closes the child's Lake (a checkpoint) and waits for it to exit.
func (e *Engine) Close() error {
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return nil
	}
	e.closed = true
	c := e.cur
	e.mu.Unlock()
	if c == nil || c.isDead() {
		return nil
	}
	return c.close(e.opts.StartTimeout)
}
