// Package server is Cairn's front door: one HTTP endpoint that routes each
// request by the service in its SigV4 credential scope, authenticates it,
// hands it to the service, records the call durably, and only then answers.
package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/cairn-audit/cairn/internal/api"
	"github.com/cairn-audit/cairn/internal/auth"
	"github.com/cairn-audit/cairn/internal/event"
	"github.com/cairn-audit/cairn/internal/identity"
	"github.com/cairn-audit/cairn/internal/recorder"
	"github.com/cairn-audit/cairn/internal/settle"
)

// DefaultMaxBodyBytes bounds a request body.
const DefaultMaxBodyBytes = 16 << 20

// DefaultMaxStreamBodyBytes bounds a streamed request body as sent (S3's
// largest single upload, 5 GiB, plus room for aws-chunked framing).
const DefaultMaxStreamBodyBytes = 5<<30 + 64<<20

// Options configure the front door.
type Options struct {
	Verifier     *auth.Verifier
	Recorder     *recorder.Recorder
	Services     []api.Service
	MaxBodyBytes int64 // default DefaultMaxBodyBytes
	// MaxStreamBodyBytes bounds the bodies of services that stream them
	// (api.BodyStreamer); default DefaultMaxStreamBodyBytes.
	MaxStreamBodyBytes int64
	Now                func() time.Time
	Logger             *slog.Logger
	// Gateway, when set, takes the signed requests of the services it routes
	// to an upstream (internal/gateway): every service Cairn does not serve,
	// and those it does when routed by name.
	Gateway Gateway
	// AuthFailures bounds the records of failed authentications of known
	// keys (authfail.go); default NewAuthFailures(Recorder, DefaultAuthFailureOptions()),
	// whose summaries are then recorded only at the next failure of the same
	// key, source and error code: run AuthFailures.Run to flush them on time.
	AuthFailures *AuthFailures
	// Version is the version GET / names; default the binary's build info.
	Version string
	// Ready, when set, is asked by GET /readyz besides the recorder
	// (home.go): an error makes it answer 503.
	Ready func() error
}

// Gateway forwards calls to upstream services and records them.
type Gateway interface {
	Route(service string) (*url.URL, bool)
	ServeHTTP(w http.ResponseWriter, r *http.Request)
}

// Server is an http.Handler.
type Server struct {
	opts     Options
	services map[string]api.Service
	names    string
}

// New returns the front door.
func New(opts Options) *Server {
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if opts.MaxStreamBodyBytes <= 0 {
		opts.MaxStreamBodyBytes = DefaultMaxStreamBodyBytes
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.AuthFailures == nil {
		opts.AuthFailures = NewAuthFailures(opts.Recorder, AuthFailureOptions{Logger: opts.Logger})
	}
	s := &Server{opts: opts, services: make(map[string]api.Service)}
	var names []string
	for _, svc := range opts.Services {
		s.services[svc.SigningName()] = svc
		names = append(names, svc.SigningName())
	}
	sort.Strings(names)
	s.names = strings.Join(names, ", ")
	return s
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	scope, signed := auth.ParseScope(r)
	if !signed && s.home(w, r) {
		return
	}
	requestID := event.NewID()
	if signed && s.opts.Gateway != nil {
		if _, ok := s.opts.Gateway.Route(scope.Service); ok {
			s.opts.Gateway.ServeHTTP(w, r)
			return
		}
	}
	if svc := s.services[scope.Service]; signed && svc != nil {
		if bs, ok := svc.(api.BodyStreamer); ok && bs.StreamBody(r) {
			s.serveStreaming(w, r, requestID, svc)
			return
		}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.opts.MaxBodyBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			s.reject(w, r, body, requestID, &api.Error{Code: "RequestEntityTooLarge", Message: fmt.Sprintf("Request body exceeds %d bytes.", s.opts.MaxBodyBytes), Status: http.StatusRequestEntityTooLarge})
			return
		}
		s.reject(w, r, body, requestID, &api.Error{Code: "IncompleteBody", Message: "Could not read the request body: " + err.Error(), Status: http.StatusBadRequest})
		return
	}
	svc := s.services[scope.Service]
	if !signed {
		svc = s.guessService(r)
	}
	if svc == nil {
		if !signed {
			missing := &auth.Error{Kind: auth.KindMissing, Message: "Request is missing Authentication Token"}
			_, query := s.protocolFor(r).(api.Query)
			s.reject(w, r, body, requestID, missing.APIError(query))
			return
		}
		s.reject(w, r, body, requestID, &api.Error{Code: "UnknownServiceException", Message: fmt.Sprintf("Cairn does not serve the %q service (it serves: %s).", scope.Service, s.names), Status: http.StatusBadRequest})
		return
	}
	caller, scope, err := s.opts.Verifier.Verify(r, body)
	if err != nil {
		s.authFailed(w, r, body, requestID, svc, scope, err)
		return
	}
	call := &api.Call{
		RequestID: requestID,
		Time:      s.opts.Now().UTC(),
		Region:    scope.Region,
		Caller:    caller,
		Method:    r.Method,
		Path:      r.URL.Path,
		Header:    r.Header,
		Query:     r.URL.Query(),
		Body:      body,
		Host:      r.Host,
	}
	res := s.handle(r.Context(), svc, call)
	s.finish(w, r, svc, caller, scope.Region, requestID, res)
}

