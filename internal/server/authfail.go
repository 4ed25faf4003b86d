package server

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"sync"
	"time"

	"github.com/cairn-audit/cairn/internal/api"
	"github.com/cairn-audit/cairn/internal/event"
	"github.com/cairn-audit/cairn/internal/recorder"
)

// Failed authentications of a known access key are recorded, as CloudTrail
// records them, but bounded: whoever knows an access key ID (not its secret)
// must not be able to write records as fast as they can send requests.
//
// Failures are aggregated per (access key ID, source IP, error code) in a
// window (AuthFailureOptions.Window, default 1 min) that opens with a
// failure. Error codes are a small fixed set (one per auth.Kind and
// protocol), so a flood of one kind cannot hide a failure of another (a
// replay refused for unsigned headers among bad signatures):
//   - the failure that opens a window is recorded at once, as before;
//   - later failures in the window are only counted (the client still gets
//     its error);
//   - when the window has closed, its count is recorded as one summary event
//     (docs/AUTH.md "Failed authentications"): at the next such failure, by Flush (Run calls it every Window/4), or by
//     Close (at shutdown), whichever comes first. A summary that cannot be
//     recorded is kept and retried; it is never dropped.
//
// At most MaxTracked windows are tracked; when the table is full, closed
// windows are flushed first, then the window that opened first is flushed
// early. Memory is O(MaxTracked) and the records written per Window are at
// most two per (key, source, error code).

// Defaults for AuthFailureOptions.
const (
	DefaultAuthFailureWindow     = time.Minute
	DefaultAuthFailureMaxTracked = 4096
)

// AuthFailureOptions tune AuthFailures. Zero fields take the defaults.
type AuthFailureOptions struct {
	// Window is how long failures of one key and source are aggregated.
	// Default DefaultAuthFailureWindow.
	Window time.Duration
	// MaxTracked bounds the windows tracked at once. Default DefaultAuthFailureMaxTracked.
	MaxTracked int
	// Now is the clock. Default time.Now.
	Now func() time.Time
	// Logger reports summaries that could not be recorded yet. Default slog.Default().
	Logger *slog.Logger
}

// DefaultAuthFailureOptions returns the defaults.
func DefaultAuthFailureOptions() AuthFailureOptions {
	return AuthFailureOptions{Window: DefaultAuthFailureWindow, MaxTracked: DefaultAuthFailureMaxTracked, Now: time.Now, Logger: slog.Default()}
}

func (o AuthFailureOptions) withDefaults() AuthFailureOptions {
	d := DefaultAuthFailureOptions()
	if o.Window <= 0 {
		o.Window = d.Window
	}
	if o.MaxTracked <= 0 {
		o.MaxTracked = d.MaxTracked
	}
	if o.Now == nil {
		o.Now = d.Now
	}
	if o.Logger == nil {
		o.Logger = d.Logger
	}
	return o
}

// AuthFailureSummary is the additionalEventData of a summary event, under
// the key "authFailureSummary".
type AuthFailureSummary struct {
	// Count is the number of failures summarised: those after the first of
	// the window, which was recorded on its own.
	Count int `json:"count"`
	// FirstEventTime and LastEventTime bound the summarised failures.
	FirstEventTime string `json:"firstEventTime"`
	LastEventTime  string `json:"lastEventTime"`
	// WindowSeconds is the aggregation window.
	WindowSeconds int64 `json:"windowSeconds"`
	// ErrorCodes counts the summarised failures per error code.
	ErrorCodes map[string]int `json:"errorCodes"`
}

// AuthFailures aggregates failed authentications (see above). It is safe
// for concurrent use; the front door and the recording gateway share one.
type AuthFailures struct {
	rec  *recorder.Recorder
	opts AuthFailureOptions

	mu      sync.Mutex
	windows map[authFailKey]*authFailWindow
}

type authFailKey struct{ accessKeyID, sourceIP, errorCode string }

