package delivery

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/cairn-audit/cairn/internal/bucket"
	"github.com/cairn-audit/cairn/internal/outbound"
	"github.com/cairn-audit/cairn/internal/stream"
	"github.com/cairn-audit/cairn/internal/trail"
)

// idleSaveEvery spaces saves of a cursor that moved over events no trail wanted.
const idleSaveEvery = 30 * time.Second

// worker delivers one trail.
type worker struct {
	e      *Engine
	id     string
	dir    string
	cursor atomic.Uint64  // mirrors st.Cursor for Needed
	stc    *stream.Cursor // the trail's cursor in the stream (retention)

	mu sync.Mutex // guards st.Status for Status()
	st state

	built     *batch // the pending batch's files, if built in this process
	lastSave  time.Time
	kick      chan struct{}
	cancel    context.CancelFunc
	done      chan struct{}
	bodyCache map[string][]byte
}

func (w *worker) status() trail.Status {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.st.Status
}

func (w *worker) setStatus(fn func(s *trail.Status)) {
	w.mu.Lock()
	fn(&w.st.Status)
	w.mu.Unlock()
}

func (w *worker) run(ctx context.Context) {
	defer close(w.done)
	log := w.e.opts.Logger.With("trail", w.id)
	st, err := loadState(w.dir)
	for err != nil {
		log.Error("delivery state unreadable; retrying", "err", err)
		if !sleep(ctx, w.e.opts.RetryMax) {
			return
		}
		st, err = loadState(w.dir)
	}
	w.mu.Lock()
	w.st = st
	w.mu.Unlock()
	w.setCursor(st.Cursor)
	backoff := w.e.opts.RetryMin
	next := w.e.opts.Now().Add(w.e.opts.Interval)
	for {
		// backOff waits after a failure; false means the worker is stopping.
		backOff := func(what string, err error) bool {
			if ctx.Err() != nil {
				return false
			}
			log.Warn(what+" failed; will retry", "err", err, "retryIn", backoff)
			if !sleep(ctx, backoff) {
				return false
			}
			backoff = min(2*backoff, w.e.opts.RetryMax)
			return true
		}
		if w.st.Pending != nil {
			if err := w.store(ctx); err != nil {
				if !backOff("log file delivery", err) {
					return
				}
				continue
			}
			backoff = w.e.opts.RetryMin
		}
		if err := w.writeDigests(ctx); err != nil {
			if !backOff("digest delivery", err) {
				return
			}
			continue
		}
		wake := next
		if d := w.nextDigest(); !d.IsZero() && d.Before(wake) {
			wake = d
		}
		kicked := false
		if d := wake.Sub(w.e.opts.Now()); d > 0 {
			t := time.NewTimer(d)
			select {
			case <-ctx.Done():
				t.Stop()
				return
			case <-w.kick:
				t.Stop()
				kicked = true
			case <-t.C:
			}
		}
		if !kicked && w.e.opts.Now().Before(next) {
			continue // woken for a digest
		}
		next = w.e.opts.Now().Add(w.e.opts.Interval)
		more, err := w.cut()
		if h := w.e.cutHook; h != nil {
			h(w.id)
		}
		if err != nil {
			log.Error("cutting a log batch failed; will retry", "err", err)
			w.setStatus(func(s *trail.Status) { s.LatestDeliveryError = "InternalError: " + err.Error() })
			if !sleep(ctx, backoff) {
				return
			}
			backoff = min(2*backoff, w.e.opts.RetryMax)
			continue
		}
		if more {
			next = w.e.opts.Now() // a size-bounded batch: the backlog goes at once
		}
	}
}

// cut builds the next batch from the stream and records it as pending. It
// reports whether more events were left for the next batch.
func (w *worker) cut() (more bool, err error) {
	f := w.e.filter(w.id)
	if f == nil {
		return false, nil // being removed
	}
	s := w.e.stream
	// Only up to the settled position: a StartLogging (or any trail change)
	// recorded below it is committed, so f.t's windows already show it.
	durable := s.Settled()
	from, ok := nextLogged(f.t, w.st.Cursor+1, durable)
	if !ok {
		return false, w.advance(durable)
	}
	if first := s.First(); from < first {
		w.e.opts.Logger.Error("events for a trail were trimmed before delivery", "trail", w.id, "from", from, "first", first)
		from = first
	}
	b, err := build(s, f, from, durable, w.e.opts.MaxBatchEvents, w.e.opts.MaxBatchBytes)
	if errors.Is(err, stream.ErrTrimmed) {
		return false, fmt.Errorf("trail %s: stream trimmed under the cursor: %w", w.id, err)
	}
	if err != nil {
		return false, err
	}
	more = b.last < durable
	if b.events == 0 {
		return more, w.advance(b.last)
	}
	now := w.e.opts.Now().UTC()
	p := &pending{First: b.first, Last: b.last, Delivered: now}
	for _, r := range b.regions() {
		p.Files = append(p.Files, pendingFile{Region: r, Key: LogKey(f.t.S3KeyPrefix, f.t.Account, r, now, uniqueString())})
	}
	w.mu.Lock()
	w.st.Pending = p
	w.mu.Unlock()
	if err := saveState(w.dir, &w.st); err != nil {
		w.mu.Lock()
		w.st.Pending = nil
		w.mu.Unlock()
		return false, err
	}
	w.built, w.bodyCache = b, nil
	return more, nil
}

