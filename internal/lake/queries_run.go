package lake

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"unicode/utf8"
)

// maxErrorMessage is the API's limit on ErrorMessage.
const maxErrorMessage = 1000

// Why a running query's context ended.
var (
	errQueryTimedOut  = errors.New("query timed out")
	errQueryCancelled = errors.New("query cancelled")
)

// ErrEngineRestarted: an Engine running in its own process lost a call
// because that process ended (it exceeded its memory, or was killed to stop
// a call that did not stop when cancelled) and was started again. Wrapping
// errors say which; the call may be retried.
var ErrEngineRestarted = errors.New("lake engine restarted")

// work runs queued queries one at a time until ctx ends.
func (q *Queries) work(ctx context.Context) {
	for ctx.Err() == nil {
		qr, qctx, stop := q.next(ctx)
		if qr == nil {
			select {
			case <-ctx.Done():
			case <-q.kick:
			}
			continue
		}
		q.execute(ctx, qctx, qr)
		stop()
		q.deliverFinished(ctx, qr.info.ID) // if it has a DeliveryURI and FINISHED
	}
}

// next takes the oldest queued query and marks it RUNNING; its context ends
// on Cancel, after Timeout, or with ctx. It returns nil when none is queued.
func (q *Queries) next(ctx context.Context) (*query, context.Context, context.CancelFunc) {
	q.mu.Lock()
	var qr *query
	for qr == nil && len(q.queue) > 0 {
		id := q.queue[0]
		q.queue = q.queue[1:]
		if c := q.queries[id]; c != nil && c.info.Status == QueryQueued {
			qr = c
		}
	}
	if qr == nil {
		q.mu.Unlock()
		return nil, nil, nil
	}
	if len(q.queue) > 0 {
		select {
		case q.kick <- struct{}{}: // let another worker take the next one
		default:
		}
	}
	cctx, cancel := context.WithCancelCause(ctx)
	tctx, stop := context.WithTimeoutCause(cctx, q.opts.Timeout, errQueryTimedOut)
	qr.cancel = func() { cancel(errQueryCancelled) }
	qr.info.Status, qr.info.Started = QueryRunning, q.now()
	q.mu.Unlock()
	if err := q.persist(qr); err != nil {
		q.opts.Logger.Error("saving a started Lake query failed", "query", qr.info.ID, "err", err)
	}
	return qr, tctx, func() { stop(); cancel(nil) }
}

// execute runs a RUNNING query to its final status, writing its rows to
// its result file. ctx is the worker's, qctx the query's own.
func (q *Queries) execute(ctx, qctx context.Context, qr *query) {
	id := qr.info.ID
	stats, columns, rows, err := q.runQuery(qctx, qr)
	q.mu.Lock()
	defer func() {
		q.mu.Unlock()
		if perr := q.persist(qr); perr != nil {
			q.opts.Logger.Error("saving a stopped Lake query failed", "query", id, "err", perr)
		}
	}()
	info := &qr.info
	info.Stats, info.Columns, info.Rows = stats, columns, rows
	qr.cancel = nil
	if info.Status == QueryCancelled { // Cancel set the status and end time
		info.Rows = 0
		return
	}
	info.Ended = q.now()
	switch {
	case err == nil:
		info.Status = QueryFinished
	case errors.Is(context.Cause(qctx), errQueryTimedOut):
		info.Status = QueryTimedOut
		info.Error = fmt.Sprintf("The query ran longer than %s and timed out; the results it found until then can be read.", q.opts.Timeout)
	case ctx.Err() != nil:
		info.Status, info.Error = QueryFailed, restartMessage
	case errors.Is(err, ErrInvalidQuery), errors.Is(err, ErrQueryLimit), errors.Is(err, errStoreGone), errors.Is(err, ErrEngineRestarted):
		info.Status, info.Error = QueryFailed, truncateMessage(err.Error())
	default:
		q.opts.Logger.Error("Lake query failed", "query", id, "err", err)
		info.Status, info.Error = QueryFailed, "The query failed because of an internal error."
	}
	if !info.HasResults() {
		info.Rows = 0
	}
	if info.Status != QueryFinished && info.DeliveryStatus == DeliveryPending {
		info.DeliveryStatus = DeliveryFailed // AWS does not deliver partial results
	}
}

// errStoreGone fails a query whose store was deleted while it was queued.
var errStoreGone = errors.New("event data store is not active")

// runQuery runs the statement into the query's result file.
func (q *Queries) runQuery(ctx context.Context, qr *query) (QueryStats, []string, int64, error) {
	q.mu.Lock()
	sql, scopes := qr.info.SQL, maps.Clone(qr.scopes)
	q.mu.Unlock()
	if err := q.refreshScopes(scopes); err != nil {
		return QueryStats{}, nil, 0, err
	}
	w, err := createResultFile(q.queryDir(qr.info.ID))
	if err != nil {
		return QueryStats{}, nil, 0, err
	}
	stats, runErr := q.opts.Engine.Run(ctx, Query{SQL: sql, Stores: scopes, MaxResultBytes: q.opts.MaxResultBytes}, w)
	if err := w.finish(); err != nil && runErr == nil {
		runErr = err
	}
	if w.err != nil && !errors.Is(runErr, w.err) {
		runErr = errors.Join(runErr, w.err) // the engine may not wrap the writer's error
	}
	return stats, w.columns, w.rows, runErr
}

// refreshScopes takes each store's retention cutoff now (the query may have
// waited in the queue) and fails if a store was deleted meanwhile.
func (q *Queries) refreshScopes(scopes map[string]Scope) error {
	if q.opts.Stores == nil {
		return nil
	}
	now := q.now()
	for id := range scopes {
		st, ok := q.opts.Stores.Get(id)
		if !ok || st.Status == StatusPendingDeletion {
			return fmt.Errorf("%w: the event data store %s was deleted before the query started", errStoreGone, id)
		}
		scopes[id] = Scope{Since: st.Cutoff(now)}
	}
	return nil
}

// truncateMessage bounds an error message to the API's ErrorMessage limit.
func truncateMessage(s string) string {
	if len(s) <= maxErrorMessage {
		return s
	}
	s = s[:maxErrorMessage-3]
	for !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s + "..."
}