type authFailWindow struct {
	start       time.Time      // the failure that opened it (recorded at once)
	count       int            // failures counted since, not yet recorded
	first, last time.Time      // of the counted failures
	codes       map[string]int // error code → count, of the counted failures
	in          recorder.Input // the last counted failure, as it would have been recorded
}

// NewAuthFailures returns an aggregator recording through rec.
func NewAuthFailures(rec *recorder.Recorder, opts AuthFailureOptions) *AuthFailures {
	return &AuthFailures{rec: rec, opts: opts.withDefaults(), windows: make(map[authFailKey]*authFailWindow)}
}

// Admit takes a failed authentication of a known key (in is the event it
// would be recorded as) and reports whether the caller must record it now.
// false means it was counted into a summary. Summaries that are due (of the
// same key, source and error code, or evicted to make room) are recorded before it
// returns, so they precede the failure the caller records.
func (a *AuthFailures) Admit(ctx context.Context, in recorder.Input) bool {
	now := a.opts.Now()
	k := authFailKey{in.Caller.AccessKeyID, in.SourceIP, in.Result.ErrorCode}
	var due []*authFailWindow
	a.mu.Lock()
	w := a.windows[k]
	if w != nil && now.Sub(w.start) >= a.opts.Window {
		if w.count > 0 {
			due = append(due, w)
		}
		delete(a.windows, k)
		w = nil
	}
	admit := w == nil
	if admit {
		due = append(due, a.makeRoomLocked(now)...)
		a.windows[k] = &authFailWindow{start: now}
	} else {
		if w.count == 0 {
			w.first, w.codes = now, make(map[string]int)
		}
		w.count++
		w.last = now
		w.codes[in.Result.ErrorCode]++
		w.in = summaryInput(in)
	}
	a.mu.Unlock()
	a.recordSummaries(ctx, due)
	return admit
}

// Record is Admit for callers without a recording path of their own (the
// recording gateway): it records the failure itself when it is admitted.
func (a *AuthFailures) Record(ctx context.Context, in recorder.Input) error {
	if !a.Admit(ctx, in) {
		return nil
	}
	if _, err := a.rec.Record(ctx, in); err != nil {
		return fmt.Errorf("record failed authentication: %w", err)
	}
	return nil
}

// makeRoomLocked frees a slot when the table is full: closed windows go
// first, then the one opened first. It returns the windows with counts to record.
func (a *AuthFailures) makeRoomLocked(now time.Time) []*authFailWindow {
	if len(a.windows) < a.opts.MaxTracked {
		return nil
	}
	var due []*authFailWindow
	var oldestKey authFailKey
	var oldest *authFailWindow
	for k, w := range a.windows {
		if now.Sub(w.start) >= a.opts.Window {
			if w.count > 0 {
				due = append(due, w)
			}
			delete(a.windows, k)
			continue
		}
		if oldest == nil || w.start.Before(oldest.start) {
			oldestKey, oldest = k, w
		}
	}
	if len(a.windows) >= a.opts.MaxTracked && oldest != nil {
		if oldest.count > 0 {
			due = append(due, oldest)
		}
		delete(a.windows, oldestKey)
	}
	return due
}

// Flush records the summaries of the windows that have closed.
func (a *AuthFailures) Flush(ctx context.Context) error {
	return a.flush(ctx, false)
}

// Close records the summaries of every window, closed or not (at shutdown,
// before the stream closes).
func (a *AuthFailures) Close(ctx context.Context) error {
	return a.flush(ctx, true)
}

func (a *AuthFailures) flush(ctx context.Context, all bool) error {
	now := a.opts.Now()
	var due []*authFailWindow
	a.mu.Lock()
	for k, w := range a.windows {
		if all || now.Sub(w.start) >= a.opts.Window {
			if w.count > 0 {
				due = append(due, w)
			}
			delete(a.windows, k)
		}
	}
	a.mu.Unlock()
	if n := a.recordSummaries(ctx, due); n > 0 {
		return fmt.Errorf("%d failed-authentication summaries not recorded yet (kept for retry)", n)
	}
	return nil
}

