package gateway

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/cairn-audit/cairn/internal/api"
	"github.com/cairn-audit/cairn/internal/auth"
	"github.com/cairn-audit/cairn/internal/event"
	"github.com/cairn-audit/cairn/internal/identity"
	"github.com/cairn-audit/cairn/internal/recorder"
	"github.com/cairn-audit/cairn/internal/server"
	"github.com/cairn-audit/cairn/internal/sts"
)

const (
	account = "123456789012"
	akid    = "AKIAGATEWAYTEST00001"
	secret  = "gatewayTestSecret0000000000000000000000/"
	region  = "eu-west-1"
)

// stream is an in-memory event stream that can be made to fail.
type stream struct {
	mu      sync.Mutex
	fail    bool
	entries []event.Entry
}

func (s *stream) Append(_ context.Context, payload []byte) (uint64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail {
		return 0, errors.New("disk on fire")
	}
	var e event.Entry
	if err := e.UnmarshalBinary(payload); err != nil {
		return 0, err
	}
	s.entries = append(s.entries, e)
	return uint64(len(s.entries)), nil
}

func (s *stream) setFail(v bool) {
	s.mu.Lock()
	s.fail = v
	s.mu.Unlock()
}

func (s *stream) all() []event.Entry {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]event.Entry(nil), s.entries...)
}

// env is Cairn's front door with a gateway in front of upstream.
type env struct {
	t     testing.TB
	front *httptest.Server
	gw    *Gateway
	st    *stream
	spill string
	ver   *auth.Verifier
	rec   *recorder.Recorder
}

// recordEveryAuthFailure makes the front door record every failed
// authentication of a known key (an aggregation window of 1 ns), so tests
// can look at each.
func (e *env) recordEveryAuthFailure() {
	fd := server.New(server.Options{Verifier: e.ver, Recorder: e.rec, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		AuthFailures: server.NewAuthFailures(e.rec, server.AuthFailureOptions{Window: time.Nanosecond})})
	e.gw.SetAuthFailed(fd.AuthFailed)
}

func newEnv(t testing.TB, routes map[string]string, tweak func(*Options)) *env {
	t.Helper()
	ids, err := identity.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ids.Close() })
	if _, _, err := ids.Bootstrap(account, akid, secret); err != nil {
		t.Fatal(err)
	}
	st := &stream{}
	ver := auth.NewVerifier(auth.FromIdentity(ids), auth.DefaultOptions())
	rec := recorder.New(st, nil)
	o := Options{Routes: routes, Local: map[string]bool{"sts": true, "iam": true, "cloudtrail": true},
		Verifier: ver, Recorder: rec, DefaultAccount: account, SpillDir: t.TempDir(), SpoolDir: t.TempDir(), SpillRetry: 50 * time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	if tweak != nil {
		tweak(&o)
	}
	gw, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	fd := server.New(server.Options{Verifier: ver, Recorder: rec, Services: []api.Service{sts.New()}, Gateway: gw, Logger: o.Logger})
	gw.SetAuthFailed(fd.AuthFailed) // as cmd/cairn wires it
	front := httptest.NewServer(fd)
	t.Cleanup(front.Close)
	return &env{t: t, front: front, gw: gw, st: st, spill: o.SpillDir, ver: ver, rec: rec}
}

// req builds a request to the front door, signed as service with key/secret.
func (e *env) req(method, path, service string, h map[string]string, body []byte, key, sec string) *http.Request {
	e.t.Helper()
	r, err := http.NewRequest(method, e.front.URL+path, bytes.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	if body == nil {
		r.Body, r.ContentLength = http.NoBody, 0
	}
	for k, v := range h {
		r.Header.Set(k, v)
	}
	sum := sha256.Sum256(body)
	hash := hex.EncodeToString(sum[:])
	if v := r.Header.Get("X-Amz-Content-Sha256"); v != "" {
		hash = v
	}
	signer := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = service == "s3" })
	if err := signer.SignHTTP(context.Background(), aws.Credentials{AccessKeyID: key, SecretAccessKey: sec}, r, hash, service, region, time.Now()); err != nil {
		e.t.Fatal(err)
	}
	return r
}

func (e *env) do(r *http.Request) (*http.Response, []byte) {
	e.t.Helper()
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return resp, b
}

// last is the last recorded event, decoded.
func (e *env) last() (event.Entry, map[string]any) {
	e.t.Helper()
	all := e.st.all()
	if len(all) == 0 {
		e.t.Fatal("no event recorded")
	}
	ent := all[len(all)-1]
	var rec map[string]any
	if err := json.Unmarshal(ent.Record, &rec); err != nil {
		e.t.Fatal(err)
	}
	return ent, rec
}

// upstream is a fake AWS service that records what it received.
type upstream struct {
	*httptest.Server
	mu   sync.Mutex
	got  []*http.Request
	body [][]byte
}

func newUpstream(t testing.TB, h func(w http.ResponseWriter, r *http.Request, body []byte)) *upstream {
	u := &upstream{}
	u.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		u.mu.Lock()
		u.got, u.body = append(u.got, r), append(u.body, b)
		u.mu.Unlock()
		h(w, r, b)
	}))
	t.Cleanup(u.Close)
	return u
}

func (u *upstream) lastBody() []byte {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.body[len(u.body)-1]
}

func (u *upstream) lastReq() *http.Request {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.got[len(u.got)-1]
}

// jsonEq compares v (decoded JSON) with want (a JSON literal).
func jsonEq(t *testing.T, what string, v any, want string) {
	t.Helper()
	var w any
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("%s: bad want: %v", what, err)
	}
	gb, _ := json.Marshal(v)
	wb, _ := json.Marshal(w)
	if string(gb) != string(wb) {
		t.Errorf("%s:\n got %s\nwant %s", what, gb, wb)
	}
}

func mustContain(t *testing.T, what, s, sub string) {
	t.Helper()
	if !strings.Contains(s, sub) {
		t.Errorf("%s: %q does not contain %q", what, s, sub)
	}
}

func newHTTPTestServer(h http.Handler) *httptest.Server { return httptest.NewServer(h) }
