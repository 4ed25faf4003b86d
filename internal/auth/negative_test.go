package auth

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/cairn-audit/cairn/internal/identity"
)

// signedCT is a cloudtrail POST signed by aws-sdk-go-v2 at `at`, as the server sees it.
func signedCT(t *testing.T, body string, at time.Time, o signOpts) *http.Request {
	t.Helper()
	r := clientReq{method: "POST", url: "http://" + testHost + "/?extra=1", body: []byte(body), header: map[string][]string{
		"Content-Type": {"application/x-amz-json-1.1"},
		"X-Amz-Target": {"com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.DescribeTrails"},
	}}.build(t)
	o.service, o.at = "cloudtrail", at
	signGo(t, r, []byte(body), o)
	sr := serverView(t, r, []byte(body))
	sr.Header.Set("X-Unsigned", "original") // added after signing: not covered
	return sr
}

func signedS3Put(t *testing.T, body string) *http.Request {
	t.Helper()
	r := clientReq{method: "PUT", url: "http://" + testHost + "/", rawPath: "/bkt/key", body: []byte(body)}.build(t)
	signGo(t, r, []byte(body), signOpts{service: "s3", s3: true, contentSHA: true})
	return serverView(t, r, []byte(body))
}

func presignedSTS(t *testing.T, at time.Time, expires int) *http.Request {
	t.Helper()
	r := clientReq{method: "GET", url: "http://" + testHost + "/?Action=GetCallerIdentity&Version=2011-06-15"}.build(t)
	signGo(t, r, nil, signOpts{service: "sts", presign: true, expires: expires, at: at})
	return serverView(t, r, nil)
}

