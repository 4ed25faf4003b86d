// Package outbound builds the HTTP clients of every call Cairn makes to
// another service: external S3 (trail delivery, digests, Lake results and
// imports), SNS-style notification webhooks and the recording gateway's
// upstreams. Every request has deadlines on each phase, so an endpoint that
// accepts a connection and never answers becomes a timely, named error
// (which the caller retries) instead of a stalled goroutine:
//
//   - connect: DialTimeout for the TCP connection, TLSHandshakeTimeout for TLS;
//   - ResponseHeaderTimeout from the end of the request to the response headers;
//   - StallTimeout bounds every wait for progress on a body: a write of the
//     request body that does not complete, or a read of the response body that
//     returns nothing, for that long fails the request. It is a progress
//     deadline, not a total: a large object that keeps moving is never cut;
//   - Timeout, when set, bounds the whole exchange, body included. Clients of
//     small messages (notifications) set it; streaming clients (S3 objects,
//     the gateway) leave it 0 and rely on the progress deadline, with their own
//     per-operation deadline where one makes sense (see bucket/s3).
//
// Failures are *Error values naming the client, operation, endpoint and the
// deadline that passed: "s3 PutObject to http://10.0.0.5:9000: timeout
// awaiting response headers after 30s". See docs/DELIVERY.md.
package outbound

import (
	"net/http"
	"net/url"
	"time"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
)

// Defaults for Options.
const (
	DefaultDialTimeout           = 10 * time.Second
	DefaultTLSHandshakeTimeout   = 10 * time.Second
	DefaultResponseHeaderTimeout = 30 * time.Second
	DefaultStallTimeout          = 60 * time.Second
	DefaultIdleConnTimeout       = 90 * time.Second
	DefaultMaxIdleConnsPerHost   = 16
	DefaultExpectContinueTimeout = time.Second
)

// Options configure a client. Zero durations take the defaults; there is no
// way to switch a deadline off except Timeout, which is off (0) by default.
type Options struct {
	// Name labels errors: "s3", "notification", "gateway".
	Name string
	// Operation names the operation of a request in errors (e.g. the SDK's
	// operation name); nil or "" uses the HTTP method.
	Operation func(*http.Request) string

	DialTimeout           time.Duration // TCP connect; default DefaultDialTimeout
	TLSHandshakeTimeout   time.Duration // default DefaultTLSHandshakeTimeout
	ResponseHeaderTimeout time.Duration // request written -> headers; default DefaultResponseHeaderTimeout
	StallTimeout          time.Duration // longest wait for body progress either way; default DefaultStallTimeout
	Timeout               time.Duration // whole exchange incl. body; 0 = none (default)

	IdleConnTimeout     time.Duration // idle pooled connections; default DefaultIdleConnTimeout
	MaxIdleConnsPerHost int           // default DefaultMaxIdleConnsPerHost
	// Proxy chooses a proxy per request; nil: none (e.g. http.ProxyFromEnvironment).
	Proxy func(*http.Request) (*url.URL, error)
	// HTTP2 lets TLS connections negotiate HTTP/2.
	HTTP2 bool
	// DisableCompression keeps the transport from asking for gzip (bodies
	// pass through as the server encoded them).
	DisableCompression bool
}

// DefaultOptions are the defaults, with the given name.
func DefaultOptions(name string) Options {
	return Options{
		Name:                  name,
		DialTimeout:           DefaultDialTimeout,
		TLSHandshakeTimeout:   DefaultTLSHandshakeTimeout,
		ResponseHeaderTimeout: DefaultResponseHeaderTimeout,
		StallTimeout:          DefaultStallTimeout,
		IdleConnTimeout:       DefaultIdleConnTimeout,
		MaxIdleConnsPerHost:   DefaultMaxIdleConnsPerHost,
	}
}

// WithDefaults fills the zero fields of o with the defaults.
func (o Options) WithDefaults() Options {
	d := DefaultOptions(o.Name)
	if o.DialTimeout <= 0 {
		o.DialTimeout = d.DialTimeout
	}
	if o.TLSHandshakeTimeout <= 0 {
		o.TLSHandshakeTimeout = d.TLSHandshakeTimeout
	}
	if o.ResponseHeaderTimeout <= 0 {
		o.ResponseHeaderTimeout = d.ResponseHeaderTimeout
	}
	if o.StallTimeout <= 0 {
		o.StallTimeout = d.StallTimeout
	}
	if o.Timeout < 0 {
		o.Timeout = 0
	}
	if o.IdleConnTimeout <= 0 {
		o.IdleConnTimeout = d.IdleConnTimeout
	}
	if o.MaxIdleConnsPerHost <= 0 {
		o.MaxIdleConnsPerHost = d.MaxIdleConnsPerHost
	}
	if o.Name == "" {
		o.Name = "outbound"
	}
	return o
}

// SDKOperation is an Options.Operation for aws-sdk-go-v2 clients: the
// operation name the SDK puts in each request's context ("PutObject").
func SDKOperation(r *http.Request) string { return awsmiddleware.GetOperationName(r.Context()) }
