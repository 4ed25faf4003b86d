package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// gwCLI runs an aws CLI against Cairn with --endpoint-url (CLI v1 does not
// take AWS_ENDPOINT_URL for every service, e.g. SQS).
func gwCLI(c awsCLI, s *server, args ...string) (string, string, int) {
	if !c.v2 {
		args = append([]string{"--endpoint-url", s.endpoint}, args...)
	}
	return c.run(s, testKey, testSecret, args...)
}

func gwMustCLI(t *testing.T, c awsCLI, s *server, args ...string) string {
	t.Helper()
	out, errOut, code := gwCLI(c, s, args...)
	if code != 0 {
		t.Fatalf("aws %s %v: exit %d\n%s\nserver log:\n%s", c.name, args, code, errOut, tail(s.logs.String(), 2000))
	}
	return out
}

// waitEvent looks management events named name up until one satisfies ok.
func waitEvent(t *testing.T, ct *cloudtrail.Client, name string, ok func(record) bool) record {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		for _, e := range lookupAll(t, ct, byAttr(cttypes.LookupAttributeKeyEventName, name)) {
			if r := parseRecord(t, e); ok(r) {
				return r
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %s event as expected in LookupEvents", name)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func params(r record) map[string]any {
	var m map[string]any
	_ = json.Unmarshal(r.RequestParameters, &m)
	return m
}

func paramIs(key, value string) func(record) bool {
	return func(r record) bool { return fmt.Sprint(params(r)[key]) == value }
}

// Management calls to services Cairn does not serve go to moto through
// `cairn serve --upstream <moto>` from both aws CLIs and boto3, and show in
// LookupEvents with the upstream's outcome.
func TestGatewayMotoCLIAndBoto3(t *testing.T) {
	m := startMotoAt(t, freePort(t))
	s := startServer(t, "--upstream", m.endpoint)
	ct := cloudtrail.NewFromConfig(sdkConfig(s, testKey, testSecret, testRegion))
	for _, c := range awsCLIs(t) {
		t.Run("cli-"+c.name, func(t *testing.T) {
			q, topic, table := "gw-q-"+c.name, "gw-t-"+c.name, "gw-tb-"+c.name
			gwMustCLI(t, c, s, "sqs", "create-queue", "--queue-name", q)
			if _, errOut, code := gwCLI(c, s, "sqs", "get-queue-url", "--queue-name", "gw-missing-"+c.name); code == 0 || !strings.Contains(errOut, "NonExistentQueue") && !strings.Contains(errOut, "QueueDoesNotExist") {
				t.Fatalf("get-queue-url of a missing queue: exit %d %s", code, errOut)
			}
			gwMustCLI(t, c, s, "sns", "create-topic", "--name", topic)
			gwMustCLI(t, c, s, "dynamodb", "create-table", "--table-name", table, "--attribute-definitions", "AttributeName=pk,AttributeType=S",
				"--key-schema", "AttributeName=pk,KeyType=HASH", "--billing-mode", "PAY_PER_REQUEST")
			gwMustCLI(t, c, s, "dynamodb", "put-item", "--table-name", table, "--item", `{"pk":{"S":"k"}}`)
			out := gwMustCLI(t, c, s, "ec2", "run-instances", "--image-id", "ami-12c6146b", "--count", "1", "--instance-type", "t2.micro", "--output", "json")
			var run struct{ Instances []struct{ InstanceId string } }
			if err := json.Unmarshal([]byte(out), &run); err != nil || len(run.Instances) != 1 {
				t.Fatalf("run-instances: %v %s", err, out)
			}
			gwMustCLI(t, c, s, "ec2", "describe-instances", "--instance-ids", run.Instances[0].InstanceId)
			// IAM stays local: Cairn serves its identity subset and answers
			// the rest itself (docs/GATEWAY.md).
			if _, errOut, code := gwCLI(c, s, "iam", "create-role", "--role-name", "gw-role", "--assume-role-policy-document", "{}"); code == 0 {
				t.Fatalf("create-role succeeded: IAM should stay local (%s)", errOut)
			}

			r := waitEvent(t, ct, "CreateQueue", paramIs("queueName", q))
			if r.EventSource != "sqs.amazonaws.com" || *r.ReadOnly || len(r.Resources) != 1 || r.Resources[0].ARN != "arn:aws:sqs:us-east-1:"+testAccount+":"+q ||
				r.UserIdentity.Type != "Root" || r.ErrorCode != "" || !strings.Contains(string(r.ResponseElements), q) {
				t.Errorf("CreateQueue: %+v", r)
			}
			r = waitEvent(t, ct, "GetQueueUrl", paramIs("queueName", "gw-missing-"+c.name))
			if r.ErrorCode == "" || !*r.ReadOnly || r.ErrorMessage == "" {
				t.Errorf("GetQueueUrl of a missing queue: errorCode %q, message %q", r.ErrorCode, r.ErrorMessage)
			}
			r = waitEvent(t, ct, "CreateTopic", paramIs("name", topic))
			if r.EventSource != "sns.amazonaws.com" || len(r.Resources) != 1 || r.Resources[0].Type != "AWS::SNS::Topic" || !strings.HasSuffix(r.Resources[0].ARN, ":"+topic) {
				t.Errorf("CreateTopic: %+v", r)
			}
			r = waitEvent(t, ct, "CreateTable", paramIs("tableName", table))
			if r.EventSource != "dynamodb.amazonaws.com" || len(r.Resources) != 1 || r.Resources[0].ARN != "arn:aws:dynamodb:us-east-1:"+testAccount+":table/"+table {
				t.Errorf("CreateTable: %+v", r)
			}
			r = waitEvent(t, ct, "RunInstances", func(r record) bool {
				return len(r.Resources) > 0 && strings.HasSuffix(r.Resources[0].ARN, "instance/"+run.Instances[0].InstanceId)
			})
			if r.EventSource != "ec2.amazonaws.com" || *r.ReadOnly || params(r)["imageId"] != "ami-12c6146b" {
				t.Errorf("RunInstances: %+v", r)
			}
			r = waitEvent(t, ct, "DescribeInstances", func(r record) bool { return strings.Contains(string(r.RequestParameters), run.Instances[0].InstanceId) })
			if !*r.ReadOnly || r.ResponseElements != nil && string(r.ResponseElements) != "null" {
				t.Errorf("DescribeInstances: readOnly %v, responseElements %s", *r.ReadOnly, r.ResponseElements)
			}
			waitEvent(t, ct, "CreateRole", func(r record) bool { return r.EventSource == "iam.amazonaws.com" && r.ErrorCode != "" })
			// PutItem is a data event: never in event history.
			for _, e := range lookupAll(t, ct, byAttr(cttypes.LookupAttributeKeyEventName, "PutItem")) {
				t.Errorf("a data event in LookupEvents: %s", aws.ToString(e.CloudTrailEvent))
			}
		})
	}
	t.Run("boto3", func(t *testing.T) {
		if exec.Command("python3", "-c", "import boto3").Run() != nil {
			t.Skip("boto3 not installed")
		}
		if out := runPython(t, s, "testdata/boto3_gateway.py"); !strings.Contains(out, "boto3 gateway passed") {
			t.Fatalf("unexpected output: %s", out)
		}
	})
}

// vmHWM is a process's peak resident set size in bytes.
func vmHWM(t *testing.T, pid int) int64 {
	t.Helper()
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	t.Fatal("no VmHWM")
	return 0
}

// S3 goes upstream too (--upstream s3=<moto>, trails delivering to the same
// moto): object calls are data events that reach only the trail selecting
// them, and a 100 MB upload streams through with Cairn's memory flat.
func TestGatewayMotoS3DataEventsAndLargeUpload(t *testing.T) {
	m := startMotoAt(t, freePort(t))
	ctx := context.Background()
	mc := m.client()
	if _, err := mc.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("gw-trail-logs")}); err != nil {
		t.Fatal(err)
	}
	s := startServer(t, "--upstream", "s3="+m.endpoint, "--upstream", m.endpoint, "--delivery-interval", "1s",
		"--s3-endpoint", m.endpoint, "--s3-access-key-id", motoKey, "--s3-secret-access-key", motoSecret)
	ct := cloudtrail.NewFromConfig(sdkConfig(s, testKey, testSecret, testRegion))
	for _, name := range []string{"mgmt", "data"} {
		if _, err := ct.CreateTrail(ctx, &cloudtrail.CreateTrailInput{Name: aws.String(name), S3BucketName: aws.String("gw-trail-logs"), S3KeyPrefix: aws.String(name)}); err != nil {
			t.Fatalf("CreateTrail %s: %v", name, err)
		}
	}
	if _, err := ct.PutEventSelectors(ctx, &cloudtrail.PutEventSelectorsInput{TrailName: aws.String("data"), AdvancedEventSelectors: []cttypes.AdvancedEventSelector{
		{Name: aws.String("objects"), FieldSelectors: []cttypes.AdvancedFieldSelector{
			{Field: aws.String("eventCategory"), Equals: []string{"Data"}},
			{Field: aws.String("resources.type"), Equals: []string{"AWS::S3::Object"}},
		}},
		{Name: aws.String("management"), FieldSelectors: []cttypes.AdvancedFieldSelector{{Field: aws.String("eventCategory"), Equals: []string{"Management"}}}},
	}}); err != nil {
		t.Fatalf("PutEventSelectors: %v", err)
	}
	for _, name := range []string{"mgmt", "data"} {
		if _, err := ct.StartLogging(ctx, &cloudtrail.StartLoggingInput{Name: aws.String(name)}); err != nil {
			t.Fatal(err)
		}
	}

	c := awsCLIs(t)[0]
	dir := t.TempDir()
	small := filepath.Join(dir, "small.txt")
	writeFile(t, small, "hello through the gateway")
	gwMustCLI(t, c, s, "s3", "mb", "s3://gw-data")
	gwMustCLI(t, c, s, "s3", "cp", small, "s3://gw-data/docs/small.txt")
	if out := gwMustCLI(t, c, s, "s3", "cp", "s3://gw-data/docs/small.txt", "-"); out != "hello through the gateway" {
		t.Fatalf("read back %q", out)
	}
	if got, err := mc.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("gw-data"), Key: aws.String("docs/small.txt")}); err != nil || aws.ToInt64(got.ContentLength) != 25 {
		t.Fatalf("the object is not in moto: %v", err)
	}

	// 100 MB through the gateway (multipart, 10 parts in flight).
	big := filepath.Join(dir, "big.bin")
	f, err := os.Create(big)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(100 << 20); err != nil {
		t.Fatal(err)
	}
	f.Close()
	pid := s.cmd.Process.Pid
	before := vmHWM(t, pid)
	start := time.Now()
	gwMustCLI(t, c, s, "s3", "cp", big, "s3://gw-data/big.bin")
	after := vmHWM(t, pid)
	t.Logf("100 MB aws s3 cp through the gateway in %s: Cairn's peak RSS %d MiB → %d MiB", time.Since(start).Round(time.Millisecond), before>>20, after>>20)
	if after-before > 64<<20 {
		t.Errorf("Cairn's peak RSS grew by %d MiB during a 100 MB upload", (after-before)>>20)
	}
	if got, err := mc.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("gw-data"), Key: aws.String("big.bin")}); err != nil || aws.ToInt64(got.ContentLength) != 100<<20 {
		t.Fatalf("big.bin in moto: %v", err)
	}

	// Management S3 calls are in event history; object calls are not.
	r := waitEvent(t, ct, "CreateBucket", paramIs("bucketName", "gw-data"))
	if r.EventSource != "s3.amazonaws.com" || len(r.Resources) != 1 || r.Resources[0].ARN != "arn:aws:s3:::gw-data" {
		t.Errorf("CreateBucket: %+v", r)
	}
	for _, e := range lookupAll(t, ct, byAttr(cttypes.LookupAttributeKeyEventName, "PutObject")) {
		t.Errorf("a data event in LookupEvents: %s", aws.ToString(e.CloudTrailEvent))
	}

	// A marker management write last: once both trails have it, they have
	// everything before it.
	gwMustCLI(t, c, s, "sqs", "create-queue", "--queue-name", "gw-marker")
	marker := func(fs []logFile) bool {
		for _, f := range fs {
			for _, r := range f.Records {
				if r.EventName == "CreateQueue" && paramIs("queueName", "gw-marker")(r) {
					return true
				}
			}
		}
		return false
	}
	names := func(fs []logFile) map[string]int {
		n := map[string]int{}
		for _, f := range fs {
			for _, r := range f.Records {
				n[r.EventName]++
			}
		}
		return n
	}
	data := names(waitLogs(t, s, mc, "gw-trail-logs", "data/", "the data trail", marker))
	mgmt := names(waitLogs(t, s, mc, "gw-trail-logs", "mgmt/", "the management trail", marker))
	t.Logf("data trail: %v; management trail: %v", data, mgmt)
	for _, n := range []string{"PutObject", "GetObject", "CreateMultipartUpload", "UploadPart", "CompleteMultipartUpload", "CreateBucket"} {
		if data[n] == 0 {
			t.Errorf("the data trail lacks %s", n)
		}
	}
	if data["UploadPart"] < 13 {
		t.Errorf("the data trail has %d UploadPart events, want ≥ 13", data["UploadPart"])
	}
	for _, n := range []string{"PutObject", "GetObject", "UploadPart", "HeadObject"} {
		if mgmt[n] != 0 {
			t.Errorf("the management trail has %d %s data events", mgmt[n], n)
		}
	}
	if mgmt["CreateBucket"] == 0 {
		t.Errorf("the management trail lacks CreateBucket")
	}
}
