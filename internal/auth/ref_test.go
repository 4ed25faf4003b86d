package auth

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// A deliberately plain, independent SigV4 implementation (net/url, sort,
// crypto/hmac) of what the server must compute. It is used to sign requests
// the SDKs cannot produce (Date header, hand-made malformations) and as the
// oracle of the fuzz test.

func refEscape(s string, keepSlash bool) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		switch {
		case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9', strings.IndexByte("-._~", c) >= 0:
			b.WriteByte(c)
		case c == '/' && keepSlash:
			b.WriteByte(c)
		default:
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

func refRemoveDots(p string) string {
	var out []string
	for _, seg := range strings.Split(p, "/") {
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
	res := strings.Join(out, "/")
	if strings.HasPrefix(p, "/") {
		res = "/" + res
	}
	if strings.HasSuffix(p, "/") && len(out) > 0 {
		res += "/"
	}
	return res
}

// refURIs are the canonical URIs a client may have signed for r's path.
func refURIs(r *http.Request, service string) []string {
	p := r.URL.EscapedPath()
	if p == "" {
		p = "/"
	}
	if service == "s3" {
		out := []string{p}
		if dec, err := url.PathUnescape(p); err == nil {
			out = append(out, refEscape(dec, true))
		}
		return out
	}
	return []string{refEscape(refRemoveDots(p), true), refEscape(p, true)}
}

func refQuery(raw string, presigned bool) (string, bool) {
	type kv struct{ k, v string }
	var pairs []kv
	for _, part := range strings.Split(raw, "&") {
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		k, err1 := url.QueryUnescape(k)
		v, err2 := url.QueryUnescape(v)
		if err1 != nil || err2 != nil {
			return "", false
		}
		if presigned && k == "X-Amz-Signature" {
			continue
		}
		pairs = append(pairs, kv{refEscape(k, false), refEscape(v, false)})
	}
	sort.Slice(pairs, func(i, j int) bool {
		if pairs[i].k != pairs[j].k {
			return pairs[i].k < pairs[j].k
		}
		return pairs[i].v < pairs[j].v
	})
	var out []string
	for _, p := range pairs {
		out = append(out, p.k+"="+p.v)
	}
	return strings.Join(out, "&"), true
}

// refTrim is Trimall: spaces only (AWS, aws-sdk-go-v2) or, with allWS,
// ASCII whitespace as Python's str.split() sees it (botocore).
func refTrim(v string, allWS bool) string {
	isWS := func(c rune) bool {
		return c == ' ' || allWS && (c >= '\t' && c <= '\r' || c >= 0x1c && c <= 0x1f)
	}
	return strings.Join(strings.FieldsFunc(strings.TrimSpace(v), isWS), " ")
}

func refHeaderValue(r *http.Request, name string, allWS bool) string {
	if name == "host" {
		return refTrim(r.Host, allWS)
	}
	vals := r.Header.Values(name)
	if len(vals) == 0 && name == "content-length" && r.ContentLength >= 0 {
		vals = []string{strconv.FormatInt(r.ContentLength, 10)}
	}
	var out []string
	for _, v := range vals {
		out = append(out, refTrim(v, allWS))
	}
	return strings.Join(out, ",")
}

func refHMAC(key []byte, msg string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(msg))
	return m.Sum(nil)
}

// refSignature is the signature of r for one canonical URI.
func refSignature(r *http.Request, uri string, allWS bool, secret string, scope Scope, amzDate, signedHeaders, payload string, presigned bool) (string, bool) {
	query, ok := refQuery(r.URL.RawQuery, presigned)
	if !ok {
		return "", false
	}
	var headers strings.Builder
	for _, h := range strings.Split(signedHeaders, ";") {
		headers.WriteString(h + ":" + refHeaderValue(r, strings.ToLower(h), allWS) + "\n")
	}
	canonical := strings.Join([]string{r.Method, uri, query, headers.String(), signedHeaders, payload}, "\n")
	crHash := sha256.Sum256([]byte(canonical))
	sts := strings.Join([]string{"AWS4-HMAC-SHA256", amzDate,
		scope.Date + "/" + scope.Region + "/" + scope.Service + "/aws4_request", hex.EncodeToString(crHash[:])}, "\n")
	k := refHMAC([]byte("AWS4"+secret), scope.Date)
	k = refHMAC(k, scope.Region)
	k = refHMAC(k, scope.Service)
	k = refHMAC(k, "aws4_request")
	return hex.EncodeToString(refHMAC(k, sts)), true
}

// setRefAuthorization signs server-side request r (header form, payload =
// SHA-256 of body) with the reference implementation.
func setRefAuthorization(t testing.TB, r *http.Request, body []byte, akid, secret, service, signedHeaders, amzDate string) {
	t.Helper()
	scope := Scope{akid, amzDate[:8], "us-east-1", service}
	sig, ok := refSignature(r, refURIs(r, service)[0], false, secret, scope, amzDate, signedHeaders, hashHex(body), false)
	if !ok {
		t.Fatal("reference signer cannot sign request")
	}
	r.Header.Set("Authorization", fmt.Sprintf("AWS4-HMAC-SHA256 Credential=%s/%s, SignedHeaders=%s, Signature=%s",
		akid, scope.String(), signedHeaders, sig))
}

// TestReferenceAgreesWithSDK guards the oracle: the reference signer must
// reproduce aws-sdk-go-v2's signatures.
func TestReferenceAgreesWithSDK(t *testing.T) {
	for _, c := range validCases() {
		if c.sign.presign || c.sign.contentSHA {
			continue
		}
		r := c.req.build(t)
		signGo(t, r, c.req.body, c.sign)
		sr := serverView(t, r, c.req.body)
		authz := sr.Header.Get("Authorization")
		parsed := &signedRequest{}
		if err := parsed.parseAuthorization(authz); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		found := false
		for _, uri := range refURIs(sr, parsed.scope.Service) {
			sig, _ := refSignature(sr, uri, false, testSecret, parsed.scope, sr.Header.Get("X-Amz-Date"), parsed.signedHeaders, hashHex(c.req.body), false)
			found = found || sig == parsed.signature
		}
		if !found {
			t.Errorf("%s: reference signature differs from the SDK's", c.name)
		}
	}
}
