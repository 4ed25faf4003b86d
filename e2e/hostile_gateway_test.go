package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// hgUnknownKey is an access key Cairn does not know.
const hgUnknownKey = "AKIAHOSTILEUNKNOWN01"

// motoQueues lists the queues straight from moto (not through Cairn).
func motoQueues(t *testing.T, c awsCLI, s *server, m *moto) string {
	t.Helper()
	out, errOut, code := c.run(s, motoKey, motoSecret, "--endpoint-url", m.endpoint, "sqs", "list-queues", "--output", "json")
	if code != 0 {
		t.Fatalf("list-queues on moto: exit %d %s", code, errOut)
	}
	return out
}

// motoHasBucket asks moto directly whether a bucket exists.
func motoHasBucket(t *testing.T, m *moto, bucket string) bool {
	t.Helper()
	_, err := m.client().HeadBucket(context.Background(), &s3.HeadBucketInput{Bucket: aws.String(bucket)})
	return err == nil
}

// hgDebugRequestID matches a request ID header in the --debug output of the
// aws CLI (botocore logs "Response headers: {...}").
var hgDebugRequestID = regexp.MustCompile(`(?i)['"](?:x-amzn-requestid|x-amz-request-id)['"]: ['"]([^'"]+)['"]`)

// hgCLIRequestID is the request ID of the last answer in a --debug CLI run's
// stderr; it fails the test when there is none.
func hgCLIRequestID(t *testing.T, stderr string) string {
	t.Helper()
	m := hgDebugRequestID.FindAllStringSubmatch(stderr, -1)
	if len(m) == 0 {
		t.Fatalf("no request ID in the CLI's --debug output:\n%s", tail(stderr, 3000))
	}
	return m[len(m)-1][1]
}

// hgSDKRequestID is the request ID of an aws-sdk-go-v2 error answer.
func hgSDKRequestID(t *testing.T, err error) string {
	t.Helper()
	var re interface{ ServiceRequestID() string }
	if !errors.As(err, &re) || re.ServiceRequestID() == "" {
		t.Fatalf("no request ID in %v", err)
	}
	return re.ServiceRequestID()
}

// hgEvents are the raw CloudTrail records of eventName whose
// requestParameters[param] is value.
func hgEvents(t *testing.T, ct *cloudtrail.Client, eventName, param, value string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, e := range lookupAll(t, ct, byAttr(cttypes.LookupAttributeKeyEventName, eventName)) {
		var rec map[string]any
		if err := json.Unmarshal([]byte(aws.ToString(e.CloudTrailEvent)), &rec); err != nil {
			t.Fatal(err)
		}
		if param == "errorCode" { // failed authentications record no requestParameters
			if rec["errorCode"] == value {
				out = append(out, rec)
			}
			continue
		}
		if p, _ := rec["requestParameters"].(map[string]any); p != nil && p[param] == value {
			out = append(out, rec)
		}
	}
	return out
}

