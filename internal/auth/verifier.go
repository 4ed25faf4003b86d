// Package auth verifies AWS Signature Version 4 on incoming requests, in
// header (Authorization) and presigned query-string form, the way AWS does.
package auth

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/cairn-audit/cairn/internal/identity"
)

// Payload-hash literals that stand in for the body's SHA-256.
const (
	unsignedPayload = "UNSIGNED-PAYLOAD"
	streamingPrefix = "STREAMING-"
)

// Verifier authenticates SigV4-signed requests. It is safe for concurrent use.
type Verifier struct {
	keys    KeyStore
	opts    Options
	regions regionSet
	cache   *keyCache
	bufs    sync.Pool // *scratch
}

type scratch struct{ canon, mac []byte }

// maxPooledScratch keeps buffers grown by unusually large requests out of the pool.
const maxPooledScratch = 64 << 10

func (v *Verifier) putScratch(s *scratch) {
	if cap(s.canon) <= maxPooledScratch && cap(s.mac) <= maxPooledScratch {
		v.bufs.Put(s)
	}
}

// NewVerifier returns a Verifier resolving keys through keys.
func NewVerifier(keys KeyStore, opts Options) *Verifier {
	opts = opts.withDefaults()
	return &Verifier{
		keys:    keys,
		opts:    opts,
		regions: newRegionSet(opts.ExtraRegions),
		cache:   newKeyCache(opts.KeyCacheSize),
		bufs:    sync.Pool{New: func() any { return &scratch{canon: make([]byte, 0, 1024), mac: make([]byte, 0, 256)} }},
	}
}

// Verify authenticates r with its full body. On success it returns the
// caller (with AccessKeyID set to the signing key) and the credential scope.
// Failures are *Error. Verify does not modify r.
func (v *Verifier) Verify(r *http.Request, body []byte) (identity.Principal, Scope, error) {
	p, scope, err := v.verify(r, body)
	if err != nil {
		return identity.Principal{}, scope, err
	}
	return p, scope, nil
}

func (v *Verifier) verify(r *http.Request, body []byte) (identity.Principal, Scope, *Error) {
	p, sr, _, err := v.authenticate(r, body, false)
	if sr == nil {
		return p, Scope{}, err
	}
	return p, sr.scope, err
}

// authenticate checks everything but, when streaming, the body: a streamed
// body is checked as it is read (see VerifyStreaming). It returns the parsed
// request (nil if it could not be parsed) and the signing secret.
func (v *Verifier) authenticate(r *http.Request, body []byte, streaming bool) (identity.Principal, *signedRequest, string, *Error) {
	sr, err := parseRequest(r)
	if err != nil {
		return identity.Principal{}, nil, "", err
	}
	if maxExp := int64(v.opts.MaxPresignExpiry / time.Second); sr.expires > maxExp {
		msg := fmt.Sprintf("X-Amz-Expires must be at most %d seconds", maxExp)
		if v.opts.MaxPresignExpiry == DefaultMaxPresignExpiry {
			msg = "X-Amz-Expires must be less than a week (in seconds) that is 604800"
		}
		return identity.Principal{}, sr, "", malformed(msg)
	}
	if !v.regions.allows(sr.scope.Region) {
		return identity.Principal{}, sr, "", badRegion(sr.scope.Region)
	}
	key, ok := v.keys.LookupKey(sr.scope.AccessKeyID)
	if !ok {
		return identity.Principal{}, sr, "", newError(KindUnknownKey, msgInvalidToken, nil)
	}
	p := key.Principal
	p.AccessKeyID = sr.scope.AccessKeyID
	if !key.Active {
		return p, sr, "", newError(KindInactiveKey, msgInvalidToken, &p)
	}
	if subtle.ConstantTimeCompare([]byte(sr.token), []byte(key.SessionToken)) != 1 {
		return p, sr, "", newError(KindUnknownKey, msgInvalidToken, nil)
	}
	now := v.opts.Now().UTC()
	if !key.Expiration.IsZero() && !now.Before(key.Expiration) {
		return p, sr, "", newError(KindExpiredToken, msgExpiredToken, &p)
	}
	if msg := v.checkTime(sr, now); msg != "" {
		return p, sr, "", newError(KindExpired, msg, &p)
	}
	var payload string
	var checkBody bool
	if streaming {
		payload = streamPayloadHash(r, sr)
	} else {
		payload, checkBody = payloadHash(r, sr, body)
	}
	if !v.signatureMatches(r, sr, key.Secret, payload) {
		return p, sr, "", newError(KindBadSignature, msgBadSignature, &p)
	}
	if names := unsignedHeaders(r, sr.signedHeaders, sr.presigned); names != nil {
		return p, sr, "", newError(KindHeadersNotSigned, headersNotSignedMessage(names), &p)
	}
	if checkBody && !strings.EqualFold(payload, bodyHash(body)) {
		return p, sr, "", newError(KindContentMismatch, msgContentMismatch, &p)
	}
	return p, sr, key.Secret, nil
}

