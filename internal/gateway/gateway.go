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
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/cairn-audit/cairn/internal/api"
	"github.com/cairn-audit/cairn/internal/auth"
	"github.com/cairn-audit/cairn/internal/recorder"
	"github.com/cairn-audit/cairn/internal/server"
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
	DefaultMaxSpooledBody        = 1 << 30
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
	// Verifier authenticates every request with Cairn's keys before it is
	// forwarded; a request that fails is refused and not forwarded.
	Verifier *auth.Verifier
	// PassthroughUnknownKeys forwards, unverified, the requests signed with
	// an access key Cairn does not know at all (the upstream decides), and
	// records them as passthrough calls of an Unknown identity. Off by
	// default: such requests are refused (InvalidClientTokenId, ...).
	PassthroughUnknownKeys bool
	// AuthFailed answers (and, for a known key, records) the requests whose
	// authentication fails: the front door's (server.Server.AuthFailed, see
	// SetAuthFailed). Default: a front door of the gateway's own on the same
	// Verifier and Recorder.
	AuthFailed AuthFailedFunc
	// SpoolDir holds (unlinked) the bodies of requests whose payload hash is
	// not declared, while their signature is verified; default os.TempDir().
	SpoolDir string
	// MaxSpooledBody bounds such a body; default DefaultMaxSpooledBody.
	MaxSpooledBody int64
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
	// StallTimeout bounds each wait for progress on a body, upload or
	// download (outbound.Options.StallTimeout); default outbound's.
	StallTimeout        time.Duration
	IdleConnTimeout     time.Duration
	MaxIdleConnsPerHost int
	// Transport replaces the gateway's own transport (tests).
	Transport http.RoundTripper
	Now       func() time.Time
	Logger    *slog.Logger
}

// AuthFailedFunc answers a request whose authentication failed (err, from
// the Verifier) in svc's protocol, recording it when the key is known.
type AuthFailedFunc func(w http.ResponseWriter, r *http.Request, body []byte, svc api.Service, scope auth.Scope, err error)

// Gateway forwards and records calls to upstream services.
type Gateway struct {
	opts       Options
	authFailMu sync.RWMutex
	routes     map[string]*url.URL
	transport  http.RoundTripper
	spill      *spill
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
	if opts.SpoolDir == "" {
		opts.SpoolDir = os.TempDir()
	}
	if opts.MaxSpooledBody <= 0 {
		opts.MaxSpooledBody = DefaultMaxSpooledBody
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.AuthFailed == nil {
		opts.AuthFailed = server.New(server.Options{Verifier: opts.Verifier, Recorder: opts.Recorder, Now: opts.Now, Logger: opts.Logger}).AuthFailed
	}
	if err := os.MkdirAll(opts.SpoolDir, 0o700); err != nil {
		return nil, fmt.Errorf("gateway: spool directory: %w", err)
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

// SetAuthFailed makes f answer (and record) the requests whose
// authentication fails: the front door's AuthFailed, so that failed
// authentications through the gateway are recorded (and bounded) exactly as
// the front door's own. Call it before serving.
func (g *Gateway) SetAuthFailed(f AuthFailedFunc) {
	g.authFailMu.Lock()
	defer g.authFailMu.Unlock()
	g.opts.AuthFailed = f
}

func (g *Gateway) authFailed() AuthFailedFunc {
	g.authFailMu.RLock()
	defer g.authFailMu.RUnlock()
	return g.opts.AuthFailed
}

// Run appends spilled events to the journal, at once and then every
// SpillRetry, until ctx ends.
func (g *Gateway) Run(ctx context.Context) {
	g.spill.run(ctx, g.opts.SpillRetry)
}

// Pending is the number of spilled events not yet on the journal.
func (g *Gateway) Pending() int { return g.spill.pending() }
