package gateway

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/cairn-audit/cairn/internal/outbound/outboundtest"
)

// doWithin sends r through the front door and fails the test if the answer
// takes longer than limit (the client hangs).
func (e *env) doWithin(r *http.Request, limit time.Duration) (*http.Response, []byte) {
	e.t.Helper()
	type answer struct {
		resp *http.Response
		body []byte
	}
	ch := make(chan answer, 1)
	go func() { resp, body := e.do(r); ch <- answer{resp, body} }()
	select {
	case a := <-ch:
		return a.resp, a.body
	case <-time.After(limit):
		e.t.Fatalf("no answer within %s: the client hangs", limit)
		return nil, nil
	}
}

var sqsCreateQueue = map[string]string{"X-Amz-Target": "AmazonSQS.CreateQueue", "Content-Type": "application/x-amz-json-1.0"}

func checkGatewayTimeout(t *testing.T, e *env, resp *http.Response, body []byte, want string) {
	t.Helper()
	var got struct {
		Type    string `json:"__type"`
		Message string `json:"message"`
	}
	if resp.StatusCode != http.StatusGatewayTimeout || json.Unmarshal(body, &got) != nil || got.Type != "GatewayTimeout" || !strings.Contains(got.Message, want) {
		t.Fatalf("want a 504 GatewayTimeout in SQS's JSON shape saying %q, got %d %s", want, resp.StatusCode, body)
	}
	ent, rec := e.last()
	if rec["errorCode"] != "GatewayTimeout" || ent.Meta.ErrorCode != "GatewayTimeout" || rec["eventName"] != "CreateQueue" {
		t.Errorf("recorded %v %v", rec["eventName"], rec["errorCode"])
	}
}

// Regression (issue 11, item 3): an upstream that accepts the connection and
// never answers held the client for the 5-minute default. The deadline is
// the gateway's ResponseHeaderTimeout: a GatewayTimeout in the service's
// shape, and an event that records it.
func TestBlackHoleUpstreamTimesOut(t *testing.T) {
	up := "http://" + outboundtest.BlackHole(t)
	e := newEnv(t, map[string]string{"sqs": up}, func(o *Options) { o.ResponseHeaderTimeout = 200 * time.Millisecond })
	resp, body := e.doWithin(e.req("POST", "/", "sqs", sqsCreateQueue, []byte(`{"QueueName":"q"}`), akid, secret), 20*time.Second)
	checkGatewayTimeout(t, e, resp, body, "gateway POST to "+up+": timeout awaiting response headers after 200ms")
}

// An upstream that sends its headers and then stalls in the body the event
// needs: GatewayTimeout after the progress deadline, recorded as such.
func TestStalledUpstreamBodyTimesOut(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		w.Header().Set("Content-Length", "100")
		w.WriteHeader(200)
		w.Write([]byte(`{"QueueUrl":`))
		w.(http.Flusher).Flush()
		<-release
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) })
	e := newEnv(t, map[string]string{"sqs": srv.URL}, func(o *Options) { o.StallTimeout = 200 * time.Millisecond })
	resp, body := e.doWithin(e.req("POST", "/", "sqs", sqsCreateQueue, []byte(`{"QueueName":"q"}`), akid, secret), 20*time.Second)
	checkGatewayTimeout(t, e, resp, body, "answered HTTP 200 but its response body could not be read: gateway POST to "+srv.URL+": response body stalled: no progress reading it after 200ms")
}
