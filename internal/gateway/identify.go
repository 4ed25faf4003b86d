package gateway

import (
	"errors"
	"net/http"

	"github.com/cairn-audit/cairn/internal/api"
	"github.com/cairn-audit/cairn/internal/auth"
	"github.com/cairn-audit/cairn/internal/event"
	"github.com/cairn-audit/cairn/internal/identity"
)

// authenticate verifies the request with Cairn's keys before anything is
// forwarded. It returns nil when the call may go upstream: its signature
// verified (c.known), or its key is one Cairn does not know at all and
// PassthroughUnknownKeys is on (c.passthrough). Any other outcome is the
// *auth.Error (or *api.Error) the client gets; nothing is forwarded.
//
//   - A buffered body is verified with the request.
//   - A streamed body whose hash the client declared (x-amz-content-sha256,
//     S3 presigned URLs) is verified against that hash, and the body as it
//     streams upstream: a hex hash is checked at its end, aws-chunked
//     chunk and trailer signatures chunk by chunk (auth.StreamAuth.Body). A
//     body that fails fails the upstream request before it is complete.
//   - A streamed body with no declared hash (a large JSON body) is spooled
//     to disk, hashed and verified before it is forwarded from the spool.
func (c *call) authenticate() error {
	v := c.g.opts.Verifier
	var err error
	switch {
	case c.buffered:
		c.caller, _, err = v.Verify(c.r, c.body)
	case c.r.Header.Get("X-Amz-Content-Sha256") != "" || c.r.URL.Query().Has("X-Amz-Signature"):
		var sa *auth.StreamAuth
		if c.caller, _, sa, err = v.VerifyStreaming(c.r); err == nil {
			if err = c.verifyStream(sa); err != nil {
				c.known = true // signed by its caller; the body's encoding is refused
				return err
			}
		}
	default:
		err = c.verifySpooled()
	}
	if err == nil {
		c.known = true
		return nil
	}
	var ae *auth.Error
	if c.g.opts.PassthroughUnknownKeys && errors.As(err, &ae) && ae.Kind == auth.KindUnknownKey && !v.KnowsKey(c.scope.AccessKeyID) {
		c.caller, c.passthrough = identity.UnknownPrincipal(c.scope.AccessKeyID), true
		return nil
	}
	c.caller = identity.Principal{}
	return err
}

// verifyStream makes the streamed body fail, as it goes upstream, if it is
// not what the client signed.
func (c *call) verifyStream(sa *auth.StreamAuth) error {
	if sa.PayloadHash == auth.UnsignedPayload && !hasToken(c.r.Header.Values("Content-Encoding"), "aws-chunked") {
		return nil // the signature does not cover the body
	}
	body, err := newVerifiedBody(c.r, sa, c.in.r)
	if err != nil {
		return err
	}
	c.in = &bodyReader{r: body}
	c.send = c.in
	return nil
}

// verifySpooled verifies a request whose body's hash the client did not
// declare: everything but the body first (an unknown key or an expired
// request is refused before a byte is spooled), then with the body's hash
// once it is spooled.
func (c *call) verifySpooled() error {
	v := c.g.opts.Verifier
	_, _, _, err := v.VerifyStreaming(c.r) // checked with the empty body's hash
	var ae *auth.Error
	if err != nil && (!errors.As(err, &ae) || ae.Kind != auth.KindBadSignature) {
		return err // not a matter of the body
	}
	sp, err := c.g.spoolBody(c.in.r)
	if err != nil {
		return err
	}
	c.spooled = sp
	if err := sp.withBytes(func(b []byte) (err error) {
		c.caller, _, err = v.Verify(c.r, b)
		return err
	}); err != nil {
		return err
	}
	c.in = &bodyReader{r: sp.reader()}
	c.send = c.in
	return nil
}

// refuse answers a call whose authentication failed, through the front
// door's AuthFailed: in the service's protocol and codes, recorded when the
// key is known. Nothing was forwarded.
func (c *call) refuse(w http.ResponseWriter, err error) {
	var ae *auth.Error
	if !errors.As(err, &ae) {
		requestID := event.NewID()
		res := callProtocol{c}.ErrorResult(c.eventName(), api.AsError(err), requestID)
		if c.known { // an authenticated call refused for its body: recorded as its outcome
			if _, rerr := c.g.opts.Recorder.Record(c.r.Context(), c.input(res, requestID)); rerr != nil {
				c.g.opts.Logger.Error("refused call not recorded", "service", c.info.SigningName, "operation", res.EventName, "requestId", requestID, "err", rerr)
				res = callProtocol{c}.ErrorResult(c.eventName(), &api.Error{Code: "InternalFailure", Status: http.StatusInternalServerError,
					Message: "The call could not be recorded durably, so it was not carried out. Retry later."}, requestID)
			}
		}
		c.g.writeResult(w, res)
		return
	}
	c.g.authFailed()(w, c.r, c.body, callService{c}, c.scope, err)
}

// account is the recipient account: the caller's, else the one the request
// names (an ARN, a queue URL), else DefaultAccount.
func (c *call) account() string {
	if c.known && c.caller.AccountID != "" {
		return c.caller.AccountID
	}
	if a := c.requestAccount(); a != "" {
		return a
	}
	return c.g.opts.DefaultAccount
}