// serveStreaming serves a request of a service that streams bodies: the
// signature is verified with the payload hash the client declared, and the
// body reaches the service unread, decoded and verified as it is read
// (auth.StreamAuth.Body). The service must read it to the end before acting
// on it: a failed verification surfaces as a read error, never as io.EOF.
func (s *Server) serveStreaming(w http.ResponseWriter, r *http.Request, requestID string, svc api.Service) {
	caller, scope, sa, err := s.opts.Verifier.VerifyStreaming(r)
	if err != nil {
		s.authFailed(w, r, nil, requestID, svc, scope, err)
		return
	}
	stream, length, err := sa.Body(r, http.MaxBytesReader(w, r.Body, s.opts.MaxStreamBodyBytes))
	if err != nil {
		p := svc.Protocol()
		s.finish(w, r, svc, caller, scope.Region, requestID, p.ErrorResult(p.Operation(r, nil), api.AsError(err), requestID))
		return
	}
	call := &api.Call{
		RequestID:  requestID,
		Time:       s.opts.Now().UTC(),
		Region:     scope.Region,
		Caller:     caller,
		Method:     r.Method,
		Path:       r.URL.Path,
		Header:     r.Header,
		Query:      r.URL.Query(),
		Host:       r.Host,
		BodyStream: stream,
		BodyLength: length,
	}
	res := s.handle(r.Context(), svc, call)
	s.finish(w, r, svc, caller, scope.Region, requestID, res)
}

// handle runs the service, turning a panic into an internal failure.
func (s *Server) handle(ctx context.Context, svc api.Service, c *api.Call) (res *api.Result) {
	defer func() {
		if p := recover(); p != nil {
			s.opts.Logger.Error("service panicked", "service", svc.SigningName(), "requestId", c.RequestID, "panic", p)
			op := svc.Protocol().Operation(&http.Request{Method: c.Method, Host: c.Host, Header: c.Header, URL: &url.URL{Path: c.Path, RawQuery: c.Query.Encode()}}, c.Body)
			res = svc.Protocol().ErrorResult(op, api.AsError(fmt.Errorf("panic: %v", p)), c.RequestID)
		}
	}()
	return svc.Handle(ctx, c)
}

// finish records the call and answers. Fail-closed: without a durable event the
// client gets a 5xx and staged effects are discarded.
func (s *Server) finish(w http.ResponseWriter, r *http.Request, svc api.Service, caller identity.Principal, region, requestID string, res *api.Result) {
	if res.EventName == "" {
		res.EventName = "UnknownOperation"
	}
	ctx := r.Context()
	if res.Commit != nil {
		// A pending record must end with a marker: a failed append must mean
		// "not recorded", never "recorded, caller gone" (docs/RECORDS.md).
		ctx = context.WithoutCancel(ctx)
	}
	entry, err := s.opts.Recorder.Record(ctx, s.recordInput(r, svc, caller, region, requestID, res))
	if err != nil {
		if res.Abort != nil {
			res.Abort()
		}
		closeStream(res)
		s.opts.Logger.Error("call not recorded; refusing it", "service", svc.SigningName(), "operation", res.EventName, "requestId", requestID, "err", err)
		s.write(w, svc.Protocol().ErrorResult(res.EventName, &api.Error{Code: "InternalFailure", Message: "The call could not be recorded durably, so it was not carried out. Retry later.", Status: http.StatusInternalServerError}, requestID))
		return
	}
	res.Seq = entry.Seq
	if res.Commit != nil {
		if err := res.Commit(); err != nil {
			closeStream(res)
			s.opts.Logger.Error("commit after recording failed", "service", svc.SigningName(), "operation", res.EventName, "requestId", requestID, "err", err)
			failed := svc.Protocol().ErrorResult(res.EventName, &api.Error{Code: settle.AbortedCode, Message: settle.CommitFailedMessage, Status: http.StatusInternalServerError}, requestID)
			s.settle(ctx, svc, res, requestID, event.Marker{Seq: entry.Seq, Outcome: event.Aborted, Code: failed.ErrorCode, Message: failed.ErrorMessage})
			s.write(w, failed)
			return
		}
		s.settle(ctx, svc, res, requestID, event.Marker{Seq: entry.Seq, Outcome: event.Committed})
	}
	s.write(w, res)
}

