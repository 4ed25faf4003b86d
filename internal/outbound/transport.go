package outbound

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"
)

// Transport is an http.RoundTripper with the deadlines of its Options. It is
// safe for concurrent use.
type Transport struct {
	opts Options
	base *http.Transport
}

// NewTransport returns a transport with the options (zero fields take the defaults).
func NewTransport(opts Options) *Transport {
	o := opts.WithDefaults()
	d := &net.Dialer{Timeout: o.DialTimeout, KeepAlive: 30 * time.Second}
	return &Transport{opts: o, base: &http.Transport{
		Proxy: o.Proxy,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := d.DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			return &conn{Conn: c, stall: o.StallTimeout}, nil
		},
		MaxIdleConns:          4 * o.MaxIdleConnsPerHost,
		MaxIdleConnsPerHost:   o.MaxIdleConnsPerHost,
		IdleConnTimeout:       o.IdleConnTimeout,
		TLSHandshakeTimeout:   o.TLSHandshakeTimeout,
		ResponseHeaderTimeout: o.ResponseHeaderTimeout,
		ExpectContinueTimeout: DefaultExpectContinueTimeout,
		DisableCompression:    o.DisableCompression,
		ForceAttemptHTTP2:     o.HTTP2,
	}}
}

// NewClient returns an http.Client on a NewTransport. Its own Timeout stays
// 0: the transport applies Options.Timeout.
func NewClient(opts Options) *http.Client {
	return &http.Client{Transport: NewTransport(opts)}
}

// Options returns the options in effect (defaults filled in).
func (t *Transport) Options() Options { return t.opts }

// CloseIdleConnections closes the pooled connections.
func (t *Transport) CloseIdleConnections() { t.base.CloseIdleConnections() }

// RoundTrip sends the request under the deadlines. Errors are *Error. The
// response body is read under the progress deadline (and Timeout, if set)
// until it is closed.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	parent := req.Context()
	ctx, cancel := context.WithCancelCause(parent)
	stopOverall := func() bool { return true }
	if t.opts.Timeout > 0 {
		tm := time.AfterFunc(t.opts.Timeout, func() {
			cancel(t.errorFor(req, PhaseOverall, t.opts.Timeout, context.DeadlineExceeded))
		})
		stopOverall = tm.Stop
	}
	resp, err := t.base.RoundTrip(req.WithContext(ctx))
	if err != nil {
		stopOverall()
		cause := context.Cause(ctx)
		cancel(nil)
		return nil, t.classify(req, err, cause)
	}
	if resp.Body == nil || resp.Body == http.NoBody {
		stopOverall()
		cancel(nil)
		return resp, nil
	}
	b := &body{t: t, req: req, rc: resp.Body, ctx: ctx}
	b.timer = time.AfterFunc(time.Hour, func() {
		cancel(t.errorFor(req, PhaseResponseBody, t.opts.StallTimeout, context.DeadlineExceeded))
	})
	b.timer.Stop()
	b.done = func() { b.timer.Stop(); stopOverall(); cancel(nil) }
	resp.Body = b
	return resp, nil
}

func (t *Transport) errorFor(req *http.Request, p Phase, after time.Duration, err error) *Error {
	op := ""
	if t.opts.Operation != nil {
		op = t.opts.Operation(req)
	}
	if op == "" {
		op = req.Method
	}
	return &Error{Client: t.opts.Name, Op: op, Endpoint: req.URL.Scheme + "://" + req.URL.Host, Phase: p, After: after, Err: err}
}

// classify names the deadline behind a transport error.
func (t *Transport) classify(req *http.Request, err, cause error) error {
	var ours *Error
	if errors.As(cause, &ours) && ours.Phase != "" {
		return ours // Timeout or a body stall cancelled the request
	}
	o := t.opts
	var stall *stallError
	var op *net.OpError
	msg := err.Error()
	switch {
	case errors.As(err, &stall):
		return t.errorFor(req, PhaseRequestBody, o.StallTimeout, err)
	case strings.Contains(msg, "timeout awaiting response headers"):
		return t.errorFor(req, PhaseResponseHeaders, o.ResponseHeaderTimeout, err)
	case strings.Contains(msg, "TLS handshake timeout"):
		return t.errorFor(req, PhaseTLSHandshake, o.TLSHandshakeTimeout, err)
	case errors.As(err, &op) && op.Op == "dial" && op.Timeout() && !errors.Is(err, context.DeadlineExceeded):
		return t.errorFor(req, PhaseConnect, o.DialTimeout, err)
	}
	return t.errorFor(req, "", 0, err)
}

// conn puts a progress deadline on every write: a write that cannot hand
// its bytes to the kernel within the stall timeout fails.
type conn struct {
	net.Conn
	stall time.Duration
}

func (c *conn) Write(p []byte) (int, error) {
	if err := c.Conn.SetWriteDeadline(time.Now().Add(c.stall)); err != nil {
		return 0, err
	}
	n, err := c.Conn.Write(p)
	if err != nil && errors.Is(err, os.ErrDeadlineExceeded) {
		return n, &stallError{after: c.stall, err: err}
	}
	return n, err
}

// body is a response body read under the progress deadline: a Read that
// returns nothing for StallTimeout cancels the request.
type body struct {
	t     *Transport
	req   *http.Request
	rc    io.ReadCloser
	ctx   context.Context
	timer *time.Timer
	done  func()
	once  sync.Once
}

func (b *body) Read(p []byte) (int, error) {
	b.timer.Reset(b.t.opts.StallTimeout)
	n, err := b.rc.Read(p)
	b.timer.Stop()
	if err != nil && err != io.EOF {
		return n, b.t.classify(b.req, err, context.Cause(b.ctx))
	}
	return n, err
}

func (b *body) Close() error {
	err := b.rc.Close()
	b.once.Do(b.done)
	return err
}
