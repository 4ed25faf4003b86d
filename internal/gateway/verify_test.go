package gateway

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// Every request is verified with Cairn's keys before it is forwarded: an
// unknown key and a wrong secret get the service's own authentication error
// in its protocol, nothing reaches the upstream, and only the failures of a
// known key are recorded (by the front door's AuthFailed, as CloudTrail
// records them).
func TestGatewayRefusesUnverifiedRequests(t *testing.T) {
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request, body []byte) { w.Write([]byte(`{}`)) })
	e := newEnv(t, map[string]string{"*": up.URL, "s3": up.URL}, nil)
	e.recordEveryAuthFailure()
	sqsJSON := map[string]string{"X-Amz-Target": "AmazonSQS.CreateQueue", "Content-Type": "application/x-amz-json-1.0"}
	form := map[string]string{"Content-Type": "application/x-www-form-urlencoded"}
	ddb := map[string]string{"X-Amz-Target": "DynamoDB_20120810.CreateTable", "Content-Type": "application/x-amz-json-1.0"}
	s3h := map[string]string{"X-Amz-Content-Sha256": "UNSIGNED-PAYLOAD"}
	type want struct {
		status   int
		code, in string
	}
	cases := []struct {
		name, method, path, service string
		h                           map[string]string
		body                        string
		unknown, badSecret          want
		event                       string
	}{
		{"sqs json", "POST", "/", "sqs", sqsJSON, `{"QueueName":"q"}`,
			want{403, "InvalidClientTokenId", `"__type":"InvalidClientTokenId"`}, want{403, "SignatureDoesNotMatch", `"__type":"SignatureDoesNotMatch"`}, "CreateQueue"},
		{"sqs query", "POST", "/", "sqs", form, "Action=CreateQueue&QueueName=q&Version=2012-11-05",
			want{403, "InvalidClientTokenId", "<Code>InvalidClientTokenId</Code>"}, want{403, "SignatureDoesNotMatch", "<Code>SignatureDoesNotMatch</Code>"}, "CreateQueue"},
		{"sns query", "POST", "/", "sns", form, "Action=CreateTopic&Name=t&Version=2010-03-31",
			want{403, "InvalidClientTokenId", "<ErrorResponse"}, want{403, "SignatureDoesNotMatch", "<ErrorResponse"}, "CreateTopic"},
		{"dynamodb json", "POST", "/", "dynamodb", ddb, `{"TableName":"t"}`,
			want{403, "UnrecognizedClientException", `"__type":"UnrecognizedClientException"`}, want{403, "InvalidSignatureException", `"__type":"InvalidSignatureException"`}, "CreateTable"},
		{"lambda rest-json", "DELETE", "/2015-03-31/functions/f", "lambda", nil, "",
			want{403, "UnrecognizedClientException", `"__type":"UnrecognizedClientException"`}, want{403, "InvalidSignatureException", `"__type":"InvalidSignatureException"`}, "DeleteFunction"},
		{"ec2", "POST", "/", "ec2", form, "Action=RunInstances&ImageId=ami-1&MinCount=1&MaxCount=1&Version=2016-11-15",
			want{403, "AuthFailure", "<Code>AuthFailure</Code>"}, want{403, "AuthFailure", "<Code>AuthFailure</Code>"}, "RunInstances"},
		{"s3 bucket", "PUT", "/newbucket", "s3", s3h, "",
			want{403, "InvalidAccessKeyId", "<Code>InvalidAccessKeyId</Code>"}, want{403, "SignatureDoesNotMatch", "<Code>SignatureDoesNotMatch</Code>"}, "CreateBucket"},
		{"s3 object", "PUT", "/newbucket/k", "s3", s3h, "data",
			want{403, "InvalidAccessKeyId", "<Code>InvalidAccessKeyId</Code>"}, want{403, "SignatureDoesNotMatch", "<Code>SignatureDoesNotMatch</Code>"}, "PutObject"},
	}
	check := func(name string, resp *http.Response, body []byte, w want) {
		t.Helper()
		if resp.StatusCode != w.status || !strings.Contains(string(body), w.in) {
			t.Errorf("%s: %s %s, want %d with %s", name, resp.Status, body, w.status, w.in)
		}
	}
	for _, tc := range cases {
		var body []byte
		if tc.body != "" {
			body = []byte(tc.body)
		}
		n := len(e.st.all())
		resp, got := e.do(e.req(tc.method, tc.path, tc.service, tc.h, body, "AKIAUNKNOWNKEY000009", "whatever"))
		check(tc.name+", unknown key", resp, got, tc.unknown)
		if tc.service == "sqs" && strings.Contains(tc.h["Content-Type"], "json") && resp.Header.Get("X-Amzn-Query-Error") != "InvalidClientTokenId;Sender" {
			t.Errorf("%s: x-amzn-query-error %q", tc.name, resp.Header.Get("X-Amzn-Query-Error"))
		}
		if len(e.st.all()) != n {
			t.Errorf("%s: the failure of an unknown key was recorded", tc.name)
		}

		resp, got = e.do(e.req(tc.method, tc.path, tc.service, tc.h, body, akid, "not-the-secret"))
		check(tc.name+", wrong secret", resp, got, tc.badSecret)
		all := e.st.all()
		if len(all) != n+1 {
			t.Fatalf("%s: %d events recorded for a known key's failure, want 1 (%s %s)", tc.name, len(all)-n, resp.Status, got)
		}
		var rec struct {
			EventName, EventSource, ErrorCode string
			UserIdentity                      struct{ Type, AccessKeyID string }
		}
		if err := json.Unmarshal(all[n].Record, &rec); err != nil {
			t.Fatal(err)
		}
		if rec.EventName != tc.event || rec.EventSource != tc.service+".amazonaws.com" || rec.ErrorCode != tc.badSecret.code ||
			rec.UserIdentity.Type != "Root" || rec.UserIdentity.AccessKeyID != akid {
			t.Errorf("%s: recorded %+v", tc.name, rec)
		}
	}
	if len(up.got) != 0 {
		t.Fatalf("%d refused requests reached the upstream", len(up.got))
	}
	// A valid call still goes through.
	if resp, got := e.do(e.req("POST", "/", "sqs", sqsJSON, []byte(`{"QueueName":"q"}`), akid, secret)); resp.StatusCode != 200 || len(up.got) != 1 {
		t.Fatalf("valid call: %s %s", resp.Status, got)
	}
}

