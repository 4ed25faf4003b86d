package auth

import (
	"cmp"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// Building blocks of the SigV4 canonical request.

const upperHex = "0123456789ABCDEF"

// unreserved reports whether c is an RFC 3986 unreserved character, the only
// characters SigV4 leaves unencoded.
func unreserved(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
		c == '-' || c == '.' || c == '_' || c == '~'
}

// appendEncoded appends s URI-encoded the SigV4 way: every byte but the
// unreserved ones (and '/' when keepSlash) as %XX with upper-case hex.
func appendEncoded(dst []byte, s string, keepSlash bool) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if unreserved(c) || c == '/' && keepSlash {
			dst = append(dst, c)
		} else {
			dst = append(dst, '%', upperHex[c>>4], upperHex[c&15])
		}
	}
	return dst
}

// encode returns s URI-encoded; s itself when nothing needs encoding.
func encode(s string, keepSlash bool) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; !unreserved(c) && !(c == '/' && keepSlash) {
			return string(appendEncoded(make([]byte, 0, len(s)+16), s, keepSlash))
		}
	}
	return s
}

// normalizePath removes "." and ".." segments and empty segments from an
// (escaped) path, the way botocore's remove_dot_segments does for non-S3
// services: a leading '/' is kept, a trailing '/' is kept when anything is
// left, an empty result is "/".
func normalizePath(p string) string {
	if p == "" {
		return "/"
	}
	if !needsNormalizing(p) {
		return p
	}
	var out []string
	for seg := range strings.SplitSeq(p, "/") {
		switch seg {
		case "", ".":
		case "..":
			if len(out) > 0 {
				out = out[:len(out)-1]
			}
		default:
			out = append(out, seg)
		}
	}
	var b strings.Builder
	if p[0] == '/' {
		b.WriteByte('/')
	}
	b.WriteString(strings.Join(out, "/"))
	if p[len(p)-1] == '/' && len(out) > 0 {
		b.WriteByte('/')
	}
	return b.String()
}

// needsNormalizing reports whether normalizePath would change p.
func needsNormalizing(p string) bool {
	if p[0] != '/' {
		return true
	}
	if p == "/" {
		return false
	}
	for seg := range strings.SplitSeq(p[1:], "/") {
		if seg == "." || seg == ".." {
			return true
		}
	}
	// Empty segments: "//" anywhere, or a trailing "/" after nothing.
	return strings.Contains(p, "//")
}

// canonicalURIs lists the canonical URIs a client may have signed for the
// escaped request path, most likely first.
//
// For every service but s3, AWS normalises the path and URI-encodes the
// (already escaped) path again, so each segment ends up encoded twice;
// botocore normalises, aws-sdk-go-v2 does not, so both forms are accepted.
// For s3 the path is used as sent; the SigV4 re-encoding of the decoded path
// is accepted too, for clients whose escaping differs from Go's.
func canonicalURIs(escapedPath, service string) (uris [2]string, n int) {
	if escapedPath == "" {
		escapedPath = "/"
	}
	if service == "s3" {
		uris[0], n = escapedPath, 1
		if dec, err := unescape(escapedPath, false); err == nil {
			if alt := encode(dec, true); alt != escapedPath {
				uris[1], n = alt, 2
			}
		}
		return uris, n
	}
	uris[0], n = encode(normalizePath(escapedPath), true), 1
	if alt := encode(escapedPath, true); alt != uris[0] {
		uris[1], n = alt, 2
	}
	return uris, n
}

// queryPair is one query parameter, decoded.
type queryPair struct{ key, value string }

// parseQuery splits a raw query string into decoded pairs, in order. '+' is a
// space, as in form encoding (and as aws-sdk-go-v2 reads it); empty pairs are
// skipped. An invalid %-escape is an error.
func parseQuery(raw string) ([]queryPair, error) {
	if raw == "" {
		return nil, nil
	}
	pairs := make([]queryPair, 0, strings.Count(raw, "&")+1)
	for part := range strings.SplitSeq(raw, "&") {
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		var err error
		if k, err = unescape(k, true); err != nil {
			return nil, err
		}
		if v, err = unescape(v, true); err != nil {
			return nil, err
		}
		pairs = append(pairs, queryPair{k, v})
	}
	return pairs, nil
}

type escapeError string

func (e escapeError) Error() string { return "invalid URL escape " + strconv.Quote(string(e)) }

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// unescape decodes %XX escapes (and '+' as space when plusSpace). It returns
// s itself when there is nothing to decode.
func unescape(s string, plusSpace bool) (string, error) {
	n := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '%':
			n++
			if i+2 >= len(s) {
				return "", escapeError(s[i:])
			}
			if _, ok := unhex(s[i+1]); !ok {
				return "", escapeError(s[i : i+3])
			}
			if _, ok := unhex(s[i+2]); !ok {
				return "", escapeError(s[i : i+3])
			}
			i += 2
		case '+':
			if plusSpace {
				n++
			}
		}
	}
	if n == 0 {
		return s, nil
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '%':
			hi, _ := unhex(s[i+1])
			lo, _ := unhex(s[i+2])
			b = append(b, hi<<4|lo)
			i += 2
		case c == '+' && plusSpace:
			b = append(b, ' ')
		default:
			b = append(b, c)
		}
	}
	return string(b), nil
}

