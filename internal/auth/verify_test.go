package auth

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/smithy-go/encoding/httpbinding"
)

const (
	ctBody  = `{"trailNameList":["management-events"],"includeShadowTrails":true}`
	iamBody = "Action=ListUsers&Version=2010-05-08&PathPrefix=%2Fdivision_abc%2F"
	s3Path  = "/my-bucket/dir with space/ü+plus/日本語 file~(1).txt"
)

// validCase is a request a real SDK signs and Cairn must accept.
type validCase struct {
	name string
	req  clientReq
	sign signOpts
}

func validCases() []validCase {
	return []validCase{
		{
			name: "cloudtrail json POST",
			req: clientReq{method: "POST", url: "http://" + testHost + "/", body: []byte(ctBody), header: map[string][]string{
				"Content-Type": {"application/x-amz-json-1.1"},
				"X-Amz-Target": {"com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.DescribeTrails"},
			}},
			sign: signOpts{service: "cloudtrail"},
		},
		{
			name: "iam form POST",
			req: clientReq{method: "POST", url: "http://" + testHost + "/", body: []byte(iamBody), header: map[string][]string{
				"Content-Type": {"application/x-www-form-urlencoded; charset=utf-8"},
			}},
			sign: signOpts{service: "iam"},
		},
		{
			name: "s3 GET unicode path and query, UNSIGNED-PAYLOAD",
			req: clientReq{method: "GET",
				url:     "http://" + testHost + "/x?list-type=2&prefix=a%20b%2Bc&marker=%E2%9C%93&empty=&tilde=~x&star=%2A",
				rawPath: escapeS3(s3Path),
				header:  map[string][]string{"X-Amz-Meta-Note": {"  two   spaces  "}, "X-Amz-Meta-Multi": {"one", " two "}},
			},
			sign: signOpts{service: "s3", s3: true, payload: unsignedPayload, contentSHA: true},
		},
		{
			name: "s3 PUT with signed payload hash",
			req: clientReq{method: "PUT", url: "http://" + testHost + "/", rawPath: escapeS3("/bkt/obj+1"), body: []byte("object bytes"),
				header: map[string][]string{"Content-Type": {"text/plain"}}},
			sign: signOpts{service: "s3", s3: true, contentSHA: true},
		},
		{
			name: "non-s3 path encoded twice",
			req:  clientReq{method: "GET", url: "http://" + testHost + "/2015-03-31/functions/my%20fn%2Bv1/invocations?Qualifier=a%20b"},
			sign: signOpts{service: "lambda", region: "eu-west-1"},
		},
		{
			name: "non-s3 path with empty and dot segments (aws-sdk-go-v2 does not normalise)",
			req:  clientReq{method: "GET", url: "http://" + testHost + "/a//b/./c/../d%2Fe/"},
			sign: signOpts{service: "execute-api"},
		},
		{
			name: "session credentials",
			req: clientReq{method: "POST", url: "http://" + testHost + "/", body: []byte(iamBody), header: map[string][]string{
				"Content-Type": {"application/x-www-form-urlencoded; charset=utf-8"},
			}},
			sign: signOpts{service: "sts", creds: func() (c aws.Credentials) {
				c = creds(sessionAKID, testSecret)
				c.SessionToken = sessionTok
				return c
			}()},
		},
		{
			name: "presigned s3 GET",
			req:  clientReq{method: "GET", url: "http://" + testHost + "/x?versionId=3%2F4", rawPath: escapeS3(s3Path)},
			sign: signOpts{service: "s3", s3: true, presign: true, expires: 3600, payload: unsignedPayload},
		},
		{
			name: "presigned sts GetCallerIdentity",
			req:  clientReq{method: "GET", url: "http://" + testHost + "/?Action=GetCallerIdentity&Version=2011-06-15"},
			sign: signOpts{service: "sts", presign: true, expires: 60},
		},
		{
			name: "presigned without X-Amz-Expires",
			req:  clientReq{method: "GET", url: "http://" + testHost + "/?Action=GetCallerIdentity&Version=2011-06-15"},
			sign: signOpts{service: "sts", presign: true},
		},
	}
}

func TestVerifyValid(t *testing.T) {
	v := newTestVerifier(t0)
	for _, c := range validCases() {
		t.Run(c.name, func(t *testing.T) {
			r := c.req.build(t)
			signGo(t, r, c.req.body, c.sign)
			sr := serverView(t, r, c.req.body)
			p, scope, err := v.Verify(sr, c.req.body)
			if err != nil {
				t.Fatalf("Verify: %v\nrequest: %s %s %v", err, sr.Method, sr.RequestURI, sr.Header)
			}
			want := testPrincipal
			want.AccessKeyID = c.sign.creds.AccessKeyID
			if want.AccessKeyID == "" {
				want.AccessKeyID = testAKID
			}
			if p != want {
				t.Errorf("principal = %+v, want %+v", p, want)
			}
			region := c.sign.region
			if region == "" {
				region = "us-east-1"
			}
			if want := (Scope{want.AccessKeyID, "20261121", region, c.sign.service}); scope != want {
				t.Errorf("scope = %+v, want %+v", scope, want)
			}
			if got, ok := ParseScope(sr); !ok || got != scope {
				t.Errorf("ParseScope = %+v, %v; want %+v", got, ok, scope)
			}
			// Verify must not consume or alter the request: a second call agrees.
			if _, _, err := v.Verify(sr, c.req.body); err != nil {
				t.Errorf("second Verify: %v", err)
			}
		})
	}
}

