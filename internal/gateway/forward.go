package gateway

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/cairn-audit/cairn/internal/api"
	"github.com/cairn-audit/cairn/internal/outbound"
)

// newTransport is the upstream client: connect (and TLS) within DialTimeout,
// response headers within ResponseHeaderTimeout of the request being sent,
// and no wait for body progress, either way, longer than StallTimeout. There
// is no overall deadline: bodies (S3 objects, event streams) stream for as
// long as they move. Errors are *outbound.Error ("gateway POST to
// http://upstream: timeout awaiting response headers after 5m0s"); forward
// answers them as GatewayTimeout (504) or BadGateway (502).
func newTransport(o Options) *outbound.Transport {
	dial := o.DialTimeout
	if dial <= 0 {
		dial = DefaultDialTimeout
	}
	rht := o.ResponseHeaderTimeout
	if rht <= 0 {
		rht = DefaultResponseHeaderTimeout
	}
	perHost := o.MaxIdleConnsPerHost
	if perHost <= 0 {
		perHost = DefaultMaxIdleConnsPerHost
	}
	return outbound.NewTransport(outbound.Options{
		Name:                  "gateway",
		DialTimeout:           dial,
		TLSHandshakeTimeout:   dial,
		ResponseHeaderTimeout: rht,
		StallTimeout:          o.StallTimeout,
		IdleConnTimeout:       o.IdleConnTimeout,
		MaxIdleConnsPerHost:   perHost,
		Proxy:                 nil,  // the upstream is named explicitly
		DisableCompression:    true, // bodies pass through as the upstream encoded them
	})
}

// hopByHop are the headers that describe one connection, not the request;
// they are not forwarded (unless the client signed them).
var hopByHop = []string{"Connection", "Keep-Alive", "Proxy-Connection", "Proxy-Authenticate", "Proxy-Authorization", "Te", "Trailer", "Transfer-Encoding", "Upgrade"}

// outbound is the request as it goes upstream: the method, path (as sent,
// byte for byte), query, Host and headers the client signed, and the body.
// Only hop-by-hop headers the client did not sign are dropped; nothing is
// added (no X-Forwarded-For: Cairn records the source address itself).
func (c *call) outbound(up *url.URL) *http.Request {
	r := c.r
	u := &url.URL{Scheme: up.Scheme, Host: up.Host, RawQuery: r.URL.RawQuery}
	if p := rawPath(r); strings.HasPrefix(p, "/") && !strings.HasPrefix(p, "//") {
		u.Opaque = p // sent exactly as the client sent it
	} else {
		u.Path, u.RawPath = r.URL.Path, r.URL.RawPath
	}
	h := forwardHeader(r.Header, signedHeaders(r))
	if _, ok := h["User-Agent"]; !ok {
		h["User-Agent"] = []string{""} // keeps the transport from adding its own
	}
	out := &http.Request{
		Method: r.Method, URL: u, Host: r.Host, Header: h,
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
	}
	switch {
	case c.buffered && len(c.body) == 0:
		out.Body, out.ContentLength = http.NoBody, 0
	case c.buffered:
		out.Body, out.ContentLength = io.NopCloser(c.send), int64(len(c.body))
		// Lets the transport resend on a pooled connection the upstream had
		// closed before reading anything.
		out.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytesReader(c.body)), nil }
	default:
		out.Body, out.ContentLength = io.NopCloser(c.send), r.ContentLength
	}
	return out.WithContext(r.Context())
}

// brokenBody is Cairn's answer when the upstream sent its status and headers
// but not the body the event needs (it stalled or broke off): nothing has
// reached the client yet, so it gets GatewayTimeout (a deadline passed) or
// BadGateway, and the event records that error with the upstream's status.
func (c *call) brokenBody(up *url.URL, rp *reply, err error) *reply {
	rp.close()
	msg := fmt.Sprintf("The upstream %s answered HTTP %d but its response body could not be read: %v", up.String(), rp.status, err)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return c.localError(&api.Error{Code: "GatewayTimeout", Message: msg, Status: http.StatusGatewayTimeout})
	}
	return c.localError(&api.Error{Code: "BadGateway", Message: msg, Status: http.StatusBadGateway})
}

// rawPath is the path of the request target as the client sent it.
func rawPath(r *http.Request) string {
	p := r.RequestURI
	if i := strings.IndexByte(p, '?'); i >= 0 {
		p = p[:i]
	}
	if strings.HasPrefix(p, "/") {
		return p
	}
	if u, err := url.ParseRequestURI(r.RequestURI); err == nil && u.IsAbs() { // absolute-form
		return u.EscapedPath()
	}
	return r.URL.EscapedPath()
}

// forwardHeader copies h without the hop-by-hop headers the client did not sign.
func forwardHeader(h http.Header, signed map[string]bool) http.Header {
	out := h.Clone()
	if out == nil {
		out = http.Header{}
	}
	for _, f := range h.Values("Connection") {
		for _, name := range strings.Split(f, ",") {
			if name = strings.TrimSpace(name); name != "" && !signed[strings.ToLower(name)] {
				out.Del(name)
			}
		}
	}
	for _, name := range hopByHop {
		if !signed[strings.ToLower(name)] {
			out.Del(name)
		}
	}
	return out
}

// signedHeaders are the (lower-case) header names a SigV4 request signed.
func signedHeaders(r *http.Request) map[string]bool {
	list := r.URL.Query().Get("X-Amz-SignedHeaders")
	if a := r.Header.Get("Authorization"); a != "" {
		if i := strings.Index(a, "SignedHeaders="); i >= 0 {
			list = a[i+len("SignedHeaders="):]
			if j := strings.IndexAny(list, ", "); j >= 0 {
				list = list[:j]
			}
		}
	}
	m := make(map[string]bool)
	for _, name := range strings.Split(list, ";") {
		if name != "" {
			m[strings.ToLower(name)] = true
		}
	}
	return m
}

// bodyReader is the request body on its way upstream: it counts and
// remembers the client's read error. The transport may still be reading it
// after RoundTrip returns, hence the lock.
type bodyReader struct {
	mu  sync.Mutex
	r   io.Reader
	n   int64
	err error
}

func (b *bodyReader) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	b.mu.Lock()
	defer b.mu.Unlock()
	b.n += int64(n)
	if err != nil && err != io.EOF && b.err == nil {
		b.err = err
	}
	return n, err
}

// readErr is the error reading the client's body failed with, if any.
func (b *bodyReader) readErr() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.err
}

type eofReader struct{}

func (eofReader) Read([]byte) (int, error) { return 0, io.EOF }

func bytesReader(b []byte) io.Reader { return bytes.NewReader(b) }

// hasToken reports whether a comma-separated header has token.
func hasToken(values []string, token string) bool {
	for _, v := range values {
		for _, t := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(t), token) {
				return true
			}
		}
	}
	return false
}