func TestVerifyRejects(t *testing.T) {
	type tc struct {
		name      string
		req       func(t *testing.T) (*http.Request, string) // request and the body the server read
		now       time.Time                                  // zero: t0
		want      Kind
		principal bool   // Error.Principal must be set
		msg       string // exact message, if non-empty
	}
	ct := func(mut func(r *http.Request) string) func(t *testing.T) (*http.Request, string) {
		return func(t *testing.T) (*http.Request, string) {
			r := signedCT(t, ctBody, t0, signOpts{})
			body := ctBody
			if mut != nil {
				if b := mut(r); b != "" {
					body = b
				}
			}
			return r, body
		}
	}
	setAuthz := func(a string) func(r *http.Request) string {
		return func(r *http.Request) string { r.Header.Set("Authorization", a); return "" }
	}
	const goodCred = "Credential=" + testAKID + "/20261121/us-east-1/cloudtrail/aws4_request"
	const goodSig = "Signature=" + "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	cases := []tc{
		{name: "control: untouched request passes", req: ct(nil), want: 0},
		{name: "unsigned header changed passes", req: ct(func(r *http.Request) string {
			r.Header.Set("X-Unsigned", "changed")
			r.Header.Set("User-Agent", "other")
			return ""
		}), want: 0},
		{name: "wrong secret", req: func(t *testing.T) (*http.Request, string) {
			return signedCT(t, ctBody, t0, signOpts{creds: creds(testAKID, "not-the-secret")}), ctBody
		}, want: KindBadSignature, principal: true, msg: msgBadSignature},
		{name: "unknown key", req: func(t *testing.T) (*http.Request, string) {
			return signedCT(t, ctBody, t0, signOpts{creds: creds("AKIAUNKNOWN000000000", testSecret)}), ctBody
		}, want: KindUnknownKey, msg: "The security token included in the request is invalid."},
		{name: "inactive key", req: func(t *testing.T) (*http.Request, string) {
			return signedCT(t, ctBody, t0, signOpts{creds: creds(inactiveAKID, testSecret)}), ctBody
		}, want: KindInactiveKey, principal: true, msg: "The security token included in the request is invalid."},
		{name: "tampered body", req: ct(func(r *http.Request) string { return strings.Replace(ctBody, "true", "false", 1) }),
			want: KindBadSignature, principal: true},
		{name: "tampered signed header", req: ct(func(r *http.Request) string {
			r.Header.Set("X-Amz-Target", "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.DeleteTrail")
			return ""
		}), want: KindBadSignature, principal: true},
		{name: "extra value on signed header", req: ct(func(r *http.Request) string {
			r.Header.Add("Content-Type", "text/plain")
			return ""
		}), want: KindBadSignature, principal: true},
		{name: "tampered query", req: ct(func(r *http.Request) string { r.URL.RawQuery = "extra=2"; return "" }),
			want: KindBadSignature, principal: true},
		{name: "added query parameter", req: ct(func(r *http.Request) string { r.URL.RawQuery += "&more=1"; return "" }),
			want: KindBadSignature, principal: true},
		{name: "tampered path", req: ct(func(r *http.Request) string { r.URL.Path = "/other"; return "" }),
			want: KindBadSignature, principal: true},
		{name: "tampered host", req: ct(func(r *http.Request) string { r.Host = "evil.test"; return "" }),
			want: KindBadSignature, principal: true},
		{name: "tampered method", req: ct(func(r *http.Request) string { r.Method = "PUT"; return "" }),
			want: KindBadSignature, principal: true},
		{name: "upper-case signature hex", req: ct(func(r *http.Request) string {
			a := r.Header.Get("Authorization")
			i := strings.Index(a, "Signature=") + len("Signature=")
			r.Header.Set("Authorization", a[:i]+strings.ToUpper(a[i:]))
			return ""
		}), want: KindBadSignature, principal: true},
		{name: "20 minutes old", req: func(t *testing.T) (*http.Request, string) {
			return signedCT(t, ctBody, t0.Add(-20*time.Minute), signOpts{}), ctBody
		}, want: KindExpired, principal: true,
			msg: "Signature expired: 20261121T044000Z is now earlier than 20261121T044500Z (20261121T050000Z - 15 min.)"},
		{name: "15 minutes old is still valid", req: func(t *testing.T) (*http.Request, string) {
			return signedCT(t, ctBody, t0.Add(-15*time.Minute), signOpts{}), ctBody
		}, want: 0},
		{name: "20 minutes in the future", req: func(t *testing.T) (*http.Request, string) {
			return signedCT(t, ctBody, t0.Add(20*time.Minute), signOpts{}), ctBody
		}, want: KindExpired, principal: true,
			msg: "Signature not yet current: 20261121T052000Z is still later than 20261121T051500Z (20261121T050000Z + 15 min.)"},
		{name: "presigned URL expired", req: func(t *testing.T) (*http.Request, string) {
			return presignedSTS(t, t0, 60), ""
		}, now: t0.Add(61 * time.Second), want: KindExpired, principal: true},
		{name: "presigned URL within expiry", req: func(t *testing.T) (*http.Request, string) {
			return presignedSTS(t, t0, 3600), ""
		}, now: t0.Add(59 * time.Minute), want: 0},
		{name: "presigned URL from the future", req: func(t *testing.T) (*http.Request, string) {
			return presignedSTS(t, t0.Add(time.Hour), 3600), ""
		}, want: KindExpired, principal: true},
		{name: "presigned expiry over a week", req: func(t *testing.T) (*http.Request, string) {
			return presignedSTS(t, t0, 604801), ""
		}, want: KindMalformed},
		{name: "presigned tampered query", req: func(t *testing.T) (*http.Request, string) {
			r := presignedSTS(t, t0, 60)
			r.URL.RawQuery = strings.Replace(r.URL.RawQuery, "GetCallerIdentity", "GetSessionToken", 1)
			return r, ""
		}, want: KindBadSignature, principal: true},
		{name: "presigned with a body", req: func(t *testing.T) (*http.Request, string) {
			return presignedSTS(t, t0, 60), "Action=AssumeRole"
		}, want: KindBadSignature, principal: true},
		{name: "presigned missing signature param", req: func(t *testing.T) (*http.Request, string) {
			r := presignedSTS(t, t0, 60)
			q := r.URL.Query()
			q.Del("X-Amz-Signature")
			r.URL.RawQuery = q.Encode()
			return r, ""
		}, want: KindMalformed},
		{name: "header and query auth together", req: func(t *testing.T) (*http.Request, string) {
			r := presignedSTS(t, t0, 60)
			r.Header.Set("Authorization", "AWS4-HMAC-SHA256 "+goodCred+", SignedHeaders=host, "+goodSig)
			return r, ""
		}, want: KindMalformed},
		{name: "no authentication", req: func(t *testing.T) (*http.Request, string) {
			r := httptest.NewRequest("POST", "/", strings.NewReader(ctBody))
			return r, ctBody
		}, want: KindMissing, msg: msgMissing},
		{name: "scope date mismatch", req: func(t *testing.T) (*http.Request, string) {
			r := httptest.NewRequest("POST", "/", strings.NewReader(ctBody))
			r.Header.Set("X-Amz-Date", "20261121T050000Z")
			setRefAuthorization(t, r, []byte(ctBody), testAKID, testSecret, "cloudtrail", "host;x-amz-date", "20261120T050000Z")
			return r, ctBody
		}, want: KindMalformed,
			msg: "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20261120' != '20261121', from '20261121T050000Z'."},
		{name: "no date header", req: ct(func(r *http.Request) string { r.Header.Del("X-Amz-Date"); return "" }),
			want: KindMalformed},
		{name: "bad X-Amz-Date", req: ct(func(r *http.Request) string { r.Header.Set("X-Amz-Date", "2026-11-21T05:00:00Z"); return "" }),
			want: KindMalformed},
		{name: "session token missing", req: func(t *testing.T) (*http.Request, string) {
			return signedCT(t, ctBody, t0, signOpts{creds: creds(sessionAKID, testSecret)}), ctBody
		}, want: KindUnknownKey},
		{name: "session token wrong", req: func(t *testing.T) (*http.Request, string) {
			c := creds(sessionAKID, testSecret)
			c.SessionToken = "forged"
			return signedCT(t, ctBody, t0, signOpts{creds: c}), ctBody
		}, want: KindUnknownKey},
		{name: "token on a long-term key", req: func(t *testing.T) (*http.Request, string) {
			c := creds(testAKID, testSecret)
			c.SessionToken = sessionTok
			return signedCT(t, ctBody, t0, signOpts{creds: c}), ctBody
		}, want: KindUnknownKey},
		{name: "expired session credentials", req: func(t *testing.T) (*http.Request, string) {
			c := creds(expiredAKID, testSecret)
			c.SessionToken = sessionTok
			return signedCT(t, ctBody, t0, signOpts{creds: c}), ctBody
		}, want: KindExpiredToken, principal: true},
		{name: "content sha256 mismatch", req: func(t *testing.T) (*http.Request, string) {
			return signedS3Put(t, "original object"), "tampered object"
		}, want: KindContentMismatch, principal: true},
		{name: "content sha256 header tampered", req: func(t *testing.T) (*http.Request, string) {
			r := signedS3Put(t, "original object")
			r.Header.Set("X-Amz-Content-Sha256", hashHex([]byte("tampered object")))
			return r, "tampered object"
		}, want: KindBadSignature, principal: true},
		{name: "s3 UNSIGNED-PAYLOAD ignores body", req: func(t *testing.T) (*http.Request, string) {
			r := clientReq{method: "PUT", url: "http://" + testHost + "/bkt/key"}.build(t)
			signGo(t, r, nil, signOpts{service: "s3", s3: true, payload: unsignedPayload, contentSHA: true})
			return serverView(t, r, nil), "anything at all"
		}, want: 0},
	}
	for _, a := range []string{
		"",
		"AWS4-HMAC-SHA256",
		"AWS4-HMAC-SHA512 " + goodCred + ", SignedHeaders=host, " + goodSig,
		"AWS AKIAIOSFODNN7EXAMPLE:frJIUN8DYpKDtOLCwo//yllqDzg=",
		"Bearer abc",
		"AWS4-HMAC-SHA256 " + goodCred + ", SignedHeaders=host",
		"AWS4-HMAC-SHA256 " + goodCred + ", " + goodSig,
		"AWS4-HMAC-SHA256 SignedHeaders=host, " + goodSig,
		"AWS4-HMAC-SHA256 " + goodCred + ", SignedHeaders=host, " + goodSig + ", " + goodSig,
		"AWS4-HMAC-SHA256 " + goodCred + ", SignedHeaders=host, " + goodSig + ", Extra=1",
		"AWS4-HMAC-SHA256 " + goodCred + ", SignedHeaders=host, Signature",
		"AWS4-HMAC-SHA256 " + goodCred + ", SignedHeaders=x-amz-date, " + goodSig,
		"AWS4-HMAC-SHA256 " + goodCred + ", SignedHeaders=host;;x-amz-date, " + goodSig,
		"AWS4-HMAC-SHA256 Credential=" + testAKID + "/20261121/us-east-1/cloudtrail/aws5_request, SignedHeaders=host, " + goodSig,
		"AWS4-HMAC-SHA256 Credential=" + testAKID + "/20261121/us-east-1/cloudtrail, SignedHeaders=host, " + goodSig,
		"AWS4-HMAC-SHA256 Credential=" + testAKID + "/2026-11-21/us-east-1/cloudtrail/aws4_request, SignedHeaders=host, " + goodSig,
		"AWS4-HMAC-SHA256 Credential=/20261121/us-east-1/cloudtrail/aws4_request, SignedHeaders=host, " + goodSig,
		"AWS4-HMAC-SHA256 Credential=" + testAKID + "/20261121//cloudtrail/aws4_request, SignedHeaders=host, " + goodSig,
	} {
		cases = append(cases, tc{name: "malformed authorization " + a, req: ct(setAuthz(a)), want: KindMalformed})
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			now := c.now
			if now.IsZero() {
				now = t0
			}
			r, body := c.req(t)
			p, _, err := newTestVerifier(now).Verify(r, []byte(body))
			if got := kindOf(err); got != c.want {
				t.Fatalf("Verify error = %v (kind %d), want kind %d", err, got, c.want)
			}
			if err == nil {
				if p.UserName != "alice" {
					t.Errorf("principal = %+v", p)
				}
				return
			}
			e := err.(*Error)
			if p != (identity.Principal{}) {
				t.Errorf("principal returned with an error: %+v", p)
			}
			if (e.Principal != nil) != c.principal {
				t.Errorf("Error.Principal = %+v, want set=%v", e.Principal, c.principal)
			}
			if e.Principal != nil && (e.Principal.UserName != "alice" || e.Principal.AccessKeyID == "") {
				t.Errorf("Error.Principal = %+v", e.Principal)
			}
			if c.msg != "" && e.Message != c.msg {
				t.Errorf("message = %q\nwant      %q", e.Message, c.msg)
			}
			if strings.Contains(err.Error(), testSecret) || strings.Contains(e.Message, testSecret) {
				t.Errorf("error leaks the secret: %v", err)
			}
		})
	}
}

