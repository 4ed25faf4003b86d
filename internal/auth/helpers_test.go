package auth

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/cairn-audit/cairn/internal/identity"
)

const (
	testAKID     = "AKIAIOSFODNN7EXAMPLE"
	testSecret   = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	inactiveAKID = "AKIAINACTIVEEXAMPLE0"
	sessionAKID  = "ASIASESSIONEXAMPLE00"
	sessionTok   = "FwoGZXIvYXdzEXAMPLE//session+token="
	expiredAKID  = "ASIAEXPIREDEXAMPLE00"
	testHost     = "cairn.test:8080"
)

// t0 is the signing time of most test requests and the verifier's clock.
var t0 = time.Date(2026, 11, 21, 5, 0, 0, 0, time.UTC)

var testPrincipal = identity.Principal{
	Type: identity.TypeIAMUser, AccountID: "123456789012",
	ARN:         "arn:aws:iam::123456789012:user/alice",
	PrincipalID: "AIDAEXAMPLEALICE0000", UserName: "alice",
}

type memKeys map[string]Key

func (m memKeys) LookupKey(id string) (Key, bool) { k, ok := m[id]; return k, ok }

func testKeys() memKeys {
	return memKeys{
		testAKID:     {Secret: testSecret, Active: true, Principal: testPrincipal},
		inactiveAKID: {Secret: testSecret, Active: false, Principal: testPrincipal},
		sessionAKID:  {Secret: testSecret, Active: true, Principal: testPrincipal, SessionToken: sessionTok, Expiration: t0.Add(time.Hour)},
		expiredAKID:  {Secret: testSecret, Active: true, Principal: testPrincipal, SessionToken: sessionTok, Expiration: t0.Add(-time.Second)},
	}
}

func newTestVerifier(now time.Time) *Verifier {
	return NewVerifier(testKeys(), Options{Now: func() time.Time { return now }})
}

func creds(akid, secret string) aws.Credentials {
	return aws.Credentials{AccessKeyID: akid, SecretAccessKey: secret}
}

func hashHex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// clientReq is a request as a client builds it before signing.
type clientReq struct {
	method, url string
	rawPath     string // optional escaped path (sets URL.RawPath)
	header      map[string][]string
	body        []byte
}

func (c clientReq) build(t testing.TB) *http.Request {
	t.Helper()
	var body io.Reader
	if c.body != nil {
		body = bytes.NewReader(c.body)
	}
	r, err := http.NewRequest(c.method, c.url, body)
	if err != nil {
		t.Fatalf("NewRequest: %v", err)
	}
	if c.rawPath != "" {
		p, err := url.PathUnescape(c.rawPath)
		if err != nil {
			t.Fatal(err)
		}
		r.URL.Path, r.URL.RawPath = p, c.rawPath
	}
	for k, vs := range c.header {
		for _, v := range vs {
			r.Header.Add(k, v)
		}
	}
	return r
}

type signOpts struct {
	creds      aws.Credentials
	service    string
	region     string
	at         time.Time
	payload    string // payload hash; "" = sha256 of the body
	s3         bool   // DisableURIPathEscaping, as the S3 client signs
	presign    bool
	expires    int // presign X-Amz-Expires seconds
	contentSHA bool
	chunked    bool // send the body with unknown length (Transfer-Encoding: chunked)
}

// signGo signs (or presigns) r with aws-sdk-go-v2's v4 signer.
func signGo(t testing.TB, r *http.Request, body []byte, o signOpts) {
	t.Helper()
	if o.region == "" {
		o.region = "us-east-1"
	}
	if o.creds.AccessKeyID == "" {
		o.creds = creds(testAKID, testSecret)
	}
	if o.at.IsZero() {
		o.at = t0
	}
	payload := o.payload
	if payload == "" {
		payload = hashHex(body)
	}
	if o.contentSHA {
		r.Header.Set("X-Amz-Content-Sha256", payload)
	}
	opt := func(so *v4.SignerOptions) { so.DisableURIPathEscaping = o.s3 }
	s := v4.NewSigner()
	if !o.presign {
		if err := s.SignHTTP(context.Background(), o.creds, r, payload, o.service, o.region, o.at, opt); err != nil {
			t.Fatalf("SignHTTP: %v", err)
		}
		return
	}
	if o.expires > 0 {
		q := r.URL.Query()
		q.Set("X-Amz-Expires", strconv.Itoa(o.expires))
		r.URL.RawQuery = q.Encode()
	}
	u, hdr, err := s.PresignHTTP(context.Background(), o.creds, r, payload, o.service, o.region, o.at, opt)
	if err != nil {
		t.Fatalf("PresignHTTP: %v", err)
	}
	nu, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	r.URL = nu
	for k, vs := range hdr {
		if !strings.EqualFold(k, "host") {
			r.Header[k] = vs
		}
	}
}

// serverView turns a client request into the request a net/http server
// hands its handler, by writing it on the wire and reading it back.
func serverView(t testing.TB, r *http.Request, body []byte) *http.Request {
	t.Helper()
	if body != nil {
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.ContentLength = int64(len(body))
	}
	var wire bytes.Buffer
	if err := r.Write(&wire); err != nil {
		t.Fatalf("write request: %v", err)
	}
	sr, err := http.ReadRequest(bufio.NewReader(&wire))
	if err != nil {
		t.Fatalf("read request: %v\n%s", err, wire.String())
	}
	got, err := io.ReadAll(sr.Body)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, body) {
		t.Fatalf("body changed on the wire: %q != %q", got, body)
	}
	return sr
}

// kindOf returns the Kind of an *Error, 0 for nil, -1 for other errors.
func kindOf(err error) Kind {
	if err == nil {
		return 0
	}
	e, ok := err.(*Error)
	if !ok {
		return -1
	}
	return e.Kind
}
