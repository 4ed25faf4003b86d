package outbound

import (
	"errors"
	"fmt"
	"net"
	"time"
)

// Phase is the part of an exchange a deadline bounds.
type Phase string

// The phases of an exchange, in order.
const (
	PhaseConnect         Phase = "connect"
	PhaseTLSHandshake    Phase = "TLS handshake"
	PhaseRequestBody     Phase = "request body"
	PhaseResponseHeaders Phase = "response headers"
	PhaseResponseBody    Phase = "response body"
	PhaseOverall         Phase = "overall"
)

// Error is a failed outbound request: which client, operation and endpoint,
// and, when a deadline passed, which one and after how long.
type Error struct {
	Client   string        // Options.Name
	Op       string        // the operation (or HTTP method)
	Endpoint string        // scheme://host[:port]
	Phase    Phase         // the deadline that passed; "" when none did
	After    time.Duration // that deadline
	Err      error         // the transport's error
}

func (e *Error) Error() string {
	prefix := fmt.Sprintf("%s %s to %s", e.Client, e.Op, e.Endpoint)
	if e.Phase == "" {
		return fmt.Sprintf("%s: %v", prefix, e.Err)
	}
	return fmt.Sprintf("%s: %s after %s", prefix, phaseText[e.Phase], e.After)
}

var phaseText = map[Phase]string{
	PhaseConnect:         "timeout connecting",
	PhaseTLSHandshake:    "timeout in the TLS handshake",
	PhaseRequestBody:     "request body stalled: no progress writing it",
	PhaseResponseHeaders: "timeout awaiting response headers",
	PhaseResponseBody:    "response body stalled: no progress reading it",
	PhaseOverall:         "no complete answer",
}

func (e *Error) Unwrap() error { return e.Err }

// Timeout reports whether a deadline passed (net.Error).
func (e *Error) Timeout() bool {
	if e.Phase != "" {
		return true
	}
	var ne net.Error
	return errors.As(e.Err, &ne) && ne.Timeout()
}

// Temporary reports a timeout as temporary: the request may be retried (net.Error).
func (e *Error) Temporary() bool { return e.Timeout() }

// stallError is a write on a connection that made no progress in time.
type stallError struct {
	after time.Duration
	err   error
}

func (e *stallError) Error() string {
	return fmt.Sprintf("write stalled: no progress for %s: %v", e.after, e.err)
}
func (e *stallError) Unwrap() error   { return e.err }
func (e *stallError) Timeout() bool   { return true }
func (e *stallError) Temporary() bool { return true }
