// Package api is the contract between the front door (authentication,
// recording, the wire) and the service handlers behind it. A handler turns a
// Call into a Result that carries both the response and what the event records.
package api

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/cairn-audit/cairn/internal/event"
	"github.com/cairn-audit/cairn/internal/identity"
)

// Call is one authenticated request as a service handler sees it.
type Call struct {
	RequestID string
	Time      time.Time // when the request arrived (UTC)
	Region    string    // region from the SigV4 credential scope
	Caller    identity.Principal
	Method    string
	Path      string
	Header    http.Header
	Query     url.Values
	Body      []byte
	Host      string // the Host header as the client sent it (virtual-host routing, recorded Host)

	// BodyStream is set instead of Body for services that stream request
	// bodies (see BodyStreamer): the payload, already decoded (aws-chunked)
	// and verified as it is read. A read returns an error, never io.EOF,
	// when the payload fails verification (content SHA-256, chunk signature,
	// checksum trailer), so a handler that reads to EOF without error has
	// the body the client signed.
	BodyStream io.Reader
	// BodyLength is the length of BodyStream when the client declared it
	// (x-amz-decoded-content-length or Content-Length), -1 when not.
	BodyLength int64
}

// BodyStreamer is implemented by services whose request bodies may be too
// large to buffer (S3). For requests where StreamBody returns true the front
// door verifies the signature with the payload hash the client declared and
// hands the body to Handle as Call.BodyStream instead of reading it first.
type BodyStreamer interface {
	StreamBody(r *http.Request) bool
}

// Result is a handler's answer. The front door records the event it
// describes, and only once that event is durable calls Commit and sends the
// response. If the event cannot be recorded it calls Abort instead and the
// client gets a 5xx: nothing staged by the handler takes effect.
type Result struct {
	Status int
	Header http.Header
	Body   []byte
	// BodyStream, when set, is sent after the headers instead of Body (which
	// must then be nil); the handler sets Content-Length in Header. The front
	// door always closes it, whether or not it is sent.
	BodyStream io.ReadCloser

	// What the event records.
	EventName         string // the operation; required
	ReadOnly          bool
	DataEvent         bool // data-plane call: eventCategory Data, managementEvent false
	RequestParameters any  // marshalled to JSON; nil records null
	ResponseElements  any  // marshalled to JSON; nil records null
	Resources         []event.ResourceRef
	ErrorCode         string
	ErrorMessage      string
	APIVersion        string

	// Seq is the event's sequence number on the stream, set by the front door
	// once the event is durable and before Commit runs (a Commit closure may
	// read it, e.g. StartLogging starts delivery at its own event).
	Seq    uint64
	Commit func() error // applies staged effects after the event is durable; may be nil
	Abort  func()       // discards staged effects when the event was not recorded; may be nil
}

// Service serves one AWS service behind the front door.
type Service interface {
	// SigningName is the service name in the SigV4 credential scope (e.g. "iam").
	SigningName() string
	// EventSource is the record's eventSource (e.g. "iam.amazonaws.com").
	EventSource() string
	// Global services record their events in us-east-1 whatever the signing region.
	Global() bool
	// Protocol renders errors the front door raises itself (authentication,
	// throttling, internal failures) in the service's wire format.
	Protocol() Protocol
	// Handle serves an authenticated call.
	Handle(ctx context.Context, c *Call) *Result
}

// Protocol is an AWS wire protocol's error rendering and operation naming.
type Protocol interface {
	// Operation names the operation a request asks for, before it is
	// authenticated ("" if it cannot be told).
	Operation(r *http.Request, body []byte) string
	// ErrorResult renders err as a complete Result for operation op.
	ErrorResult(op string, err *Error, requestID string) *Result
}
