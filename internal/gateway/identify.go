package gateway

import (
	"crypto/sha256"
	"encoding/hex"

	"github.com/cairn-audit/cairn/internal/identity"
)

// identify names the caller. A key of Cairn's whose signature verifies is
// that identity; any other key (unknown to Cairn, inactive, or a signature
// that does not verify) is recorded as Unknown with the key id alone. The
// request is forwarded either way: the upstream decides whether it is valid.
//
// A buffered body is verified with the request. A streamed body whose hash
// the client declared (x-amz-content-sha256, presigned URLs) is verified
// against the declared hash (the upstream checks the body); one whose hash
// it did not declare is hashed on its way upstream and verified afterwards
// (identifyLate).
func (c *call) identify() {
	c.caller = identity.UnknownPrincipal(c.scope.AccessKeyID)
	v := c.g.opts.Verifier
	switch {
	case c.buffered:
		if p, _, err := v.Verify(c.r, c.body); err == nil {
			c.caller, c.known = p, true
		}
	case c.r.Header.Get("X-Amz-Content-Sha256") != "" || c.r.URL.Query().Has("X-Amz-Signature"):
		if p, _, _, err := v.VerifyStreaming(c.r); err == nil {
			c.caller, c.known = p, true
		}
	default:
		c.in.hash = sha256.New()
	}
}

// identifyLate verifies a streamed body's signature with the hash of the
// body as it was forwarded, once it has been read whole.
func (c *call) identifyLate() {
	sum, ok := c.in.sum()
	if !ok || signedHeaders(c.r)["x-amz-content-sha256"] {
		return
	}
	r := c.r.Clone(c.r.Context())
	// Sets the canonical request's payload line only: the header is not signed.
	r.Header.Set("X-Amz-Content-Sha256", hex.EncodeToString(sum))
	if p, _, _, err := c.g.opts.Verifier.VerifyStreaming(r); err == nil {
		c.caller, c.known = p, true
	}
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
