package auth

import (
	"net/http"
	"slices"
	"strings"
)

// Headers that must be signed when present.
//
// SigV4 lets a client choose which headers it signs (host is the only one
// that is always required), so a header left out of SignedHeaders can be
// changed by anyone who replays the request. Cairn requires a signature on
// every header that selects the operation or changes its meaning:
//
//   - every x-amz-* header, in both forms (X-Amz-Target selects the operation
//     of the JSON protocols; x-amz-meta-*, x-amz-acl, x-amz-copy-source, ...
//     change an S3 call). S3 itself refuses unsigned x-amz-* headers.
//     Exception: x-amz-content-sha256 on a presigned URL, whose value is the
//     payload line of the canonical request and so is covered anyway.
//   - Content-Type in header form (it selects the JSON or Query wire format).
//     Presigned URLs may carry an unsigned Content-Type, as S3 allows.
//
// Real clients sign all of these: botocore signs every header but expect,
// transfer-encoding, user-agent and x-amzn-trace-id; aws-sdk-go-v2 every
// header but authorization, user-agent, x-amzn-trace-id, expect and
// transfer-encoding, and its presigner hoists the x-amz-* headers it does
// not sign into the (signed) query string.

// mustSign reports whether header name (any case) must be signed when present.
func mustSign(name string, presigned bool) bool {
	switch {
	case strings.EqualFold(name, "content-type"):
		return !presigned
	case strings.EqualFold(name, "x-amz-content-sha256"):
		return !presigned
	}
	return len(name) >= len("x-amz-") && strings.EqualFold(name[:len("x-amz-")], "x-amz-")
}

// unsignedHeaders returns the lower-case names, sorted, of the headers of r
// that must be signed and are not in signedHeaders; nil if there are none.
func unsignedHeaders(r *http.Request, signedHeaders string, presigned bool) []string {
	var missing []string
	for k := range r.Header {
		if !mustSign(k, presigned) || isSigned(signedHeaders, k) {
			continue
		}
		if name := strings.ToLower(k); !slices.Contains(missing, name) {
			missing = append(missing, name)
		}
	}
	slices.Sort(missing)
	return missing
}

// isSigned reports whether name is one of the ';'-separated signedHeaders.
func isSigned(signedHeaders, name string) bool {
	for h := range strings.SplitSeq(signedHeaders, ";") {
		if strings.EqualFold(h, name) {
			return true
		}
	}
	return false
}

// headersNotSignedMessage is the message naming the unsigned headers
// (at most 16 names of at most 64 bytes each are echoed).
func headersNotSignedMessage(names []string) string {
	const maxNames, maxName = 16, 64
	var b strings.Builder
	b.WriteString(MsgHeadersNotSigned + ": ")
	for i, n := range names {
		if i > 0 {
			b.WriteByte(',')
		}
		if i == maxNames {
			b.WriteString("...")
			break
		}
		if len(n) > maxName {
			n = n[:maxName] + "..."
		}
		b.WriteString(n)
	}
	return b.String()
}

// UnsignedHeaders returns the header names a KindHeadersNotSigned error
// lists, joined by "," (for S3's HeadersNotSigned element); "" for other errors.
func (e *Error) UnsignedHeaders() string {
	if e == nil || e.Kind != KindHeadersNotSigned {
		return ""
	}
	names, _ := strings.CutPrefix(e.Message, MsgHeadersNotSigned+": ")
	return names
}