// hgOnce waits for the record of an acknowledged call and checks that there
// is exactly one, with the outcome the client was told.
func hgOnce(t *testing.T, ct *cloudtrail.Client, eventName, param, value, errorCode, identityType, accessKey string) map[string]any {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		recs := hgEvents(t, ct, eventName, param, value)
		if len(recs) > 0 {
			if len(recs) != 1 {
				t.Fatalf("%s %s: %d records, want exactly 1", eventName, value, len(recs))
			}
			r := recs[0]
			id, _ := r["userIdentity"].(map[string]any)
			code, _ := r["errorCode"].(string)
			if code != errorCode || id["type"] != identityType || id["accessKeyId"] != accessKey {
				t.Fatalf("%s %s recorded with errorCode %q by %v; want %q by %s %s", eventName, value, code, id, errorCode, identityType, accessKey)
			}
			return r
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %s record for %s", eventName, value)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// The recording gateway verifies every request with Cairn's keys before
// forwarding it: a wrong secret of a known key and an unknown key get the
// service's own error (SQS through botocore, S3 through aws-sdk-go-v2) and
// nothing reaches moto; valid calls, presigned URLs and streamed uploads
// still go through; the known key's failures are recorded with their true
// outcome, the unknown key's not at all.
func TestHostileGatewayRefusesUnverifiedRequests(t *testing.T) {
	m := startMotoAt(t, freePort(t))
	s := startServer(t, "--upstream", "s3="+m.endpoint, "--upstream", m.endpoint)
	ctx := context.Background()
	ct := cloudtrail.NewFromConfig(sdkConfig(s, testKey, testSecret, testRegion))
	c := awsCLIs(t)[0]

	// The calls whose answers the test saw, for checkIntegrity. Refused
	// authentications are the first of their (key, source, code) window, so
	// each has its own record.
	var calls []ackedCall

	// An IAM user's key, for a second known key (failed authentications are
	// aggregated per key and source).
	iamc := iam.NewFromConfig(sdkConfig(s, testKey, testSecret, testRegion))
	cu, err := iamc.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("hg-user")})
	if err != nil {
		t.Fatalf("CreateUser: %v", err)
	}
	ak, err := iamc.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("hg-user")})
	if err != nil {
		t.Fatalf("CreateAccessKey: %v", err)
	}
	userKey := aws.ToString(ak.AccessKey.AccessKeyId)
	calls = append(calls, ackedCall{Event: "CreateUser", RequestID: requestIDOf(cu.ResultMetadata), Answered: true},
		ackedCall{Event: "CreateAccessKey", RequestID: requestIDOf(ak.ResultMetadata), Answered: true})

	// (1) SQS CreateQueue with root's key ID and a wrong secret.
	_, errOut, code := c.run(s, testKey, "wrong-secret-0000000000000000000000000", "--debug", "--endpoint-url", s.endpoint, "sqs", "create-queue", "--queue-name", "hg-wrong-secret")
	if code == 0 || !strings.Contains(errOut, "SignatureDoesNotMatch") {
		t.Fatalf("create-queue with a wrong secret: exit %d %s", code, tail(errOut, 3000))
	}
	calls = append(calls, ackedCall{Event: "CreateQueue", RequestID: hgCLIRequestID(t, errOut), Answered: true, Code: "SignatureDoesNotMatch"})
	// (2) An unknown access key.
	_, errOut, code = c.run(s, hgUnknownKey, "whatever-secret-000000000000000000000000", "--endpoint-url", s.endpoint, "sqs", "create-queue", "--queue-name", "hg-unknown-key")
	if code == 0 || !strings.Contains(errOut, "InvalidClientTokenId") {
		t.Fatalf("create-queue with an unknown key: exit %d %s", code, errOut)
	}
	// S3 (aws-sdk-go-v2): the user's key with a wrong secret, and an unknown key.
	_, err = s3Client(s.endpoint, userKey, "wrong-secret-0000000000000000000000000").CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("hg-wrong-secret")})
	if apiCode(err) != "SignatureDoesNotMatch" {
		t.Fatalf("CreateBucket with a wrong secret: %v", err)
	}
	calls = append(calls, ackedCall{Event: "CreateBucket", RequestID: hgSDKRequestID(t, err), Answered: true, Code: "SignatureDoesNotMatch"})
	_, err = s3Client(s.endpoint, hgUnknownKey, "whatever").CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("hg-unknown-key")})
	if apiCode(err) != "InvalidAccessKeyId" {
		t.Fatalf("CreateBucket with an unknown key: %v", err)
	}

	// (4) Valid calls still forward and record as before: SQS, an S3 bucket,
	// a streamed upload and a presigned download.
	_, errOut = gwMustCLIDebug(t, c, s, "sqs", "create-queue", "--queue-name", "hg-valid")
	calls = append(calls, ackedCall{Event: "CreateQueue", RequestID: hgCLIRequestID(t, errOut), Answered: true})
	root := s3Client(s.endpoint, testKey, testSecret)
	cb, err := root.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("hg-valid")})
	if err != nil {
		t.Fatalf("CreateBucket: %v", err)
	}
	calls = append(calls, ackedCall{Event: "CreateBucket", RequestID: requestIDOf(cb.ResultMetadata), Answered: true})
	body := strings.Repeat("through the gateway ", 10000)
	if _, err := root.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("hg-valid"), Key: aws.String("obj"), Body: strings.NewReader(body)}); err != nil {
		t.Fatalf("PutObject: %v", err)
	}
	pre, err := s3.NewPresignClient(root).PresignGetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("hg-valid"), Key: aws.String("obj")})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(pre.URL)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(got) != body {
		t.Fatalf("presigned GET through the gateway: %s, %d bytes", resp.Status, len(got))
	}
	// A presigned URL with a forged signature is refused.
	forged := strings.Replace(pre.URL, "X-Amz-Signature=", "X-Amz-Signature=0", 1)
	if resp, err := http.Get(forged); err != nil || resp.StatusCode != 403 {
		t.Fatalf("forged presigned URL: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}

	// Integrity: nothing a refused call asked for exists upstream...
	queues := motoQueues(t, c, s, m)
	if strings.Contains(queues, "hg-wrong-secret") || strings.Contains(queues, "hg-unknown-key") || !strings.Contains(queues, "hg-valid") {
		t.Fatalf("moto's queues: %s", queues)
	}
	if motoHasBucket(t, m, "hg-wrong-secret") || motoHasBucket(t, m, "hg-unknown-key") || !motoHasBucket(t, m, "hg-valid") {
		t.Fatal("moto's buckets do not match what Cairn acknowledged")
	}
	// ...each acknowledged call is recorded exactly once with its true
	// outcome, and the unknown key left no record.
	hgOnce(t, ct, "CreateQueue", "queueName", "hg-valid", "", "Root", testKey)
	hgOnce(t, ct, "CreateQueue", "errorCode", "SignatureDoesNotMatch", "SignatureDoesNotMatch", "Root", testKey)
	hgOnce(t, ct, "CreateBucket", "bucketName", "hg-valid", "", "Root", testKey)
	if n := len(lookupAll(t, ct, byAttr(cttypes.LookupAttributeKeyAccessKeyId, hgUnknownKey))); n != 0 {
		t.Errorf("%d records of the unknown key", n)
	}
	hgOnceByKey(t, ct, userKey, "CreateBucket", "SignatureDoesNotMatch")
	if _, err := ct.GetTrailStatus(ctx, &cloudtrail.GetTrailStatusInput{Name: aws.String("none")}); apiCode(err) != "TrailNotFoundException" {
		t.Fatalf("the server stopped answering: %v", err)
	}
	checkIntegrity(t, s, calls)
}

// gwMustCLIDebug is gwMustCLI with --debug; it returns stdout and stderr.
func gwMustCLIDebug(t *testing.T, c awsCLI, s *server, args ...string) (string, string) {
	t.Helper()
	out, errOut, code := gwCLI(c, s, append([]string{"--debug"}, args...)...)
	if code != 0 {
		t.Fatalf("aws %s %v: exit %d\n%s\nserver log:\n%s", c.name, args, code, tail(errOut, 3000), tail(s.logs.String(), 2000))
	}
	return out, errOut
}

// hgOnceByKey checks that the calls of an access key are one record of
// eventName with errorCode.
func hgOnceByKey(t *testing.T, ct *cloudtrail.Client, key, eventName, errorCode string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		evs := lookupAll(t, ct, byAttr(cttypes.LookupAttributeKeyAccessKeyId, key))
		if len(evs) > 0 {
			if len(evs) != 1 || aws.ToString(evs[0].EventName) != eventName || !strings.Contains(aws.ToString(evs[0].CloudTrailEvent), `"errorCode":"`+errorCode+`"`) {
				var names []string
				for _, e := range evs {
					names = append(names, aws.ToString(e.CloudTrailEvent))
				}
				t.Fatalf("records of %s: %v; want one %s with %s", key, names, eventName, errorCode)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no record of %s", key)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// (3) With --upstream-passthrough-unknown-keys an unknown key's call is
// forwarded and recorded as a passthrough of an Unknown identity; a known
// key's wrong secret is still refused.
func TestHostileGatewayPassthroughUnknownKeys(t *testing.T) {
	m := startMotoAt(t, freePort(t))
	s := startServer(t, "--upstream", m.endpoint, "--upstream-passthrough-unknown-keys")
	ct := cloudtrail.NewFromConfig(sdkConfig(s, testKey, testSecret, testRegion))
	c := awsCLIs(t)[0]

	out, errOut, code := c.run(s, hgUnknownKey, "whatever-secret-000000000000000000000000", "--debug", "--endpoint-url", s.endpoint, "sqs", "create-queue", "--queue-name", "hg-pass")
	if code != 0 || !strings.Contains(out, "hg-pass") {
		t.Fatalf("passthrough create-queue: exit %d %s %s", code, out, tail(errOut, 3000))
	}
	calls := []ackedCall{{Event: "CreateQueue", RequestID: hgCLIRequestID(t, errOut), Answered: true}}
	_, errOut, code = c.run(s, testKey, "wrong-secret-0000000000000000000000000", "--debug", "--endpoint-url", s.endpoint, "sqs", "create-queue", "--queue-name", "hg-pass-wrong-secret")
	if code == 0 || !strings.Contains(errOut, "SignatureDoesNotMatch") {
		t.Fatalf("create-queue with a wrong secret: exit %d %s", code, tail(errOut, 3000))
	}
	calls = append(calls, ackedCall{Event: "CreateQueue", RequestID: hgCLIRequestID(t, errOut), Answered: true, Code: "SignatureDoesNotMatch"})

	queues := motoQueues(t, c, s, m)
	if !strings.Contains(queues, "hg-pass") || strings.Contains(queues, "hg-pass-wrong-secret") {
		t.Fatalf("moto's queues: %s", queues)
	}
	r := hgOnce(t, ct, "CreateQueue", "queueName", "hg-pass", "", "Unknown", hgUnknownKey)
	if d, _ := r["additionalEventData"].(map[string]any); d["cairnGateway"] != "passthrough" || d["signatureVerified"] != false {
		t.Errorf("passthrough additionalEventData: %v", r["additionalEventData"])
	}
	r = hgOnce(t, ct, "CreateQueue", "errorCode", "SignatureDoesNotMatch", "SignatureDoesNotMatch", "Root", testKey)
	if r["additionalEventData"] != nil {
		t.Errorf("a refused call marked %v", r["additionalEventData"])
	}
	if _, err := ct.GetTrailStatus(context.Background(), &cloudtrail.GetTrailStatusInput{Name: aws.String("none")}); apiCode(err) != "TrailNotFoundException" {
		t.Fatalf("the server stopped answering: %v", err)
	}
	checkIntegrity(t, s, calls)
}
