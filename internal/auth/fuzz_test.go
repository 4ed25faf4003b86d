package auth

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func FuzzParseAuthorization(f *testing.F) {
	for _, s := range []string{
		"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261121/us-east-1/cloudtrail/aws4_request, SignedHeaders=host;x-amz-date, Signature=" + strings.Repeat("ab", 32),
		"AWS4-HMAC-SHA256 Credential=A/20261121/r/s/aws4_request,SignedHeaders=host,Signature=x",
		"AWS4-HMAC-SHA256   Signature=s , SignedHeaders=content-type;host , Credential=K/20200229/eu-west-1/iam/aws4_request",
		"AWS4-HMAC-SHA256 Credential=A/2026112/r/s/aws4_request, SignedHeaders=host, Signature=x",
		"AWS4-HMAC-SHA256 Credential=A/20261121/r/s/aws4_request, SignedHeaders=host, Signature=x=y",
		"AWS AKIDEXAMPLE:sig",
		"",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		sr := &signedRequest{}
		err := sr.parseAuthorization(h)
		if err != nil {
			if err.Kind != KindMalformed || err.Message == "" || err.Principal != nil {
				t.Fatalf("bad parse error %#v", err)
			}
			return
		}
		s := sr.scope
		for _, part := range []string{s.AccessKeyID, s.Date, s.Region, s.Service} {
			if part == "" || strings.Contains(part, "/") {
				t.Fatalf("bad scope %+v", s)
			}
		}
		if _, perr := time.Parse("20060102", s.Date); perr != nil {
			t.Fatalf("bad scope date %q", s.Date)
		}
		if !strings.Contains(";"+sr.signedHeaders+";", ";host;") {
			t.Fatalf("signed headers %q lack host", sr.signedHeaders)
		}
		// Rendering the parsed fields canonically parses to the same fields.
		h2 := "AWS4-HMAC-SHA256 Credential=" + s.AccessKeyID + "/" + s.String() +
			", SignedHeaders=" + sr.signedHeaders + ", Signature=" + sr.signature
		sr2 := &signedRequest{}
		if err := sr2.parseAuthorization(h2); err != nil {
			t.Fatalf("re-parse of %q: %v", h2, err)
		}
		if sr2.scope != sr.scope || sr2.signedHeaders != sr.signedHeaders || sr2.signature != sr.signature {
			t.Fatalf("round trip: %+v != %+v", sr2, sr)
		}
	})
}

// fuzzHeaders are the header fields FuzzVerify controls, besides two free ones.
var fuzzHeaders = []string{"Authorization", "X-Amz-Date", "X-Amz-Content-Sha256", "X-Amz-Security-Token"}

// FuzzVerify feeds arbitrary requests (seeded with valid SDK-signed ones) to
// Verify: it must never panic, and whenever it authenticates, an
// independent reference implementation must agree that the signature is right.
func FuzzVerify(f *testing.F) {
	for _, c := range validCases() {
		r := c.req.build(f)
		signGo(f, r, c.req.body, c.sign)
		sr := serverView(f, r, c.req.body)
		var extra []string
		for k, vs := range sr.Header {
			if k != "Content-Length" && k != "User-Agent" && !contains(fuzzHeaders, k) {
				extra = append(extra, k, vs[0])
			}
		}
		if len(extra) > 4 {
			continue
		}
		extra = append(extra, "", "", "", "")
		f.Add(sr.Method, sr.RequestURI, sr.Host, sr.Header.Get("Authorization"), sr.Header.Get("X-Amz-Date"),
			sr.Header.Get("X-Amz-Content-Sha256"), sr.Header.Get("X-Amz-Security-Token"),
			extra[0], extra[1], extra[2], extra[3], c.req.body)
	}
	f.Add("GET", "/", "h", "", "", "", "", "", "", "", "", []byte(nil))
	v := newTestVerifier(t0)
	f.Fuzz(func(t *testing.T, method, uri, host, authz, date, sha, token, n1, v1, n2, v2 string, body []byte) {
		u, err := url.ParseRequestURI(uri)
		if err != nil || method == "" {
			return
		}
		r := &http.Request{Method: method, URL: u, RequestURI: uri, Host: host, Header: http.Header{}, ContentLength: int64(len(body))}
		for i, val := range []string{authz, date, sha, token} {
			if val != "" {
				r.Header.Set(fuzzHeaders[i], val)
			}
		}
		if n1 != "" {
			r.Header.Add(n1, v1)
		}
		if n2 != "" {
			r.Header.Add(n2, v2)
		}
		p, scope, verr := v.Verify(r, body)
		ParseScope(r) // must not panic either
		if verr != nil {
			if _, ok := verr.(*Error); !ok {
				t.Fatalf("Verify returned %T %v", verr, verr)
			}
			return
		}
		// Authenticated: check everything independently.
		if p.UserName != "alice" || p.AccessKeyID != scope.AccessKeyID {
			t.Fatalf("principal %+v for scope %+v", p, scope)
		}
		sr, perr := parseRequest(r)
		if perr != nil {
			t.Fatalf("verified but does not parse: %v", perr)
		}
		if d := sr.time.Sub(t0); d > DefaultMaxSkew || (sr.expires < 0 && d < -DefaultMaxSkew) ||
			(sr.expires >= 0 && t0.After(sr.time.Add(time.Duration(sr.expires)*time.Second))) {
			t.Fatalf("verified outside the validity window: %s", sr.amzDate)
		}
		payload := r.Header.Get("X-Amz-Content-Sha256")
		if payload == "" && sr.presigned {
			payload, _ = param(sr.query, "X-Amz-Content-Sha256")
		}
		switch {
		case payload == "UNSIGNED-PAYLOAD" || strings.HasPrefix(payload, "STREAMING-"):
		case payload != "":
			if !strings.EqualFold(payload, hashHex(body)) {
				t.Fatalf("verified with payload hash %q for body %q", payload, body)
			}
		case sr.presigned && scope.Service == "s3":
			payload = "UNSIGNED-PAYLOAD"
		default:
			payload = hashHex(body)
		}
		for _, allWS := range []bool{false, true} {
			for _, u := range refURIs(r, scope.Service) {
				if sig, ok := refSignature(r, u, allWS, testSecret, scope, sr.amzDate, sr.signedHeaders, payload, sr.presigned); ok && sig == sr.signature {
					return
				}
			}
		}
		t.Fatalf("verified a request the reference implementation rejects: %s %s %v", method, uri, r.Header)
	})
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