// checkTime returns AWS's message when the request is outside its validity
// window, "" when it is inside.
func (v *Verifier) checkTime(sr *signedRequest, now time.Time) string {
	skew := v.opts.MaxSkew
	if later := now.Add(skew); sr.time.After(later) {
		return fmt.Sprintf("Signature not yet current: %s is still later than %s (%s + %s.)",
			sr.amzDate, later.Format(timeFormat), now.Format(timeFormat), formatSkew(skew))
	}
	if sr.expires >= 0 {
		if end := sr.time.Add(time.Duration(sr.expires) * time.Second); now.After(end) {
			return fmt.Sprintf("Request has expired: X-Amz-Date %s + X-Amz-Expires %d s = %s is earlier than %s",
				sr.amzDate, sr.expires, end.Format(timeFormat), now.Format(timeFormat))
		}
		return ""
	}
	if earlier := now.Add(-skew); sr.time.Before(earlier) {
		return fmt.Sprintf("Signature expired: %s is now earlier than %s (%s - %s.)",
			sr.amzDate, earlier.Format(timeFormat), now.Format(timeFormat), formatSkew(skew))
	}
	return ""
}

func formatSkew(d time.Duration) string {
	if d%time.Minute == 0 {
		return fmt.Sprintf("%d min", d/time.Minute)
	}
	return d.String()
}

// payloadHash is the payload line of the canonical request, and whether it
// is a hash the body must be checked against.
func payloadHash(r *http.Request, sr *signedRequest, body []byte) (string, bool) {
	h := getHeader(r.Header, headerContentSHA256)
	if h == "" && sr.presigned {
		h, _ = param(sr.query, paramContentSHA256)
	}
	switch {
	case h == unsignedPayload || strings.HasPrefix(h, streamingPrefix):
		return h, false
	case h != "":
		return h, true
	case sr.presigned && sr.scope.Service == "s3":
		// S3 presigned URLs never cover the body (botocore, aws-sdk-go-v2).
		return unsignedPayload, false
	}
	// Other services (e.g. a presigned sts GetCallerIdentity) sign the
	// actual body's hash, which for a presigned GET is the empty string's.
	return bodyHash(body), false
}

func bodyHash(body []byte) string {
	s := sha256.Sum256(body)
	return hex.EncodeToString(s[:])
}

// signatureMatches recomputes the signature for each canonicalisation the
// client may have used (see canonicalURIs, appendTrimmed) and compares it in
// constant time with the one sent. The common case costs one HMAC.
func (v *Verifier) signatureMatches(r *http.Request, sr *signedRequest, secret, payload string) bool {
	var want [32]byte
	if !decodeLowerHex(want[:], sr.signature) {
		return false
	}
	var escapedPath string
	if r.URL != nil {
		escapedPath = r.URL.EscapedPath()
	}
	uris, n := canonicalURIs(escapedPath, sr.scope.Service)
	key := v.cache.get(secret, sr.scope.Date, sr.scope.Region, sr.scope.Service)
	s := v.bufs.Get().(*scratch)
	defer v.putScratch(s)
	for _, allWS := range [2]bool{false, true} {
		if allWS && !hasOtherWhitespace(r, sr.signedHeaders) {
			break
		}
		for _, uri := range uris[:n] {
			var got [32]byte
			got, s.canon, s.mac = sign(r, sr, uri, allWS, payload, key[:], s.canon, s.mac)
			if subtle.ConstantTimeCompare(got[:], want[:]) == 1 {
				return true
			}
		}
	}
	return false
}

// sign computes the SigV4 signature of r for one canonicalisation.
func sign(r *http.Request, sr *signedRequest, uri string, allWS bool, payload string, key, canon, mac []byte) ([32]byte, []byte, []byte) {
	c := canon[:0]
	c = append(c, r.Method...)
	c = append(c, '\n')
	c = append(c, uri...)
	c = append(c, '\n')
	c = appendCanonicalQuery(c, sr.query, sr.presigned)
	c = append(c, '\n')
	c = appendCanonicalHeaders(c, r, sr.signedHeaders, allWS)
	c = append(c, '\n')
	c = append(c, sr.signedHeaders...)
	c = append(c, '\n')
	c = append(c, payload...)
	crHash := sha256.Sum256(c)

	c = c[:0]
	c = append(c, algorithm+"\n"...)
	c = append(c, sr.amzDate...)
	c = append(c, '\n')
	c = append(c, sr.scope.Date...)
	c = append(c, '/')
	c = append(c, sr.scope.Region...)
	c = append(c, '/')
	c = append(c, sr.scope.Service...)
	c = append(c, "/"+terminator+"\n"...)
	c = hex.AppendEncode(c, crHash[:])
	sig, mac := hmacSHA256(key, c, mac)
	return sig, c, mac
}

// decodeLowerHex decodes exactly len(dst)*2 lower-case hex digits.
func decodeLowerHex(dst []byte, s string) bool {
	if len(s) != 2*len(dst) {
		return false
	}
	for i := range dst {
		hi, lo := lowerHexVal(s[2*i]), lowerHexVal(s[2*i+1])
		if hi < 0 || lo < 0 {
			return false
		}
		dst[i] = byte(hi<<4 | lo)
	}
	return true
}

func lowerHexVal(c byte) int {
	switch {
	case '0' <= c && c <= '9':
		return int(c - '0')
	case 'a' <= c && c <= 'f':
		return int(c-'a') + 10
	}
	return -1
}