// Failed authentications through the gateway take the front door's path,
// bounded as it bounds them: a burst of bad signatures of one key and source
// is one record now (the rest go into one summary), and none is forwarded.
func TestGatewayAuthFailuresBounded(t *testing.T) {
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request, body []byte) { w.Write([]byte(`{}`)) })
	e := newEnv(t, map[string]string{"*": up.URL}, nil)
	h := map[string]string{"X-Amz-Target": "AmazonSQS.CreateQueue", "Content-Type": "application/x-amz-json-1.0"}
	for i := 0; i < 50; i++ {
		if resp, got := e.do(e.req("POST", "/", "sqs", h, []byte(`{"QueueName":"q"}`), akid, "not-the-secret")); resp.StatusCode != 403 {
			t.Fatalf("%s %s", resp.Status, got)
		}
	}
	if n := len(e.st.all()); n != 1 || len(up.got) != 0 {
		t.Fatalf("50 bad signatures: %d records, %d forwarded; want 1 and 0", n, len(up.got))
	}
}

// A streamed body that is not what the client signed (a declared
// x-amz-content-sha256 that the body does not match) fails on its way
// upstream: the upstream never gets the whole request, the client gets
// XAmzContentSHA256Mismatch, and the call is recorded with it.
func TestGatewayStreamedBodyMustMatchItsHash(t *testing.T) {
	var complete int
	up := newUpstreamStreaming(t, func(w http.ResponseWriter, r *http.Request) {
		if b, err := readAllBody(r); err == nil && int64(len(b)) == r.ContentLength {
			complete++
		}
	})
	e := newEnv(t, map[string]string{"s3": up.URL}, nil)
	sum := "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824" // sha256("hello")
	r := e.req("PUT", "/b/k", "s3", map[string]string{"X-Amz-Content-Sha256": sum}, []byte("HELLO"), akid, secret)
	resp, got := e.do(r)
	if resp.StatusCode != 400 || !strings.Contains(string(got), "XAmzContentSHA256Mismatch") || complete != 0 {
		t.Fatalf("%s %s; upstream got %d complete requests", resp.Status, got, complete)
	}
	_, rec := e.last()
	if rec["errorCode"] != "XAmzContentSHA256Mismatch" {
		t.Errorf("recorded errorCode %v", rec["errorCode"])
	}
	r = e.req("PUT", "/b/k", "s3", map[string]string{"X-Amz-Content-Sha256": sum}, []byte("hello"), akid, secret)
	if resp, got := e.do(r); resp.StatusCode != 200 || complete != 1 {
		t.Fatalf("matching body: %s %s", resp.Status, got)
	}
}

func readAllBody(r *http.Request) ([]byte, error) {
	var b strings.Builder
	buf := make([]byte, 32<<10)
	for {
		n, err := r.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			if err.Error() == "EOF" {
				return []byte(b.String()), nil
			}
			return []byte(b.String()), err
		}
	}
}

// A verified request whose streamed body cannot be verified (an
// x-amz-content-sha256 that is no hash) is refused, not forwarded, and
// recorded as its caller's failed call.
func TestGatewayRefusesUnverifiableBody(t *testing.T) {
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request, body []byte) {})
	e := newEnv(t, map[string]string{"s3": up.URL}, nil)
	r := e.req("PUT", "/b/k", "s3", map[string]string{"X-Amz-Content-Sha256": "not-a-hash"}, []byte("data"), akid, secret)
	resp, got := e.do(r)
	if resp.StatusCode != 400 || !strings.Contains(string(got), "<Code>InvalidArgument</Code>") || len(up.got) != 0 {
		t.Fatalf("%s %s; %d forwarded", resp.Status, got, len(up.got))
	}
	_, rec := e.last()
	if rec["errorCode"] != "InvalidArgument" || rec["eventName"] != "PutObject" || rec["userIdentity"].(map[string]any)["type"] != "Root" {
		t.Errorf("recorded %v %v by %v", rec["eventName"], rec["errorCode"], rec["userIdentity"])
	}
}