// Run flushes closed windows every Window/4 until ctx ends, then records
// every summary left (Close), with a bounded wait.
func (a *AuthFailures) Run(ctx context.Context) {
	t := time.NewTicker(max(a.opts.Window/4, 10*time.Millisecond))
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
			defer cancel()
			if err := a.Close(cctx); err != nil {
				a.opts.Logger.Error("failed-authentication summaries lost at shutdown", "err", err)
			}
			return
		case <-t.C:
			if err := a.Flush(ctx); err != nil {
				a.opts.Logger.Error("failed-authentication summaries not recorded; retrying", "err", err)
			}
		}
	}
}

// recordSummaries records each window's summary; those that fail are put
// back (merged into a newer window of the same key if there is one) to be
// retried by the next Flush. It returns how many failed.
func (a *AuthFailures) recordSummaries(ctx context.Context, due []*authFailWindow) int {
	failed := 0
	for _, w := range due {
		if err := a.recordSummary(context.WithoutCancel(ctx), w); err != nil {
			failed++
			a.opts.Logger.Warn("failed-authentication summary not recorded; kept for retry", "accessKeyId", w.in.Caller.AccessKeyID, "source", w.in.SourceIP, "count", w.count, "err", err)
			a.requeue(w)
		}
	}
	return failed
}

func (a *AuthFailures) requeue(w *authFailWindow) {
	k := authFailKey{w.in.Caller.AccessKeyID, w.in.SourceIP, w.in.Result.ErrorCode}
	a.mu.Lock()
	defer a.mu.Unlock()
	cur := a.windows[k]
	if cur == nil {
		w.start = time.Time{} // closed: the next Flush retries it
		a.windows[k] = w
		return
	}
	if cur.count == 0 {
		cur.first, cur.last, cur.codes, cur.in = w.first, w.last, map[string]int{}, w.in
	}
	cur.count += w.count
	cur.first = minTime(cur.first, w.first)
	cur.last = maxTime(cur.last, w.last)
	for c, n := range w.codes {
		cur.codes[c] += n
	}
}

// recordSummary appends the summary event of w: the record of its last
// counted failure, with additionalEventData {"authFailureSummary": ...}.
func (a *AuthFailures) recordSummary(ctx context.Context, w *authFailWindow) error {
	e, err := a.rec.Build(w.in)
	if err != nil {
		return err
	}
	var rec event.Record
	if err := json.Unmarshal(e.Record, &rec); err != nil {
		return fmt.Errorf("decode summary record: %w", err)
	}
	data, err := json.Marshal(map[string]AuthFailureSummary{"authFailureSummary": {
		Count:          w.count,
		FirstEventTime: w.first.UTC().Format(event.TimeFormat),
		LastEventTime:  w.last.UTC().Format(event.TimeFormat),
		WindowSeconds:  int64(a.opts.Window / time.Second),
		ErrorCodes:     maps.Clone(w.codes),
	}})
	if err != nil {
		return err
	}
	rec.AdditionalEventData = data
	if e.Record, err = json.Marshal(&rec); err != nil {
		return fmt.Errorf("encode summary record: %w", err)
	}
	_, err = a.rec.AppendEntry(ctx, e)
	return err
}

// summaryInput keeps what a summary records of a failure, without the
// response body.
func summaryInput(in recorder.Input) recorder.Input {
	res := in.Result
	in.Result = &api.Result{
		EventName: res.EventName, ReadOnly: res.ReadOnly, DataEvent: res.DataEvent,
		ErrorCode: res.ErrorCode, ErrorMessage: res.ErrorMessage, APIVersion: res.APIVersion,
		Resources: res.Resources,
	}
	if in.Result.EventName == "" {
		in.Result.EventName = "UnknownOperation"
	}
	return in
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