// appendCanonicalQuery appends the canonical query string: every pair
// (but X-Amz-Signature when skipSignature) RFC 3986-encoded, sorted by
// encoded key, then encoded value, joined with '&'.
func appendCanonicalQuery(dst []byte, pairs []queryPair, skipSignature bool) []byte {
	if len(pairs) == 0 {
		return dst
	}
	enc := make([]queryPair, 0, len(pairs))
	for _, p := range pairs {
		if skipSignature && p.key == paramSignature {
			continue
		}
		enc = append(enc, queryPair{encode(p.key, false), encode(p.value, false)})
	}
	slices.SortFunc(enc, func(a, b queryPair) int {
		return cmp.Or(strings.Compare(a.key, b.key), strings.Compare(a.value, b.value))
	})
	for i, p := range enc {
		if i > 0 {
			dst = append(dst, '&')
		}
		dst = append(dst, p.key...)
		dst = append(dst, '=')
		dst = append(dst, p.value...)
	}
	return dst
}

// appendTrimmed appends v with leading and trailing whitespace removed and
// inner runs of spaces collapsed to one (SigV4 "Trimall", as AWS and
// aws-sdk-go-v2 do it). With allWS, runs of any ASCII whitespace collapse to
// one space, as botocore does it (Python's str.split()).
func appendTrimmed(dst []byte, v string, allWS bool) []byte {
	v = strings.TrimSpace(v)
	space := false
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c == ' ' || allWS && pyWhitespace(c) {
			if space {
				continue
			}
			c, space = ' ', true
		} else {
			space = false
		}
		dst = append(dst, c)
	}
	return dst
}

// pyWhitespace reports whether Python's str.split() splits on ASCII byte c.
func pyWhitespace(c byte) bool {
	return c == ' ' || '\t' <= c && c <= '\r' || 0x1c <= c && c <= 0x1f
}

// hasOtherWhitespace reports whether a signed header value holds whitespace
// that only the botocore flavour of Trimall collapses.
func hasOtherWhitespace(r *http.Request, signedHeaders string) bool {
	for name := range strings.SplitSeq(signedHeaders, ";") {
		if name == "host" {
			continue
		}
		for k, vs := range r.Header {
			if !strings.EqualFold(k, name) {
				continue
			}
			for _, v := range vs {
				if strings.ContainsFunc(v, func(c rune) bool { return c != ' ' && c < 0x80 && pyWhitespace(byte(c)) }) {
					return true
				}
			}
		}
	}
	return false
}

// appendHeaderValue appends the canonical value of the signed header name
// (lower case) as the server sees r: Host lives in r.Host, and net/http may
// move Content-Length and Transfer-Encoding out of r.Header.
func appendHeaderValue(dst []byte, r *http.Request, name string, allWS bool) []byte {
	switch name {
	case "host":
		h := r.Host
		if h == "" && r.URL != nil {
			h = r.URL.Host
		}
		return appendTrimmed(dst, h, allWS)
	}
	// net/http canonicalises header keys, so there is normally one match;
	// keys set by hand in other spellings are merged in sorted order.
	var arr [2]string
	keys := arr[:0]
	for k := range r.Header {
		if strings.EqualFold(k, name) {
			keys = append(keys, k)
		}
	}
	if len(keys) > 0 {
		slices.Sort(keys)
		n := 0
		for _, k := range keys {
			for _, v := range r.Header[k] {
				if n > 0 {
					dst = append(dst, ',')
				}
				dst = appendTrimmed(dst, v, allWS)
				n++
			}
		}
		return dst
	}
	switch name {
	case "content-length":
		if r.ContentLength >= 0 {
			dst = strconv.AppendInt(dst, r.ContentLength, 10)
		}
	case "transfer-encoding":
		dst = append(dst, strings.Join(r.TransferEncoding, ",")...)
	}
	return dst
}

// appendCanonicalHeaders appends "name:value\n" for each signed header, in
// the order of the SignedHeaders list (allWS: see appendTrimmed).
func appendCanonicalHeaders(dst []byte, r *http.Request, signedHeaders string, allWS bool) []byte {
	for name := range strings.SplitSeq(signedHeaders, ";") {
		dst = append(dst, name...)
		dst = append(dst, ':')
		dst = appendHeaderValue(dst, r, strings.ToLower(name), allWS)
		dst = append(dst, '\n')
	}
	return dst
}