// TestVerifyHTTPServer sends every valid case through a real net/http
// round trip (which rewrites Host and Content-Length), plus a chunked body.
func TestVerifyHTTPServer(t *testing.T) {
	v := newTestVerifier(t0)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		p, _, verr := v.Verify(r, body)
		res := map[string]any{"user": p.UserName}
		if verr != nil {
			res["err"] = verr.Error()
		}
		_ = json.NewEncoder(w).Encode(res)
	}))
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")

	cases := validCases()
	cases = append(cases, validCase{
		name: "chunked body",
		req: clientReq{method: "POST", url: "http://" + testHost + "/", body: []byte(ctBody), header: map[string][]string{
			"Content-Type": {"application/x-amz-json-1.1"},
		}},
		sign: signOpts{service: "cloudtrail", chunked: true},
	})
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.req.url = strings.Replace(c.req.url, testHost, host, 1)
			r := c.req.build(t)
			if c.sign.chunked { // unknown length: sent chunked, Content-Length not signed
				r.Body = io.NopCloser(struct{ io.Reader }{bytes.NewReader(c.req.body)})
				r.ContentLength = -1
			}
			signGo(t, r, c.req.body, c.sign)
			resp, err := http.DefaultClient.Do(r)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var res struct{ User, Err string }
			if err := json.NewDecoder(resp.Body).Decode(&res); err != nil {
				t.Fatal(err)
			}
			if res.Err != "" || res.User != "alice" {
				t.Fatalf("server: user %q, err %q", res.User, res.Err)
			}
		})
	}
}

// TestHeaderSpellings checks header canonicalisation against values set in
// unusual ways: non-canonical map keys and a Date header instead of X-Amz-Date.
func TestHeaderSpellings(t *testing.T) {
	v := newTestVerifier(t0.Add(time.Minute))
	r := clientReq{method: "POST", url: "http://" + testHost + "/", body: []byte(ctBody)}.build(t)
	r.Header["x-amz-meta-lower"] = []string{"a\t b"}
	signGo(t, r, []byte(ctBody), signOpts{service: "cloudtrail"})
	sr := serverView(t, r, []byte(ctBody))
	if _, _, err := v.Verify(sr, []byte(ctBody)); err != nil {
		t.Fatalf("Verify: %v", err)
	}
	// Same request as a handler-built value with the odd key spelling kept.
	r2 := httptest.NewRequest(sr.Method, sr.RequestURI, bytes.NewReader([]byte(ctBody)))
	r2.Host = sr.Host
	for k, vs := range sr.Header {
		r2.Header[strings.ToLower(k)] = vs
	}
	// Authorization must be found under its canonical key, as net/http stores it.
	r2.Header["Authorization"] = sr.Header["Authorization"]
	delete(r2.Header, "authorization")
	if _, _, err := v.Verify(r2, []byte(ctBody)); err != nil {
		t.Fatalf("Verify with lower-case header keys: %v", err)
	}
}

func TestDateHeaderInsteadOfXAmzDate(t *testing.T) {
	// Build a request whose timestamp comes from Date: sign by hand with the
	// same canonicalisation botocore uses (it keeps Date when present).
	v := newTestVerifier(t0)
	for _, date := range []string{"Sat, 21 Nov 2026 05:00:00 GMT", "Sat, 21 Nov 2026 05:00:00 -0000", "20261121T050000Z"} {
		r := httptest.NewRequest("GET", "/?Action=ListUsers&Version=2010-05-08", nil)
		r.Host = testHost
		r.Header.Set("Date", date)
		setRefAuthorization(t, r, nil, testAKID, testSecret, "iam", "host;date", "20261121T050000Z")
		if _, _, err := v.Verify(r, nil); err != nil {
			t.Errorf("Date %q: %v", date, err)
		}
	}
}

// escapeS3 escapes an object path the way the S3 clients do.
func escapeS3(p string) string { return httpbinding.EscapePath(p, false) }

// TestVerifyConcurrent shares one Verifier (and its key cache, bounded
// below the number of scopes used) between goroutines; run with -race.
func TestVerifyConcurrent(t *testing.T) {
	v := NewVerifier(testKeys(), Options{Now: func() time.Time { return t0 }, KeyCacheSize: 4})
	type signed struct {
		r    *http.Request
		good bool
	}
	var reqs []signed
	for i, region := range []string{"us-east-1", "eu-west-1", "ap-south-1", "us-west-2", "sa-east-1", "eu-central-1"} {
		secret := testSecret
		if i%3 == 2 {
			secret = "wrong"
		}
		r := clientReq{method: "POST", url: "http://" + testHost + "/", body: []byte(ctBody)}.build(t)
		signGo(t, r, []byte(ctBody), signOpts{service: "cloudtrail", region: region, creds: creds(testAKID, secret)})
		reqs = append(reqs, signed{serverView(t, r, []byte(ctBody)), i%3 != 2})
	}
	errs := make(chan error, 8)
	for g := range 8 {
		go func() {
			for i := range 300 {
				s := reqs[(g+i)%len(reqs)]
				_, _, err := v.Verify(s.r, []byte(ctBody))
				if (err == nil) != s.good {
					errs <- fmt.Errorf("request %d: err %v, want success=%v", (g+i)%len(reqs), err, s.good)
					return
				}
			}
			errs <- nil
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if n := v.cache.len(); n > 4 {
		t.Errorf("key cache holds %d entries, bound 4", n)
	}
}
