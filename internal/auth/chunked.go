package auth

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/cairn-audit/cairn/internal/api"
	"github.com/cairn-audit/cairn/internal/identity"
)

// Payload-hash values (x-amz-content-sha256) of S3 streaming uploads.
const (
	// StreamingSigned: an aws-chunked body whose every chunk is signed,
	// chained from the request's signature (the seed).
	StreamingSigned = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
	// StreamingSignedTrailer: signed chunks followed by signed trailing
	// headers (a checksum).
	StreamingSignedTrailer = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"
	// StreamingUnsignedTrailer: unsigned chunks followed by an unsigned
	// checksum trailer (the SDKs' default for uploads over TLS).
	StreamingUnsignedTrailer = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
	// UnsignedPayload: the body is not covered by the signature.
	UnsignedPayload = unsignedPayload
)

// emptySHA256 is the hex SHA-256 of the empty string.
const emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

// StreamAuth is what verifying a streamed body takes once the request's own
// signature has been verified: the payload hash it was signed with and, for
// signed chunks, the signing key, seed signature and scope of the chain.
type StreamAuth struct {
	// PayloadHash is the payload hash the request was signed with: a hex
	// SHA-256, UNSIGNED-PAYLOAD or one of the STREAMING-* values.
	PayloadHash string

	principal identity.Principal
	key       [32]byte
	seed      string // the request's signature: the "previous signature" of the first chunk
	amzDate   string
	scope     string // date/region/service/aws4_request
}

// VerifyStreaming authenticates r like Verify, without its body: the
// signature is checked with the payload hash the client declared in
// x-amz-content-sha256 (UNSIGNED-PAYLOAD for presigned URLs that declare
// none, the empty body's hash for requests that declare none). The body is
// verified as it is read, through StreamAuth.Body. Failures are *Error.
func (v *Verifier) VerifyStreaming(r *http.Request) (identity.Principal, Scope, *StreamAuth, error) {
	p, sr, secret, err := v.authenticate(r, nil, true)
	if err != nil {
		var scope Scope
		if sr != nil {
			scope = sr.scope
		}
		return identity.Principal{}, scope, nil, err
	}
	sa := &StreamAuth{
		PayloadHash: streamPayloadHash(r, sr),
		principal:   p,
		key:         v.cache.get(secret, sr.scope.Date, sr.scope.Region, sr.scope.Service),
		seed:        sr.signature,
		amzDate:     sr.amzDate,
		scope:       sr.scope.String(),
	}
	return p, sr.scope, sa, nil
}

// streamPayloadHash is the payload line of the canonical request of a
// request whose body is not at hand.
func streamPayloadHash(r *http.Request, sr *signedRequest) string {
	h := getHeader(r.Header, headerContentSHA256)
	if h == "" && sr.presigned {
		h, _ = param(sr.query, paramContentSHA256)
	}
	switch {
	case h != "":
		return h
	case sr.presigned:
		return unsignedPayload
	}
	return emptySHA256
}

// Body returns the payload of r as the service should read it, and its
// length if the client declared it (-1 if not). body is r's body (possibly
// already bounded by the caller).
//
// Depending on the payload hash, the payload is:
//   - a hex SHA-256: body itself; the read that reaches the end fails with
//     XAmzContentSHA256Mismatch (*Error) if the body's hash differs;
//   - UNSIGNED-PAYLOAD: body itself (aws-chunked decoded if so encoded);
//   - STREAMING-*: the aws-chunked body decoded, each chunk's signature and
//     the trailer's signature verified (SignatureDoesNotMatch, *Error) and a
//     checksum trailer verified (BadDigest).
//
// Malformed encodings fail with *api.Error. A failed read is never io.EOF,
// so a reader that reaches io.EOF has read exactly what the client signed.
// Bytes of a chunk are returned before the chunk's signature (at its end)
// is checked: consumers must not act on a body they did not read to io.EOF.
func (sa *StreamAuth) Body(r *http.Request, body io.Reader) (io.Reader, int64, error) {
	chunked := hasToken(r.Header.Values("Content-Encoding"), "aws-chunked")
	switch sa.PayloadHash {
	case StreamingSigned, StreamingSignedTrailer, StreamingUnsignedTrailer:
		return sa.chunked(r, body)
	case unsignedPayload:
		if chunked {
			return sa.chunked(r, body)
		}
		return body, r.ContentLength, nil
	}
	if strings.HasPrefix(sa.PayloadHash, streamingPrefix) {
		return nil, 0, &api.Error{Code: "NotImplemented", Status: http.StatusNotImplemented,
			Message: fmt.Sprintf("x-amz-content-sha256 %q is not supported (SigV4a streaming signatures are not implemented).", clip(sa.PayloadHash))}
	}
	var want [32]byte
	if _, err := hex.Decode(want[:], []byte(sa.PayloadHash)); err != nil || len(sa.PayloadHash) != 64 {
		return nil, 0, &api.Error{Code: "InvalidArgument", Status: http.StatusBadRequest,
			Message: "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER or a valid sha256 value."}
	}
	if chunked {
		return nil, 0, &api.Error{Code: "InvalidArgument", Status: http.StatusBadRequest,
			Message: "Content-Encoding aws-chunked requires a STREAMING-* or UNSIGNED-PAYLOAD x-amz-content-sha256."}
	}
	p := sa.principal
	return &hashReader{r: body, h: sha256.New(), want: want, principal: &p}, r.ContentLength, nil
}