func TestSkewIsConfigurable(t *testing.T) {
	r := signedCT(t, ctBody, t0.Add(-20*time.Minute), signOpts{})
	v := NewVerifier(testKeys(), Options{MaxSkew: 30 * time.Minute, Now: func() time.Time { return t0 }})
	if _, _, err := v.Verify(r, []byte(ctBody)); err != nil {
		t.Fatalf("30-minute skew: %v", err)
	}
	v = NewVerifier(testKeys(), Options{MaxSkew: 5 * time.Minute, Now: func() time.Time { return t0 }})
	_, _, err := v.Verify(signedCT(t, ctBody, t0.Add(-6*time.Minute), signOpts{}), []byte(ctBody))
	want := "Signature expired: 20261121T045400Z is now earlier than 20261121T045500Z (20261121T050000Z - 5 min.)"
	if e, ok := err.(*Error); !ok || e.Kind != KindExpired || e.Message != want {
		t.Fatalf("5-minute skew: %v, want %q", err, want)
	}
}

func TestErrorCodes(t *testing.T) {
	cases := []struct {
		kind        Kind
		json, query string
		status      int
	}{
		{KindMissing, "MissingAuthenticationTokenException", "MissingAuthenticationToken", 403},
		{KindUnknownKey, "UnrecognizedClientException", "InvalidClientTokenId", 403},
		{KindInactiveKey, "UnrecognizedClientException", "InvalidClientTokenId", 403},
		{KindBadSignature, "InvalidSignatureException", "SignatureDoesNotMatch", 403},
		{KindExpired, "InvalidSignatureException", "SignatureDoesNotMatch", 403},
		{KindMalformed, "IncompleteSignatureException", "IncompleteSignature", 400},
		{KindContentMismatch, "XAmzContentSHA256Mismatch", "XAmzContentSHA256Mismatch", 400},
		{KindExpiredToken, "ExpiredTokenException", "ExpiredToken", 403},
	}
	for _, c := range cases {
		e := &Error{Kind: c.kind, Message: "m"}
		if got := e.Code(false); got != c.json {
			t.Errorf("kind %d: JSON code %q, want %q", c.kind, got, c.json)
		}
		if got := e.Code(true); got != c.query {
			t.Errorf("kind %d: Query code %q, want %q", c.kind, got, c.query)
		}
		if got := e.Status(); got != c.status {
			t.Errorf("kind %d: status %d, want %d", c.kind, got, c.status)
		}
		ae := e.APIError(true)
		if ae.Code != c.query || ae.Status != c.status || ae.Message != "m" {
			t.Errorf("kind %d: APIError = %+v", c.kind, ae)
		}
	}
}