// recordInput is what Server.finish records for a call (and, for a failed
// authentication, what the summary of counted failures is built from).
func (s *Server) recordInput(r *http.Request, svc api.Service, caller identity.Principal, region, requestID string, res *api.Result) recorder.Input {
	return recorder.Input{
		Service:   svc,
		Caller:    caller,
		Region:    region,
		SourceIP:  sourceIP(r),
		UserAgent: r.UserAgent(),
		RequestID: requestID,
		TLS:       r.TLS,
		Host:      r.Host,
		Result:    res,
	}
}

// settle makes the marker of a pending call durable before it is answered.
// If that fails the recorder keeps retrying it and the answer still goes
// out: the pending record is durable and resolves to what the client is told
// (a committed effect is found by recovery, an aborted one is not).
func (s *Server) settle(ctx context.Context, svc api.Service, res *api.Result, requestID string, m event.Marker) {
	if err := s.opts.Recorder.Settle(ctx, m); err != nil {
		s.opts.Logger.Error("call outcome not recorded yet; retrying", "service", svc.SigningName(), "operation", res.EventName, "requestId", requestID, "outcome", m.Outcome, "err", err)
	}
}

// authFailed answers an authentication failure; a failure of a known key is
// recorded against that key's principal, as CloudTrail does.
func (s *Server) authFailed(w http.ResponseWriter, r *http.Request, body []byte, requestID string, svc api.Service, scope auth.Scope, err error) {
	var ae *auth.Error
	if !errors.As(err, &ae) {
		s.write(w, svc.Protocol().ErrorResult("", api.AsError(err), requestID))
		return
	}
	_, query := svc.Protocol().(api.Query)
	op := svc.Protocol().Operation(r, body)
	res := svc.Protocol().ErrorResult(op, ae.APIError(query), requestID)
	if ae.Principal == nil {
		s.opts.Logger.Info("unauthenticated request refused", "service", svc.SigningName(), "operation", op, "code", res.ErrorCode, "source", sourceIP(r))
		s.write(w, res)
		return
	}
	// Bounded: the first failure per key, source and error code in a window
	// is recorded now, the rest as one summary event (authfail.go).
	if !s.opts.AuthFailures.Admit(r.Context(), s.recordInput(r, svc, *ae.Principal, scope.Region, requestID, res)) {
		s.write(w, res)
		return
	}
	s.finish(w, r, svc, *ae.Principal, scope.Region, requestID, res)
}

// reject answers a request that names no service Cairn serves; it is not recorded.
func (s *Server) reject(w http.ResponseWriter, r *http.Request, body []byte, requestID string, e *api.Error) {
	p := s.protocolFor(r)
	s.write(w, p.ErrorResult(p.Operation(r, body), e, requestID))
}

// protocolFor guesses the wire protocol of a request no service claims.
func (s *Server) protocolFor(r *http.Request) api.Protocol {
	if r.Header.Get("X-Amz-Target") != "" || strings.Contains(r.Header.Get("Content-Type"), "json") {
		return api.JSON{}
	}
	return api.Query{}
}

// guessService picks the service an unsigned request was meant for, so its
// error is rendered in that service's protocol.
func (s *Server) guessService(r *http.Request) api.Service {
	if t := r.Header.Get("X-Amz-Target"); t != "" {
		for _, svc := range s.services {
			if p, ok := svc.Protocol().(api.JSON); ok && strings.Contains(t, ".") && p.OwnsTarget(t[:strings.LastIndexByte(t, '.')]) {
				return svc
			}
		}
	}
	host := r.Host
	for name, svc := range s.services {
		if strings.HasPrefix(host, name+".") {
			return svc
		}
	}
	return nil
}

func (s *Server) write(w http.ResponseWriter, res *api.Result) {
	h := w.Header()
	for k, vs := range res.Header {
		h[k] = vs
	}
	if res.Body != nil {
		h.Set("Content-Length", fmt.Sprint(len(res.Body)))
	}
	status := res.Status
	if status == 0 {
		status = http.StatusOK
	}
	w.WriteHeader(status)
	if res.BodyStream != nil {
		defer closeStream(res)
		if _, err := io.Copy(w, res.BodyStream); err != nil {
			// The status is sent: all that is left is to cut the response
			// short, so the client sees fewer bytes than Content-Length.
			s.opts.Logger.Warn("response body not sent in full", "operation", res.EventName, "err", err)
			panic(http.ErrAbortHandler)
		}
		return
	}
	_, _ = w.Write(res.Body)
}

// closeStream closes a result's response body stream, if any.
func closeStream(res *api.Result) {
	if res.BodyStream != nil {
		_ = res.BodyStream.Close()
		res.BodyStream = nil
	}
}

func sourceIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
