package e2e

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// Short outbound deadlines for the outage tests (the defaults are 30s for
// response headers and 60s for body progress: docs/DELIVERY.md).
var outageS3Flags = []string{"--s3-response-header-timeout", "2s", "--s3-stall-timeout", "2s", "--s3-operation-timeout", "15s"}

// Regression (issue 11, item 3): with an external S3 that accepts
// connections and never answers, delivery froze for 14+ minutes with
// LatestDeliveryError null. Now the stall shows in GetTrailStatus within the
// deadlines, and when S3 answers again the backlog is delivered exactly
// once and the error clears; digests and `cairn validate` stay clean.
func TestHostileOutageExternalS3BlackHole(t *testing.T) {
	m := startMotoAt(t, freePort(t))
	ctx := context.Background()
	if _, err := m.client().CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("outage-logs")}); err != nil {
		t.Fatal(err)
	}
	bh := startBlackHole(t)
	bh.forward(m.addr)
	args := append([]string{"--delivery-interval", "1s", "--digest-interval", "2s", "--s3-endpoint", bh.endpoint(),
		"--s3-access-key-id", motoKey, "--s3-secret-access-key", motoSecret}, outageS3Flags...)
	s := startServer(t, args...)
	ct := cloudtrail.NewFromConfig(sdkConfig(s, testKey, testSecret, testRegion))
	stsc := sts.NewFromConfig(sdkConfig(s, testKey, testSecret, testRegion))
	start := time.Now().UTC().Add(-time.Minute).Format(time.RFC3339)
	if _, err := ct.CreateTrail(ctx, &cloudtrail.CreateTrailInput{Name: aws.String("outage"), S3BucketName: aws.String("outage-logs"),
		EnableLogFileValidation: aws.Bool(true)}); err != nil {
		t.Fatalf("CreateTrail: %v", err)
	}
	if _, err := ct.StartLogging(ctx, &cloudtrail.StartLoggingInput{Name: aws.String("outage")}); err != nil {
		t.Fatal(err)
	}
	var calls []ackedCall
	call := func() string {
		t.Helper()
		out, err := stsc.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		if err != nil {
			t.Fatal(err)
		}
		id := requestIDOf(out.ResultMetadata)
		calls = append(calls, ackedCall{Event: "GetCallerIdentity", RequestID: id, Answered: true})
		return id
	}
	status := func() *cloudtrail.GetTrailStatusOutput {
		t.Helper()
		st, err := ct.GetTrailStatus(ctx, &cloudtrail.GetTrailStatusInput{Name: aws.String("outage")})
		if err != nil {
			t.Fatalf("GetTrailStatus: %v", err)
		}
		return st
	}
	mc := m.client()
	allDelivered := func(ids []string) func([]logFile) bool {
		return func(fs []logFile) bool {
			got := requestIDs(fs)
			for _, id := range ids {
				if got[id] != 1 {
					return false
				}
			}
			return true
		}
	}
	before := []string{call(), call()}
	waitLogs(t, s, mc, "outage-logs", "AWSLogs/", "delivery through the proxy", allDelivered(before))

	// The outage: S3 is up but stuck.
	bh.swallow()
	stuck := time.Now()
	during := []string{call(), call(), call()}
	deadline := stuck.Add(90 * time.Second) // 3 SDK attempts x 2s, plus backoff, with a wide margin
	var st *cloudtrail.GetTrailStatusOutput
	for st = status(); aws.ToString(st.LatestDeliveryError) == ""; st = status() {
		if time.Now().After(deadline) {
			t.Fatalf("GetTrailStatus shows no LatestDeliveryError %s into the stall: %+v\n%s", time.Since(stuck), st, tail(s.logs.String(), 3000))
		}
		time.Sleep(200 * time.Millisecond)
	}
	shown := time.Since(stuck)
	msg := aws.ToString(st.LatestDeliveryError)
	t.Logf("LatestDeliveryError after %s of stall (%d connections swallowed): %q", shown.Round(100*time.Millisecond), bh.swallowed(), msg)
	if !strings.Contains(msg, "RequestTimeout") || !strings.Contains(msg, "s3 PutObject to "+bh.endpoint()) || !strings.Contains(msg, "after 2s") {
		t.Errorf("LatestDeliveryError %q does not name the stalled PutObject and its deadline", msg)
	}
	if !strings.Contains(s.logs.String(), "will retry") {
		t.Errorf("the server did not log a retry of the stalled delivery")
	}

	// S3 answers again.
	bh.forward(m.addr)
	recovered := time.Now()
	after := []string{call()}
	want := append(append(append([]string{}, before...), during...), after...)
	files := waitLogs(t, s, mc, "outage-logs", "AWSLogs/", "the backlog after the stall", allDelivered(want))
	byEventID(t, files) // fails on an event delivered twice
	deadline = time.Now().Add(45 * time.Second)
	for st = status(); aws.ToString(st.LatestDeliveryError) != "" || st.LatestDeliveryTime == nil || !st.LatestDeliveryTime.After(recovered); st = status() {
		if time.Now().After(deadline) {
			t.Fatalf("LatestDeliveryError not cleared after recovery: %q", aws.ToString(st.LatestDeliveryError))
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Logf("backlog delivered and error cleared %s after S3 answered again", time.Since(recovered).Round(100*time.Millisecond))

	// Integrity: every acknowledged call recorded once, the chain valid.
	checkIntegrity(t, s, calls)
	if _, err := ct.StopLogging(ctx, &cloudtrail.StopLoggingInput{Name: aws.String("outage")}); err != nil {
		t.Fatal(err)
	}
	stopped := time.Now()
	deadline = time.Now().Add(45 * time.Second)
	for st = status(); st.LatestDigestDeliveryTime == nil || !st.LatestDigestDeliveryTime.After(stopped) || aws.ToString(st.LatestDigestDeliveryError) != ""; st = status() {
		if time.Now().After(deadline) {
			t.Fatalf("no final digest after StopLogging: %+v", st)
		}
		time.Sleep(200 * time.Millisecond)
	}
	out, code := cairnValidate(t, s, "--trail-arn", "arn:aws:cloudtrail:us-east-1:"+testAccount+":trail/outage", "--start-time", start,
		"--s3-endpoint", m.endpoint, "--s3-access-key-id", motoKey, "--s3-secret-access-key", motoSecret)
	if code != 0 {
		t.Fatalf("cairn validate after the outage: exit %d\n%s", code, out)
	}
}

// sqsCall sends an SQS JSON request through Cairn's gateway, signed with the
// root key, and returns the status, the error code of the answer ("" on
// success) and its request ID.
func sqsCall(t *testing.T, s *server, target, body string, limit time.Duration) (int, string, string) {
	t.Helper()
	r, err := http.NewRequest(http.MethodPost, s.endpoint+"/", bytes.NewReader([]byte(body)))
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("X-Amz-Target", "AmazonSQS."+target)
	r.Header.Set("Content-Type", "application/x-amz-json-1.0")
	sum := sha256.Sum256([]byte(body))
	if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: testKey, SecretAccessKey: testSecret},
		r, hex.EncodeToString(sum[:]), "sqs", testRegion, time.Now()); err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Timeout: limit} // a hang fails the test, it does not stall it
	resp, err := client.Do(r)
	if err != nil {
		t.Fatalf("%s through the gateway: no answer within %s: %v", target, limit, err)
	}
	defer resp.Body.Close()
	var e struct {
		Type string `json:"__type"`
	}
	if resp.StatusCode >= 300 {
		if err := json.NewDecoder(resp.Body).Decode(&e); err != nil {
			t.Fatalf("%s: a %d answer that is not SQS's JSON error shape: %v", target, resp.StatusCode, err)
		}
		if i := strings.LastIndexByte(e.Type, '#'); i >= 0 {
			e.Type = e.Type[i+1:]
		}
	}
	return resp.StatusCode, e.Type, resp.Header.Get("X-Amzn-Requestid")
}

