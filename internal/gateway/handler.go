package gateway

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/cairn-audit/cairn/internal/api"
	"github.com/cairn-audit/cairn/internal/auth"
	"github.com/cairn-audit/cairn/internal/event"
	"github.com/cairn-audit/cairn/internal/identity"
	"github.com/cairn-audit/cairn/internal/recorder"
)

// call is one forwarded request.
type call struct {
	g     *Gateway
	r     *http.Request
	scope auth.Scope
	info  ServiceInfo
	model ServiceModel // nil when no model knows the service

	body     []byte    // the whole request body, when buffered
	buffered bool      // body is the whole request body
	send     io.Reader // what is forwarded
	in       *bodyReader

	caller      identity.Principal
	known       bool         // caller authenticated as one of Cairn's identities
	passthrough bool         // a key Cairn does not know, forwarded unverified (PassthroughUnknownKeys)
	spooled     *spooledBody // the body, when it had to be read whole before forwarding

	op       *Operation // nil when the model did not resolve the request
	labels   map[string]string
	name     string // the API operation
	readOnly bool

	bucket, key string         // S3
	virtualHost bool           // S3: the Host names the bucket
	params      map[string]any // requestParameters before redaction
}

// ServeHTTP forwards a SigV4-signed request whose credential scope names a
// routed service, records the call and answers with the upstream's response.
// The front door calls it before reading the body.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	scope, _ := auth.ParseScope(r)
	up, ok := g.Route(scope.Service)
	if !ok {
		g.writeError(w, guessProtocol(scope.Service, r), &api.Error{Code: "UnknownServiceException", Message: fmt.Sprintf("No upstream serves %q.", scope.Service)}, event.NewID())
		return
	}
	c := &call{g: g, r: r, scope: scope}
	c.resolveService()
	if err := c.readBody(); err != nil {
		// Nothing reached the upstream: answered, not recorded.
		g.writeError(w, c.info.Protocol, err, event.NewID())
		return
	}
	c.resolveOperation()
	defer func() { c.spooled.close() }() // set by authenticate
	if err := c.authenticate(); err != nil {
		c.refuse(w, err) // not forwarded
		return
	}

	rp := c.forward(up)
	res := c.result(rp)
	requestID := upstreamRequestID(rp.header)
	if requestID == "" {
		requestID = event.NewID()
	}
	if err := c.record(res, requestID); err != nil {
		rp.close()
		g.opts.Logger.Error("forwarded call not recorded; withholding the upstream's answer (the event is spilled and will be retried)",
			"service", c.info.SigningName, "operation", res.EventName, "requestId", requestID, "err", err)
		g.writeError(w, c.info.Protocol, &api.Error{Code: "ServiceUnavailable", Status: http.StatusServiceUnavailable,
			Message: "Cairn forwarded the call but could not record it durably, so the upstream's answer is withheld. The call may have taken effect; its event is kept and will be recorded. Retry later."}, requestID)
		return
	}
	rp.write(w, g.opts.Logger)
}

// resolveService finds the service's model, or makes do without one.
func (c *call) resolveService() {
	name := c.scope.Service
	c.info = ServiceInfo{SigningName: name, EventSource: name + ".amazonaws.com"}
	if m, ok := c.g.opts.Models(name); ok {
		c.model = m
		c.info = m.Info()
	}
	if c.info.Protocol == "" {
		c.info.Protocol = guessProtocol(name, c.r)
	}
	if c.info.EventSource == "" {
		c.info.EventSource = name + ".amazonaws.com"
	}
	if name == "s3" {
		c.bucket, c.key, c.virtualHost = s3Target(c.r.Host, c.r.URL.Path)
	}
}

// readBody buffers a small request body (to record its parameters and check
// its signature) and streams everything else: S3 objects always, other
// bodies past MaxBufferedBody.
func (c *call) readBody() error {
	r := c.r
	if r.Body == nil || r.Body == http.NoBody || r.ContentLength == 0 {
		c.buffered, c.in = true, &bodyReader{r: eofReader{}}
		c.send = c.in
		return nil
	}
	limit := c.g.opts.MaxBufferedBody
	stream := r.ContentLength > limit || hasToken(r.Header.Values("Content-Encoding"), "aws-chunked")
	if c.info.SigningName == "s3" {
		limit = maxS3BucketBody
		stream = s3Streams(r, c.key)
	}
	if stream {
		c.in = &bodyReader{r: r.Body}
		c.send = c.in
		return nil
	}
	buf, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	if err != nil {
		return &api.Error{Code: "IncompleteBody", Message: "Could not read the request body: " + err.Error()}
	}
	if int64(len(buf)) <= limit {
		c.body, c.buffered = buf, true
		c.in = &bodyReader{r: bytesReader(buf)}
	} else { // longer than declared: forward what was read and the rest
		c.in = &bodyReader{r: io.MultiReader(bytesReader(buf), r.Body)}
	}
	c.send = c.in
	return nil
}

