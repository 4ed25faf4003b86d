// Package gateway forwards requests for AWS services Cairn does not serve
// itself to an upstream AWS-compatible endpoint (moto_server, MinIO,
// LocalStack, a team's own service) and records each call as a CloudTrail
// event, fail-closed: the client gets the upstream's answer only once the
// event is durable. See docs/GATEWAY.md.
package gateway

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/cairn-audit/cairn/internal/auth"
	"github.com/cairn-audit/cairn/internal/recorder"
)

// Defaults for Options.
const (
	DefaultMaxBufferedBody       = 1 << 20
	DefaultMaxBufferedResponse   = 256 << 10
	DefaultDialTimeout           = 10 * time.Second
	DefaultResponseHeaderTimeout = 5 * time.Minute
	DefaultIdleConnTimeout       = 90 * time.Second
	DefaultMaxIdleConnsPerHost   = 64
	DefaultSpillRetry            = 2 * time.Second
)

// Options configure a Gateway.
type Options struct {
	// Routes maps a SigV4 signing name (s3, sqs, dynamodb, ...) to the
	// upstream endpoint its requests go to; "*" takes every service that is
	// neither routed by name nor Local.
	Routes map[string]string
	// Local are the signing names Cairn serves itself: "*" never takes them,
	// only a route naming the service does.
	Local map[string]bool
	// Verifier identifies callers whose keys are Cairn's.
	Verifier *auth.Verifier
	// Recorder builds and appends the events.
	Recorder *recorder.Recorder
	// DefaultAccount receives the events of callers Cairn cannot identify
	// when the request names no account (Cairn's own account).
	DefaultAccount string
	// SpillDir keeps the events that could not be recorded after the
	// upstream had answered, until the journal takes them.
	SpillDir string
	// SpillRetry is how often spilled events are retried; default DefaultSpillRetry.
	SpillRetry time.Duration
	// Models resolves operations; nil uses DefaultModels.
	Models Models
	// MaxBufferedBody bounds the request bodies read to record their
	// parameters; larger ones stream. Default DefaultMaxBufferedBody.
	MaxBufferedBody int64
	// MaxBufferedResponse bounds the response bodies read to record
	// responseElements or an error. Default DefaultMaxBufferedResponse.
	MaxBufferedResponse int64
	// Transport settings; zero values take the defaults.
	DialTimeout           time.Duration
	ResponseHeaderTimeout time.Duration
	IdleConnTimeout       time.Duration
	MaxIdleConnsPerHost   int
	// Transport replaces the gateway's own transport (tests).
	Transport http.RoundTripper
	Now       func() time.Time
	Logger    *slog.Logger
}

// Gateway forwards and records calls to upstream services.
type Gateway struct {
	opts      Options
	routes    map[string]*url.URL
	transport http.RoundTripper
	spill     *spill
}

// New validates the routes and returns the gateway. Call Run to replay
// spilled events.
func New(opts Options) (*Gateway, error) {
	if opts.Recorder == nil || opts.Verifier == nil {
		return nil, errors.New("gateway: Recorder and Verifier are required")
	}
	if opts.SpillDir == "" {
		return nil, errors.New("gateway: SpillDir is required")
	}
	if opts.Models == nil {
		opts.Models = DefaultModels
	}
	if opts.MaxBufferedBody <= 0 {
		opts.MaxBufferedBody = DefaultMaxBufferedBody
	}
	if opts.MaxBufferedResponse <= 0 {
		opts.MaxBufferedResponse = DefaultMaxBufferedResponse
	}
	if opts.SpillRetry <= 0 {
		opts.SpillRetry = DefaultSpillRetry
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	g := &Gateway{opts: opts, routes: make(map[string]*url.URL, len(opts.Routes))}
	for svc, raw := range opts.Routes {
		u, err := ParseUpstream(raw)
		if err != nil {
			return nil, fmt.Errorf("gateway: upstream for %q: %w", svc, err)
		}
		g.routes[strings.ToLower(svc)] = u
	}
	g.transport = opts.Transport
	if g.transport == nil {
		g.transport = newTransport(opts)
	}
	sp, err := openSpill(opts.SpillDir, opts.Recorder, opts.Logger)
	if err != nil {
		return nil, err
	}
	g.spill = sp
	return g, nil
}

// ParseUpstream checks an upstream URL: http or https, a host, and no path
// (the path a client signed is forwarded as it is).
func ParseUpstream(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, err
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return nil, fmt.Errorf("want http(s)://host[:port], got %q", raw)
	}
	if u.Path != "" && u.Path != "/" || u.RawQuery != "" || u.User != nil {
		return nil, fmt.Errorf("%q: an upstream takes no path, query or user (requests keep the path they were signed with)", raw)
	}
	return &url.URL{Scheme: u.Scheme, Host: u.Host}, nil
}

// Route returns the upstream of a service: its own route, else "*" unless
// Cairn serves the service itself.
func (g *Gateway) Route(service string) (*url.URL, bool) {
	if g == nil || service == "" {
		return nil, false
	}
	if u, ok := g.routes[service]; ok {
		return u, true
	}
	if g.opts.Local[service] {
		return nil, false
	}
	u, ok := g.routes["*"]
	return u, ok
}

// Run appends spilled events to the journal, at once and then every
// SpillRetry, until ctx ends.
func (g *Gateway) Run(ctx context.Context) {
	g.spill.run(ctx, g.opts.SpillRetry)
}

// Pending is the number of spilled events not yet on the journal.
func (g *Gateway) Pending() int { return g.spill.pending() }

func newTransport(o Options) *http.Transport {
	dial := o.DialTimeout
	if dial <= 0 {
		dial = DefaultDialTimeout
	}
	rht := o.ResponseHeaderTimeout
	if rht <= 0 {
		rht = DefaultResponseHeaderTimeout
	}
	idle := o.IdleConnTimeout
	if idle <= 0 {
		idle = DefaultIdleConnTimeout
	}
	perHost := o.MaxIdleConnsPerHost
	if perHost <= 0 {
		perHost = DefaultMaxIdleConnsPerHost
	}
	return &http.Transport{
		Proxy:                 nil, // the upstream is named explicitly
		DialContext:           (&net.Dialer{Timeout: dial, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:          4 * perHost,
		MaxIdleConnsPerHost:   perHost,
		IdleConnTimeout:       idle,
		TLSHandshakeTimeout:   dial,
		ResponseHeaderTimeout: rht,
		ExpectContinueTimeout: time.Second,
		DisableCompression:    true, // bodies pass through as the upstream encoded them
		ForceAttemptHTTP2:     false,
	}
}
