package server

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cairn-audit/cairn/internal/api"
	"github.com/cairn-audit/cairn/internal/auth"
	"github.com/cairn-audit/cairn/internal/iam"
	"github.com/cairn-audit/cairn/internal/identity"
	"github.com/cairn-audit/cairn/internal/recorder"
	"github.com/cairn-audit/cairn/internal/sts"
)

// fakeClock is a settable clock.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

func (s *stream) snapshot() []map[string]json.RawMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []map[string]json.RawMessage
	for _, e := range s.entries {
		var m map[string]json.RawMessage
		if err := json.Unmarshal(e.Record, &m); err != nil {
			panic(err)
		}
		out = append(out, m)
	}
	return out
}

func (s *stream) setFail(v bool) { s.mu.Lock(); s.fail = v; s.mu.Unlock() }

func summaryOf(t *testing.T, rec map[string]json.RawMessage) (AuthFailureSummary, bool) {
	t.Helper()
	raw, ok := rec["additionalEventData"]
	if !ok {
		return AuthFailureSummary{}, false
	}
	var d map[string]AuthFailureSummary
	if err := json.Unmarshal(raw, &d); err != nil {
		t.Fatalf("additionalEventData %s: %v", raw, err)
	}
	s, ok := d["authFailureSummary"]
	return s, ok
}

// TestAuthFailuresAreAggregated: 3,000 bad-signature requests of a known key
// write two records, the first failure and a summary with the count of the
// rest, not 3,000 (before: one fsync'd record each).
func TestAuthFailuresAreAggregated(t *testing.T) {
	ids, err := identity.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ids.Close() })
	if _, _, err := ids.Bootstrap(account, akid, secret); err != nil {
		t.Fatal(err)
	}
	st := &stream{}
	clock := &fakeClock{t: time.Now()}
	rec := recorder.New(st, nil)
	af := NewAuthFailures(rec, AuthFailureOptions{Window: time.Minute, Now: clock.now})
	srv := httptest.NewServer(New(Options{
		Verifier:     auth.NewVerifier(auth.FromIdentity(ids), auth.DefaultOptions()),
		Recorder:     rec,
		Services:     []api.Service{iam.New(ids), sts.New()},
		AuthFailures: af,
	}))
	t.Cleanup(srv.Close)
	const n = 3000
	for i := range n {
		req := signedForm(t, srv, "sts", "Action=GetCallerIdentity&Version=2011-06-15")
		req.Header.Set("Authorization", strings.Replace(req.Header.Get("Authorization"), "Signature=", "Signature=00", 1))
		if status, body := do(t, req); status != 403 || !strings.Contains(body, "SignatureDoesNotMatch") {
			t.Fatalf("request %d: %d %s", i, status, body)
		}
	}
	if got := len(st.snapshot()); got != 1 {
		t.Fatalf("%d records after %d failures in one window, want 1", got, n)
	}
	// Before the window closes, Flush records nothing.
	if err := af.Flush(context.Background()); err != nil || len(st.snapshot()) != 1 {
		t.Fatalf("early flush: %v, %d records", err, len(st.snapshot()))
	}
	clock.add(time.Minute)
	if err := af.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	recs := st.snapshot()
	if len(recs) != 2 {
		t.Fatalf("%d records after the window, want 2", len(recs))
	}
	if _, ok := summaryOf(t, recs[0]); ok {
		t.Fatal("the first failure is recorded as a summary")
	}
	sum, ok := summaryOf(t, recs[1])
	if !ok || sum.Count != n-1 || sum.WindowSeconds != 60 || sum.ErrorCodes["SignatureDoesNotMatch"] != n-1 || sum.FirstEventTime == "" || sum.LastEventTime == "" {
		t.Fatalf("summary %+v (%v)", sum, ok)
	}
	var name, code, key string
	json.Unmarshal(recs[1]["eventName"], &name)
	json.Unmarshal(recs[1]["errorCode"], &code)
	var uid struct {
		AccessKeyID string `json:"accessKeyId"`
	}
	json.Unmarshal(recs[1]["userIdentity"], &uid)
	key = uid.AccessKeyID
	if name != "GetCallerIdentity" || code != "SignatureDoesNotMatch" || key != akid {
		t.Fatalf("summary record %s %s %s", name, code, key)
	}
	// The next window: its first failure is recorded at once again.
	req := signedForm(t, srv, "sts", "Action=GetCallerIdentity&Version=2011-06-15")
	req.Header.Set("Authorization", strings.Replace(req.Header.Get("Authorization"), "Signature=", "Signature=00", 1))
	do(t, req)
	if got := len(st.snapshot()); got != 3 {
		t.Fatalf("%d records, want 3", got)
	}
}

func failureInput(keyID, ip string) recorder.Input {
	return recorder.Input{
		Service:  sts.New(),
		Caller:   identity.Principal{Type: identity.TypeRoot, AccountID: account, ARN: "arn:aws:iam::" + account + ":root", PrincipalID: account, AccessKeyID: keyID},
		Region:   "us-east-1",
		SourceIP: ip,
		Result:   &api.Result{EventName: "GetCallerIdentity", ErrorCode: "SignatureDoesNotMatch", ErrorMessage: "bad"},
	}
}

// TestAuthFailuresBounded: the table never holds more than MaxTracked
// windows; evicted windows are recorded, never lost; a summary due at the
// next failure after its window precedes that failure; Close records all.
func TestAuthFailuresBounded(t *testing.T) {
	st := &stream{}
	clock := &fakeClock{t: time.Now()}
	af := NewAuthFailures(recorder.New(st, nil), AuthFailureOptions{Window: time.Minute, MaxTracked: 8, Now: clock.now})
	ctx := context.Background()
	total, recorded := 0, 0
	for ip := range 100 {
		for range 3 {
			total++
			if af.Admit(ctx, failureInput(akid, fmt.Sprintf("10.0.0.%d", ip))) {
				recorded++
			}
			clock.add(time.Millisecond)
		}
		af.mu.Lock()
		if n := len(af.windows); n > 8 {
			t.Fatalf("%d windows tracked", n)
		}
		af.mu.Unlock()
	}
	if err := af.Close(ctx); err != nil {
		t.Fatal(err)
	}
	counted := 0
	for _, r := range st.snapshot() {
		if s, ok := summaryOf(t, r); ok {
			counted += s.Count
		}
	}
	if recorded != 100 || counted != total-recorded {
		t.Fatalf("recorded %d at once, %d in summaries, of %d", recorded, counted, total)
	}

	// A summary that cannot be recorded is kept and recorded later.
	st2 := &stream{}
	af = NewAuthFailures(recorder.New(st2, nil), AuthFailureOptions{Window: time.Minute, Now: clock.now})
	af.Admit(ctx, failureInput(akid, "10.1.1.1"))
	af.Admit(ctx, failureInput(akid, "10.1.1.1"))
	af.Admit(ctx, failureInput(akid, "10.1.1.1"))
	st2.setFail(true)
	clock.add(time.Minute)
	if err := af.Flush(ctx); err == nil {
		t.Fatal("flush into a failing stream reported success")
	}
	st2.setFail(false)
	// The next failure of the same key and source: summary first, then the failure is admitted.
	if !af.Admit(ctx, failureInput(akid, "10.1.1.1")) {
		t.Fatal("first failure of a new window not admitted")
	}
	recs := st2.snapshot()
	if s, ok := summaryOf(t, recs[len(recs)-1]); !ok || s.Count != 2 {
		t.Fatalf("records %v", recs)
	}
}