// forward sends the request upstream and reads the head of the response (and
// its body when the event needs it).
func (c *call) forward(up *url.URL) *reply {
	out := c.outbound(up)
	resp, err := c.g.transport.RoundTrip(out)
	if err != nil {
		if rerr := c.in.readErr(); rerr != nil {
			var ae *auth.Error
			if errors.As(rerr, &ae) { // the streamed body is not what was signed
				return c.localError(ae.APIError(false))
			}
			var apiErr *api.Error
			if errors.As(rerr, &apiErr) { // a malformed aws-chunked body, a bad checksum
				return c.localError(apiErr)
			}
			return c.localError(&api.Error{Code: "IncompleteBody", Message: "Could not read the request body: " + rerr.Error()})
		}
		if errors.Is(err, context.Canceled) && c.r.Context().Err() != nil {
			return c.localError(&api.Error{Code: "RequestCanceled", Message: "The client went away before the upstream answered."})
		}
		var ne net.Error
		msg := fmt.Sprintf("Cairn could not get an answer from the upstream %s: %v", up.String(), err)
		if errors.As(err, &ne) && ne.Timeout() {
			return c.localError(&api.Error{Code: "GatewayTimeout", Message: msg, Status: http.StatusGatewayTimeout})
		}
		return c.localError(&api.Error{Code: "BadGateway", Message: msg, Status: http.StatusBadGateway})
	}
	rp := &reply{status: resp.StatusCode, header: resp.Header, rest: resp.Body, length: resp.ContentLength}
	if c.needsResponseBody(resp) {
		if err := rp.buffer(c.g.opts.MaxBufferedResponse); err != nil {
			return c.brokenBody(up, rp, err)
		}
	}
	return rp
}

// localError is the reply Cairn gives itself when the upstream gave none.
func (c *call) localError(e *api.Error) *reply {
	res := callProtocol{c}.ErrorResult(c.eventName(), e, event.NewID())
	local := &api.Error{Code: res.ErrorCode, Message: res.ErrorMessage, Status: res.Status}
	return &reply{status: res.Status, header: res.Header, prefix: res.Body, full: true, length: int64(len(res.Body)), local: local}
}

// needsResponseBody reports whether the event needs the response body:
// every error, and writes' small results (responseElements). Payloads and
// event streams are never read ahead: they stream.
func (c *call) needsResponseBody(resp *http.Response) bool {
	if isErrorStatus(resp.StatusCode) {
		return true
	}
	if c.readOnly || c.r.Method == http.MethodHead || c.payloadResponse() ||
		strings.HasPrefix(resp.Header.Get("Content-Type"), "application/vnd.amazon.eventstream") {
		return false
	}
	return resp.ContentLength < 0 || resp.ContentLength <= c.g.opts.MaxBufferedResponse
}

// record builds the event and appends it; when the append fails the event
// is spilled (kept on disk and retried) and the error returned.
func (c *call) record(res *api.Result, requestID string) error {
	in := c.input(res, requestID)
	rec := c.g.opts.Recorder
	e, err := rec.Build(in)
	if err != nil {
		c.g.opts.Logger.Warn("event parameters could not be encoded; recording without them", "operation", res.EventName, "err", err)
		res.RequestParameters, res.ResponseElements = nil, nil
		if e, err = rec.Build(in); err != nil {
			return err
		}
	}
	if c.passthrough {
		if e.Record, err = withAdditionalEventData(e.Record, passthroughData); err != nil {
			return err
		}
	}
	// The upstream has acted: the event must be recorded even if the client left.
	ctx := context.WithoutCancel(c.r.Context())
	if _, err := rec.AppendEntry(ctx, e); err != nil {
		if serr := c.g.spill.put(e); serr != nil {
			c.g.opts.Logger.Error("EVENT LOST: could neither record nor spill a forwarded call", "eventID", e.Meta.EventID, "operation", res.EventName, "err", serr)
			return errors.Join(err, serr)
		}
		return err
	}
	return nil
}

// input is what the event of the call is made of.
func (c *call) input(res *api.Result, requestID string) recorder.Input {
	return recorder.Input{
		Service:   eventService{c.info},
		Caller:    c.caller,
		Region:    c.scope.Region,
		SourceIP:  sourceIP(c.r),
		UserAgent: c.r.UserAgent(),
		RequestID: requestID,
		TLS:       c.r.TLS,
		Host:      c.r.Host,
		Result:    res,
		Account:   c.account(),
	}
}

func sourceIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func upstreamRequestID(h http.Header) string {
	for _, k := range []string{"X-Amzn-Requestid", "X-Amz-Request-Id", "X-Amzn-Request-Id"} {
		if v := h.Get(k); v != "" {
			return v
		}
	}
	return ""
}

// eventService is the api.Service the recorder takes: the eventSource and
// whether the service is global.
type eventService struct{ info ServiceInfo }

func (s eventService) SigningName() string { return s.info.SigningName }
func (s eventService) EventSource() string { return s.info.EventSource }
func (s eventService) Global() bool        { return globalServices[s.info.SigningName] }
func (s eventService) Protocol() api.Protocol {
	return nil
}
func (s eventService) Handle(context.Context, *api.Call) *api.Result { return nil }

// globalServices record their events in us-east-1 whatever the signing region.
var globalServices = map[string]bool{"iam": true, "cloudfront": true, "route53": true, "organizations": true, "globalaccelerator": true}
