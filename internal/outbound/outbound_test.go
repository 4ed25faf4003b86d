package outbound_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/cairn-audit/cairn/internal/outbound"
	"github.com/cairn-audit/cairn/internal/outbound/outboundtest"
)

// short are deadlines small enough for tests; the generous margins of the
// assertions (a few seconds) keep them from failing on a busy machine.
func short() outbound.Options {
	return outbound.Options{
		Name: "test", DialTimeout: time.Second, TLSHandshakeTimeout: 200 * time.Millisecond,
		ResponseHeaderTimeout: 200 * time.Millisecond, StallTimeout: 200 * time.Millisecond,
	}
}

// within runs fn and fails if it takes longer than limit (a hang).
func within(t *testing.T, limit time.Duration, fn func() error) error {
	t.Helper()
	errc := make(chan error, 1)
	go func() { errc <- fn() }()
	select {
	case err := <-errc:
		return err
	case <-time.After(limit):
		t.Fatalf("the request did not fail within %s", limit)
		return nil
	}
}

func wantPhase(t *testing.T, err error, p outbound.Phase, text string) {
	t.Helper()
	var oe *outbound.Error
	if !errors.As(err, &oe) || oe.Phase != p {
		t.Fatalf("want an *outbound.Error in phase %q, got %T %v", p, err, err)
	}
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Errorf("the error is not a net.Error timeout (callers retry on those): %v", err)
	}
	if !strings.Contains(err.Error(), text) {
		t.Errorf("error %q does not say %q", err, text)
	}
}

func TestBlackHoleResponseHeaders(t *testing.T) {
	addr := outboundtest.BlackHole(t)
	c := outbound.NewClient(short())
	err := within(t, 10*time.Second, func() error {
		_, err := c.Post("http://"+addr+"/x", "text/plain", strings.NewReader("hello"))
		return err
	})
	wantPhase(t, err, outbound.PhaseResponseHeaders, "test POST to http://"+addr+": timeout awaiting response headers after 200ms")
}

func TestBlackHoleTLSHandshake(t *testing.T) {
	addr := outboundtest.BlackHole(t)
	c := outbound.NewClient(short())
	err := within(t, 10*time.Second, func() error {
		_, err := c.Get("https://" + addr + "/")
		return err
	})
	wantPhase(t, err, outbound.PhaseTLSHandshake, "timeout in the TLS handshake after 200ms")
}

// An upload the endpoint never reads fails on the progress deadline, not
// after the whole body was (never) written.
func TestBlackHoleRequestBody(t *testing.T) {
	addr := outboundtest.BlackHole(t)
	c := outbound.NewClient(short())
	err := within(t, 20*time.Second, func() error {
		req, _ := http.NewRequest(http.MethodPut, "http://"+addr+"/big", io.LimitReader(rand.Reader, 1<<30))
		req.ContentLength = 1 << 30
		_, err := c.Do(req)
		return err
	})
	wantPhase(t, err, outbound.PhaseRequestBody, "request body stalled")
}

// A response body that stops moving fails on the progress deadline.
func TestStalledResponseBody(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "1000")
		w.WriteHeader(200)
		w.Write([]byte("partial"))
		w.(http.Flusher).Flush()
		<-release
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) })
	c := outbound.NewClient(short())
	resp, err := c.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	err = within(t, 10*time.Second, func() error {
		_, err := io.ReadAll(resp.Body)
		return err
	})
	wantPhase(t, err, outbound.PhaseResponseBody, "response body stalled")
}

// A large body that keeps moving is never cut by the progress deadline, even
// when the whole transfer takes many times that deadline.
func TestSlowButMovingBodyIsNotCut(t *testing.T) {
	const chunks = 15
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := io.Copy(io.Discard, r.Body) // the upload, read slowly below
		w.WriteHeader(200)
		for i := 0; i < chunks; i++ {
			w.Write(bytes.Repeat([]byte("x"), 1024))
			w.(http.Flusher).Flush()
			time.Sleep(50 * time.Millisecond)
		}
		_ = n
	}))
	t.Cleanup(srv.Close)
	o := short()
	o.StallTimeout = 2 * time.Second
	c := outbound.NewClient(o)
	start := time.Now()
	resp, err := c.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || len(b) != chunks*1024 {
		t.Fatalf("read %d bytes, %v", len(b), err)
	}
	t.Logf("a %d KiB body in %s with a %s progress deadline", chunks, time.Since(start), o.StallTimeout)
}

// Options.Timeout bounds the whole exchange, body included.
func TestOverallTimeout(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(200)
		for {
			select {
			case <-release:
				return
			case <-time.After(20 * time.Millisecond):
			}
			w.Write([]byte("x")) // a trickle: progress, never an end
			w.(http.Flusher).Flush()
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) })
	o := short()
	o.StallTimeout, o.Timeout = 5*time.Second, 300*time.Millisecond
	c := outbound.NewClient(o)
	err := within(t, 10*time.Second, func() error {
		resp, err := c.Get(srv.URL)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		_, err = io.ReadAll(resp.Body)
		return err
	})
	wantPhase(t, err, outbound.PhaseOverall, "no complete answer after 300ms")
}

// A cancelled caller gets its context's error, not a deadline of ours.
func TestCallerCancel(t *testing.T) {
	addr := outboundtest.BlackHole(t)
	o := short()
	o.ResponseHeaderTimeout = time.Minute
	c := outbound.NewClient(o)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+"/", nil)
	_, err := c.Do(req)
	var oe *outbound.Error
	if !errors.Is(err, context.DeadlineExceeded) || !errors.As(err, &oe) || oe.Phase != "" {
		t.Fatalf("want the caller's deadline in an *outbound.Error without a phase: %v", err)
	}
}

func TestDefaults(t *testing.T) {
	o := outbound.Options{}.WithDefaults()
	if o.DialTimeout != outbound.DefaultDialTimeout || o.ResponseHeaderTimeout != outbound.DefaultResponseHeaderTimeout ||
		o.StallTimeout != outbound.DefaultStallTimeout || o.Timeout != 0 || o.Name == "" {
		t.Fatalf("defaults: %+v", o)
	}
}