// chunked returns the decoder of an aws-chunked body.
func (sa *StreamAuth) chunked(r *http.Request, body io.Reader) (io.Reader, int64, error) {
	declared := int64(-1)
	if v := r.Header.Get("X-Amz-Decoded-Content-Length"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return nil, 0, &api.Error{Code: "InvalidArgument", Status: http.StatusBadRequest,
				Message: fmt.Sprintf("x-amz-decoded-content-length %q is not a valid length.", clip(v))}
		}
		declared = n
	}
	opts := chunkOptions{
		signed:   sa.PayloadHash == StreamingSigned || sa.PayloadHash == StreamingSignedTrailer,
		trailer:  sa.PayloadHash != StreamingSigned,
		declared: declared,
	}
	if opts.trailer {
		for _, name := range splitList(r.Header.Values("X-Amz-Trailer")) {
			alg := checksumByHeader(name)
			if alg == nil {
				continue // trailers other than checksums are read and ignored
			}
			if opts.checksum != nil {
				return nil, 0, &api.Error{Code: "InvalidRequest", Status: http.StatusBadRequest,
					Message: "Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed."}
			}
			opts.checksum = alg
		}
	}
	var p *identity.Principal
	if opts.signed {
		pr := sa.principal
		p, opts.auth = &pr, sa
	}
	opts.principal = p
	return newChunkReader(body, opts), declared, nil
}

// chunkSignature is the signature of one chunk of a signed aws-chunked body.
func (sa *StreamAuth) chunkSignature(prev string, chunkHash []byte) [32]byte {
	buf := make([]byte, 0, 256)
	buf = append(buf, "AWS4-HMAC-SHA256-PAYLOAD\n"...)
	buf = append(buf, sa.amzDate...)
	buf = append(buf, '\n')
	buf = append(buf, sa.scope...)
	buf = append(buf, '\n')
	buf = append(buf, prev...)
	buf = append(buf, "\n"+emptySHA256+"\n"...)
	buf = hex.AppendEncode(buf, chunkHash)
	sig, _ := hmacSHA256(sa.key[:], buf, nil)
	return sig
}

// trailerSignature is the signature of the trailing headers, given in
// canonical form ("name:value\n" each).
func (sa *StreamAuth) trailerSignature(prev string, canonical []byte) [32]byte {
	h := sha256.Sum256(canonical)
	buf := make([]byte, 0, 256)
	buf = append(buf, "AWS4-HMAC-SHA256-TRAILER\n"...)
	buf = append(buf, sa.amzDate...)
	buf = append(buf, '\n')
	buf = append(buf, sa.scope...)
	buf = append(buf, '\n')
	buf = append(buf, prev...)
	buf = append(buf, '\n')
	buf = hex.AppendEncode(buf, h[:])
	sig, _ := hmacSHA256(sa.key[:], buf, nil)
	return sig
}

// signatureEqual compares a computed signature with the hex one sent, in constant time.
func signatureEqual(got [32]byte, sent string) bool {
	var want [32]byte
	if !decodeLowerHex(want[:], sent) {
		return false
	}
	return subtle.ConstantTimeCompare(got[:], want[:]) == 1
}

// hashReader passes a body through and fails the read that reaches its end
// if the body's SHA-256 is not the one the request was signed with.
type hashReader struct {
	r         io.Reader
	h         hash.Hash
	want      [32]byte
	principal *identity.Principal
	err       error
}

func (h *hashReader) Read(p []byte) (int, error) {
	if h.err != nil {
		return 0, h.err
	}
	n, err := h.r.Read(p)
	h.h.Write(p[:n])
	if err == io.EOF {
		var got [32]byte
		h.h.Sum(got[:0])
		if subtle.ConstantTimeCompare(got[:], h.want[:]) != 1 {
			err = newError(KindContentMismatch, msgContentMismatch, h.principal)
		}
	}
	if err != nil {
		h.err = err
	}
	return n, err
}

// hasToken reports whether a comma-separated header list holds token.
func hasToken(values []string, token string) bool {
	for _, v := range splitList(values) {
		if strings.EqualFold(v, token) {
			return true
		}
	}
	return false
}

// splitList splits comma-separated header values into trimmed, non-empty items.
func splitList(values []string) []string {
	var out []string
	for _, v := range values {
		for item := range strings.SplitSeq(v, ",") {
			if item = strings.TrimSpace(item); item != "" {
				out = append(out, item)
			}
		}
	}
	return out
}
