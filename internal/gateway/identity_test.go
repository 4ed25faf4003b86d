package gateway

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// With PassthroughUnknownKeys, keys Cairn does not know are forwarded
// unverified and recorded as Unknown with the key id, marked as passthrough;
// Cairn's own keys with a signature that does not verify are still refused.
func TestGatewayPassthroughUnknownKeys(t *testing.T) {
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request, body []byte) {
		w.Write([]byte(`{"QueueUrl":"http://q/210987654321/jobs"}`))
	})
	e := newEnv(t, map[string]string{"*": up.URL}, func(o *Options) { o.PassthroughUnknownKeys = true })
	h := map[string]string{"X-Amz-Target": "AmazonSQS.GetQueueUrl", "Content-Type": "application/x-amz-json-1.0"}
	cases := []struct{ name, key, secret, body, account string }{
		{"unknown key, account from the request", "AKIAUNKNOWNKEY000001", "whatever", `{"QueueName":"jobs","QueueOwnerAWSAccountId":"210987654321"}`, "210987654321"},
		{"unknown key, default account", "AKIAUNKNOWNKEY000002", "whatever", `{"QueueName":"jobs"}`, account},
	}
	for _, tc := range cases {
		resp, _ := e.do(e.req("POST", "/", "sqs", h, []byte(tc.body), tc.key, tc.secret))
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %s", tc.name, resp.Status)
		}
		ent, rec := e.last()
		jsonEq(t, tc.name, rec["userIdentity"], `{"type":"Unknown","accessKeyId":"`+tc.key+`"}`)
		jsonEq(t, tc.name, rec["additionalEventData"], string(passthroughData))
		if ent.Meta.Account != tc.account || rec["recipientAccountId"] != tc.account {
			t.Errorf("%s: account %q, want %q", tc.name, ent.Meta.Account, tc.account)
		}
	}
	n := len(up.got)
	resp, msg := e.do(e.req("POST", "/", "sqs", h, []byte(`{"QueueName":"jobs"}`), akid, "not-the-secret"))
	if resp.StatusCode != 403 || len(up.got) != n {
		t.Fatalf("known key, wrong secret: %s %s; forwarded: %v", resp.Status, msg, len(up.got) != n)
	}
	_, rec := e.last()
	if rec["errorCode"] != "SignatureDoesNotMatch" || rec["additionalEventData"] != nil {
		t.Errorf("known key, wrong secret recorded as %v %v", rec["errorCode"], rec["additionalEventData"])
	}
}

// A presigned request of Cairn's key is identified like a header-signed one.
func TestGatewayPresignedCaller(t *testing.T) {
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request, body []byte) { w.Write([]byte("data")) })
	e := newEnv(t, map[string]string{"s3": up.URL}, nil)
	r, _ := http.NewRequest("GET", e.front.URL+"/b/k", nil)
	signed, _, err := v4.NewSigner().PresignHTTP(context.Background(), aws.Credentials{AccessKeyID: akid, SecretAccessKey: secret}, r, "UNSIGNED-PAYLOAD", "s3", region, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	r, _ = http.NewRequest("GET", signed, nil)
	resp, got := e.do(r)
	if resp.StatusCode != 200 || string(got) != "data" {
		t.Fatal(resp.Status, string(got))
	}
	_, rec := e.last()
	if id := rec["userIdentity"].(map[string]any); id["type"] != "Root" {
		t.Errorf("presigned caller %v", id)
	}
	jsonEq(t, "presigned params", rec["requestParameters"], `{"bucketName":"b","Host":"`+strings.TrimPrefix(e.front.URL, "http://")+`","key":"k"}`)
}

// The upstream verifies SigV4: it re-signs what it received with the
// client's key (aws-sdk-go-v2's signer) and compares, proving the request
// arrives as the client signed it.
func TestGatewayUpstreamVerifiesSigV4(t *testing.T) {
	verified := 0
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request, body []byte) {
		if err := verifySigV4(r, body); err != nil {
			w.WriteHeader(403)
			w.Write([]byte(`<Error><Code>SignatureDoesNotMatch</Code><Message>` + err.Error() + `</Message></Error>`))
			return
		}
		verified++
		w.Write([]byte(`{}`))
	})
	e := newEnv(t, map[string]string{"*": up.URL}, nil)
	reqs := []*http.Request{
		e.req("POST", "/", "dynamodb", map[string]string{"X-Amz-Target": "DynamoDB_20120810.ListTables", "Content-Type": "application/x-amz-json-1.0"}, []byte(`{"Limit":3}`), akid, secret),
		e.req("POST", "/", "sqs", map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, []byte("Action=ListQueues&QueueNamePrefix=a%20b"), akid, secret),
		e.req("GET", "/2015-03-31/functions/my-fn/configuration?Qualifier=v%201", "lambda", nil, nil, akid, secret),
		e.req("PUT", "/bucket/dir/a%2Bb%20c.txt?tagging=", "s3", map[string]string{"X-Amz-Content-Sha256": "UNSIGNED-PAYLOAD", "X-Amz-Meta-Note": "  spaced   value "}, []byte("hello"), akid, secret),
	}
	for i, r := range reqs {
		resp, got := e.do(r)
		if resp.StatusCode != 200 {
			t.Fatalf("request %d: %s %s", i, resp.Status, got)
		}
	}
	if verified != len(reqs) {
		t.Fatalf("verified %d of %d", verified, len(reqs))
	}
}

// verifySigV4 recomputes the signature of r from its signed headers.
func verifySigV4(r *http.Request, body []byte) error {
	authz := r.Header.Get("Authorization")
	cred := between(authz, "Credential=", ",")
	scope := strings.Split(cred, "/")
	if len(scope) != 5 {
		return fmt.Errorf("bad credential %q", cred)
	}
	signedHdrs := strings.Split(between(authz, "SignedHeaders=", ","), ";")
	t, err := time.Parse("20060102T150405Z", r.Header.Get("X-Amz-Date"))
	if err != nil {
		return err
	}
	u := &url.URL{Scheme: "http", Host: r.Host, Path: r.URL.Path, RawPath: r.URL.RawPath, RawQuery: r.URL.RawQuery}
	re := &http.Request{Method: r.Method, URL: u, Host: r.Host, Header: http.Header{}, ContentLength: r.ContentLength}
	for _, name := range signedHdrs {
		if name != "host" && name != "content-length" {
			re.Header[http.CanonicalHeaderKey(name)] = r.Header.Values(name)
		}
	}
	payload := r.Header.Get("X-Amz-Content-Sha256")
	if payload == "" {
		sum := sha256.Sum256(body)
		payload = hex.EncodeToString(sum[:])
	}
	if scope[0] != akid {
		return fmt.Errorf("unexpected key %s", scope[0])
	}
	signer := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = scope[3] == "s3" })
	if err := signer.SignHTTP(context.Background(), aws.Credentials{AccessKeyID: akid, SecretAccessKey: secret}, re, payload, scope[3], scope[2], t); err != nil {
		return err
	}
	if got, want := between(re.Header.Get("Authorization"), "Signature=", ","), between(authz, "Signature=", ","); got != want {
		return fmt.Errorf("signature mismatch: recomputed %s, sent %s (%s)", got, want, re.Header.Get("Authorization"))
	}
	return nil
}

func between(s, start, end string) string {
	i := strings.Index(s, start)
	if i < 0 {
		return ""
	}
	s = s[i+len(start):]
	if j := strings.Index(s, end); j >= 0 {
		s = s[:j]
	}
	return s
}