// setCursor publishes the trail's cursor (Needed, and the stream's retention).
func (w *worker) setCursor(pos uint64) {
	w.cursor.Store(pos)
	w.stc.Commit(pos)
}

// advance moves the cursor over events the trail does not want.
func (w *worker) advance(to uint64) error {
	if to <= w.st.Cursor {
		return nil
	}
	w.st.Cursor = to
	w.setCursor(to)
	if now := w.e.opts.Now(); now.Sub(w.lastSave) >= idleSaveEvery {
		w.lastSave = now
		return saveState(w.dir, &w.st)
	}
	return nil
}

// store writes the pending batch's files and then moves the cursor past it.
func (w *worker) store(ctx context.Context) error {
	p := w.st.Pending
	f := w.e.filter(w.id)
	if f == nil {
		return errors.New("trail deleted")
	}
	if w.built == nil || w.built.first != p.First || w.built.last != p.Last {
		b, err := build(w.e.stream, f, p.First, p.Last, int(^uint(0)>>1), int(^uint(0)>>1))
		if err != nil {
			return err
		}
		w.built, w.bodyCache = b, nil
	}
	if w.bodyCache == nil {
		w.bodyCache = map[string][]byte{}
		for r, rf := range w.built.files {
			body, err := rf.close()
			if err != nil {
				return fmt.Errorf("compress log file: %w", err)
			}
			w.bodyCache[r] = body
		}
	}
	attempt := w.e.opts.Now().UTC()
	w.setStatus(func(s *trail.Status) { s.LatestDeliveryAttemptTime = attempt })
	var keys []string
	var stored []pendingFile
	known := map[string]bool{}
	for _, pf := range p.Files {
		known[pf.Region] = true
	}
	for _, r := range w.built.regions() { // regions the trail gained since the batch was cut
		if !known[r] {
			p.Files = append(p.Files, pendingFile{Region: r, Key: LogKey(f.t.S3KeyPrefix, f.t.Account, r, p.Delivered, uniqueString())})
		}
	}
	for _, pf := range p.Files {
		body, ok := w.bodyCache[pf.Region]
		if !ok {
			continue // the trail no longer receives this region
		}
		_, err := w.e.store.Put(ctx, f.t.S3BucketName, pf.Key, bytes.NewReader(body), bucket.PutOptions{ContentType: "application/json", Size: int64(len(body))})
		if err != nil {
			code := errorCode(err)
			w.setStatus(func(s *trail.Status) { s.LatestDeliveryError = code })
			return fmt.Errorf("deliver s3://%s/%s: %w", f.t.S3BucketName, pf.Key, err)
		}
		keys = append(keys, pf.Key)
		stored = append(stored, pf)
	}
	done := w.e.opts.Now().UTC()
	w.addFiles(f.t, w.built, stored, done)
	w.mu.Lock()
	w.st.Cursor, w.st.Pending = p.Last, nil
	w.st.Status.LatestDeliveryTime = done
	w.st.Status.LatestDeliveryAttemptSucceeded = done
	w.st.Status.LatestDeliveryError = ""
	w.mu.Unlock()
	if err := saveState(w.dir, &w.st); err != nil {
		// The files are stored; if this state is lost they are stored again
		// under the same keys after a restart. Keep going from memory.
		w.e.opts.Logger.Error("saving delivery cursor failed", "trail", w.id, "err", err)
	}
	w.lastSave = done
	w.setCursor(p.Last)
	w.built, w.bodyCache = nil, nil
	w.e.delivered(f, keys)
	if len(keys) > 0 {
		w.notify(ctx, f.t, keys)
	}
	return nil
}

// nextLogged returns the first seq >= from and <= durable inside one of the
// trail's logging windows.
func nextLogged(t trail.Trail, from, durable uint64) (uint64, bool) {
	best, ok := uint64(0), false
	for _, win := range t.Windows {
		if win.Stop != 0 && win.Stop < from {
			continue
		}
		s := max(from, win.Start)
		if s <= durable && (!ok || s < best) {
			best, ok = s, true
		}
	}
	return best, ok
}

// errorCode names a storage error as GetTrailStatus reports it.
func errorCode(err error) string {
	switch {
	case errors.Is(err, bucket.ErrNoSuchBucket):
		return "NoSuchBucket"
	case errors.Is(err, bucket.ErrAccessDenied):
		return "AccessDenied"
	}
	var oe *outbound.Error
	if errors.As(err, &oe) { // a deadline of the outbound client, or a network failure
		code := "ServiceUnavailable: "
		if oe.Timeout() {
			code = "RequestTimeout: "
		}
		return clipStatus(code + oe.Error())
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return "RequestTimeout"
	}
	var coded interface{ ErrorCode() string }
	if errors.As(err, &coded) && coded.ErrorCode() != "" {
		return coded.ErrorCode() // the storage service's own error code
	}
	var op *net.OpError
	if errors.As(err, &op) {
		return "ServiceUnavailable: " + op.Err.Error() // e.g. connect: connection refused
	}
	return clipStatus("InternalError: " + err.Error())
}

// clipStatus bounds a status error message to 256 bytes (whole UTF-8 characters).
func clipStatus(msg string) string {
	if len(msg) <= 256 {
		return msg
	}
	msg = msg[:256]
	for len(msg) > 0 && !utf8.ValidString(msg) {
		msg = msg[:len(msg)-1]
	}
	return msg
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
