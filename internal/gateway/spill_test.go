package gateway

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/cairn-audit/cairn/internal/recorder"
)

// Fail-closed: when the event cannot be recorded after the upstream acted,
// the client gets a 503 in the service's format (not the upstream's
// answer), the event is spilled to disk, and it reaches the journal once
// the stream recovers, also across a restart.
func TestGatewayFailClosedSpillsAndReplays(t *testing.T) {
	calls := 0
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request, body []byte) {
		calls++
		w.Write([]byte(`{"QueueUrl":"http://q/123456789012/jobs"}`))
	})
	e := newEnv(t, map[string]string{"*": up.URL}, nil)
	e.st.setFail(true)
	h := map[string]string{"X-Amz-Target": "AmazonSQS.CreateQueue", "Content-Type": "application/x-amz-json-1.0"}
	resp, got := e.do(e.req("POST", "/", "sqs", h, []byte(`{"QueueName":"jobs"}`), akid, secret))
	if resp.StatusCode != http.StatusServiceUnavailable || calls != 1 {
		t.Fatalf("client got %d %s; upstream calls %d", resp.StatusCode, got, calls)
	}
	mustContain(t, "error body", string(got), `"__type":"ServiceUnavailable"`)
	mustContain(t, "error body", string(got), "could not record it durably")
	if e.gw.Pending() != 1 || len(e.st.all()) != 0 {
		t.Fatalf("pending %d, recorded %d", e.gw.Pending(), len(e.st.all()))
	}

	// A Query-protocol service gets its own error format.
	resp, got = e.do(e.req("POST", "/", "sns", map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, []byte("Action=CreateTopic&Name=t"), akid, secret))
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatal(resp.Status)
	}
	mustContain(t, "query error body", string(got), "<Code>ServiceUnavailable</Code>")

	// A restart: a new gateway over the same spill directory and a stream
	// that works again records both.
	e.st.setFail(false)
	gw2, err := New(Options{Routes: map[string]string{"*": up.URL}, Verifier: e.gw.opts.Verifier, Recorder: recorder.New(e.st, nil), SpillDir: e.spill, SpillRetry: 20 * time.Millisecond, Logger: e.gw.opts.Logger})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { gw2.Run(ctx); close(done) }()
	deadline := time.Now().Add(5 * time.Second)
	for gw2.Pending() != 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	<-done
	all := e.st.all()
	if gw2.Pending() != 0 || len(all) != 2 || all[0].Meta.EventName != "CreateQueue" || all[1].Meta.EventName != "CreateTopic" {
		t.Fatalf("after replay: pending %d, recorded %d", gw2.Pending(), len(all))
	}
	if len(all[0].Meta.Resources) != 1 || all[0].Meta.Resources[0].ARN != "arn:aws:sqs:eu-west-1:123456789012:jobs" {
		t.Errorf("replayed entry %+v", all[0].Meta)
	}
}

// The spill loop retries until the stream takes the event, without a restart.
func TestGatewaySpillRetriesInBackground(t *testing.T) {
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request, body []byte) { w.Write([]byte(`{}`)) })
	e := newEnv(t, map[string]string{"*": up.URL}, nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go e.gw.Run(ctx)
	e.st.setFail(true)
	resp, _ := e.do(e.req("POST", "/", "dynamodb", map[string]string{"X-Amz-Target": "DynamoDB_20120810.DeleteTable"}, []byte(`{"TableName":"t"}`), akid, secret))
	if resp.StatusCode != 503 {
		t.Fatal(resp.Status)
	}
	time.Sleep(150 * time.Millisecond) // a few failed retries
	if e.gw.Pending() != 1 {
		t.Fatalf("pending %d", e.gw.Pending())
	}
	e.st.setFail(false)
	deadline := time.Now().Add(5 * time.Second)
	for e.gw.Pending() != 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if all := e.st.all(); len(all) != 1 || all[0].Meta.EventName != "DeleteTable" {
		t.Fatalf("recorded %d", len(all))
	}
}
