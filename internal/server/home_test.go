package server

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/cairn-audit/cairn/internal/api"
	"github.com/cairn-audit/cairn/internal/event"
	"github.com/cairn-audit/cairn/internal/recorder"
	"github.com/cairn-audit/cairn/internal/sts"
)

// An unsigned GET / answers a person (HTML) or a program (JSON); /healthz
// and /readyz answer load balancers; none of it is recorded.
func TestHomeAndHealth(t *testing.T) {
	srv, st, _ := setup(t)
	get := func(path, accept string) (int, string, string) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, srv.URL+path, nil)
		if accept != "" {
			req.Header.Set("Accept", accept)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header.Get("Content-Type"), string(b)
	}
	status, ctype, body := get("/", "text/html,application/xhtml+xml,*/*;q=0.8")
	if status != 200 || !strings.HasPrefix(ctype, "text/html") || !strings.Contains(body, "Cairn") || !strings.Contains(body, "AWS_ENDPOINT_URL="+srv.URL) {
		t.Fatalf("browser GET /: %d %s\n%s", status, ctype, body)
	}
	status, ctype, body = get("/", "")
	var info map[string]string
	if status != 200 || ctype != "application/json" || json.Unmarshal([]byte(body), &info) != nil || info["service"] != "cairn" || info["version"] == "" {
		t.Fatalf("GET /: %d %s %s", status, ctype, body)
	}
	if status, _, body = get(HealthPath, ""); status != 200 || body != "ok\n" {
		t.Fatalf("GET /healthz: %d %q", status, body)
	}
	if status, _, body = get(ReadyPath, ""); status != 200 || body != "ready\n" {
		t.Fatalf("GET /readyz: %d %q", status, body)
	}
	// Anything else unsigned is still refused as before.
	if status, _, body = get("/other", ""); status != 403 || !strings.Contains(body, "MissingAuthenticationToken") {
		t.Fatalf("GET /other: %d %s", status, body)
	}
	if status, _, body = get("/?Action=GetCallerIdentity", ""); status != 403 {
		t.Fatalf("GET /?Action=...: %d %s", status, body)
	}
	if len(st.entries) != 0 {
		t.Fatalf("recorded %d events", len(st.entries))
	}
	// A signed call to / is still the service's.
	req := signedForm(t, srv, "sts", "Action=GetCallerIdentity&Version=2011-06-15")
	if status, body := do(t, req); status != 200 || !strings.Contains(body, "GetCallerIdentityResult") {
		t.Fatalf("signed call: %d %s", status, body)
	}
}

// Readiness fails while the journal refuses appends, and with Options.Ready's error.
func TestReadyReportsUnrecordable(t *testing.T) {
	st := &stream{}
	rec := recorder.New(st, nil)
	front := New(Options{Recorder: rec, Services: []api.Service{sts.New()}, Ready: func() error { return errors.New("history store closed") }})
	readyz := func() (int, string) {
		w := httptest.NewRecorder()
		front.ServeHTTP(w, httptest.NewRequest(http.MethodGet, ReadyPath, nil))
		return w.Code, w.Body.String()
	}
	if code, body := readyz(); code != http.StatusServiceUnavailable || !strings.Contains(body, "history store closed") {
		t.Fatalf("%d %s", code, body)
	}
	front.opts.Ready = nil
	st.mu.Lock()
	st.fail = true
	st.mu.Unlock()
	if err := rec.Settle(context.Background(), event.Marker{Seq: 1, Outcome: event.Committed}); err == nil {
		t.Fatal("settle on a failing stream succeeded")
	}
	if code, body := readyz(); code != http.StatusServiceUnavailable || !strings.Contains(body, "journal") {
		t.Fatalf("with an owed marker: %d %s", code, body)
	}
	st.mu.Lock()
	st.fail = false
	st.mu.Unlock()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) { // the recorder retries owed markers
		if code, _ := readyz(); code == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("still not ready after the journal took the owed marker")
		}
	}
	w := httptest.NewRecorder()
	front.ServeHTTP(w, httptest.NewRequest(http.MethodHead, HealthPath, nil))
	if w.Code != http.StatusOK {
		t.Fatalf("HEAD /healthz: %d", w.Code)
	}
}