// Regression (issue 11, item 3): an upstream that accepts the connection and
// never answers held the gateway's client for the 5-minute default. With
// the deadline, the client gets a GatewayTimeout in SQS's shape, the record
// says so, and the same call succeeds once the upstream answers again.
func TestHostileOutageGatewayUpstreamBlackHole(t *testing.T) {
	m := startMotoAt(t, freePort(t))
	bh := startBlackHole(t)
	s := startServer(t, "--upstream", "sqs="+bh.endpoint(), "--upstream-response-header-timeout", "2s", "--upstream-stall-timeout", "2s")
	began := time.Now()
	status, code, id := sqsCall(t, s, "CreateQueue", `{"QueueName":"outage-q"}`, 60*time.Second)
	took := time.Since(began)
	t.Logf("CreateQueue to a stuck upstream: %d %s after %s", status, code, took.Round(100*time.Millisecond))
	if status != http.StatusGatewayTimeout || code != "GatewayTimeout" || id == "" {
		t.Fatalf("want 504 GatewayTimeout with a request ID, got %d %q %q", status, code, id)
	}
	calls := []ackedCall{{Event: "CreateQueue", RequestID: id, Answered: true, Code: "GatewayTimeout"}}

	bh.forward(m.addr)
	status, code, id = sqsCall(t, s, "CreateQueue", `{"QueueName":"outage-q"}`, 60*time.Second)
	if status != http.StatusOK || code != "" || id == "" {
		t.Fatalf("CreateQueue once the upstream answers: %d %q %q", status, code, id)
	}
	calls = append(calls, ackedCall{Event: "CreateQueue", RequestID: id, Answered: true})
	recs := checkIntegrity(t, s, calls)
	if len(recs[0]) == 1 && !strings.Contains(recs[0][0].ErrorMessage, "timeout awaiting response headers after 2s") {
		t.Errorf("the GatewayTimeout record's message does not name the deadline: %q", recs[0][0].ErrorMessage)
	}
}
