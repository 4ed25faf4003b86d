package e2e

import (
	"context"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cairn-audit/cairn/internal/bucket"
	"github.com/cairn-audit/cairn/internal/bucket/file"
)

// trailBucket is the bucket the trail API tests deliver to.
const trailBucket = "trail-api-logs"

// startTrailServer starts cairn on a data dir whose embedded object store
// already holds trailBucket, owned by the test account.
func startTrailServer(t *testing.T) *server {
	t.Helper()
	return startTrailServerWith(t)
}

// startTrailServerWith is startTrailServer with extra serve flags.
func startTrailServerWith(t *testing.T, extra ...string) *server {
	t.Helper()
	data := t.TempDir()
	st, err := file.Open(filepath.Join(data, "buckets"), file.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.CreateBucket(context.Background(), trailBucket, bucket.CreateOptions{Owner: testAccount}); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	return startServerIn(t, data, extra...)
}

// ctCLI runs `aws cloudtrail` commands of one CLI against one server.
type ctCLI struct {
	t   *testing.T
	cli awsCLI
	s   *server
}

// ok runs a command that must succeed and decodes its JSON output (if out is not nil).
func (c ctCLI) ok(out any, args ...string) {
	c.t.Helper()
	stdout := c.cli.mustRun(c.s, testKey, testSecret, append([]string{"cloudtrail"}, args...)...)
	if out != nil {
		if err := json.Unmarshal([]byte(stdout), out); err != nil {
			c.t.Fatalf("aws cloudtrail %v: output is not JSON: %v\n%s", args, err, stdout)
		}
	}
}

// fails runs a command that must fail with the AWS error code.
func (c ctCLI) fails(code string, args ...string) string {
	c.t.Helper()
	_, stderr, rc := c.cli.run(c.s, testKey, testSecret, append([]string{"cloudtrail"}, args...)...)
	if rc == 0 || !strings.Contains(stderr, "("+code+")") {
		c.t.Fatalf("aws %s cloudtrail %v: exit %d, want error %s:\n%s", c.cli.name, args, rc, code, stderr)
	}
	return stderr
}

type cliTrail struct {
	Name, S3BucketName, S3KeyPrefix, TrailARN, HomeRegion, SnsTopicARN, KmsKeyId string
	IncludeGlobalServiceEvents, IsMultiRegionTrail, LogFileValidationEnabled     bool
	HasCustomEventSelectors, HasInsightSelectors, IsOrganizationTrail            *bool
}

// TestTrailAPICLI drives every trail operation and the main errors with
// both aws CLIs, across two regions (shadows of a multi-region trail).
func TestTrailAPICLI(t *testing.T) {
	for _, cli := range awsCLIs(t) {
		t.Run(cli.name, func(t *testing.T) {
			s := startTrailServer(t)
			ct := ctCLI{t, cli, s}
			mainARN := "arn:aws:cloudtrail:us-east-1:" + testAccount + ":trail/main"
			localARN := "arn:aws:cloudtrail:eu-west-1:" + testAccount + ":trail/local"

			// CreateTrail.
			var created cliTrail
			ct.ok(&created, "create-trail", "--name", "main", "--s3-bucket-name", trailBucket, "--s3-key-prefix", "audit",
				"--is-multi-region-trail", "--tags-list", "Key=team,Value=sec")
			if created.TrailARN != mainARN || !created.IsMultiRegionTrail || !created.IncludeGlobalServiceEvents ||
				created.S3KeyPrefix != "audit" || created.HomeRegion != "" || created.IsOrganizationTrail == nil || *created.IsOrganizationTrail {
				t.Fatalf("create-trail %+v", created)
			}
			ct.ok(nil, "create-trail", "--name", "local", "--s3-bucket-name", trailBucket, "--region", "eu-west-1")
			ct.fails("TrailAlreadyExistsException", "create-trail", "--name", "main", "--s3-bucket-name", trailBucket)
			ct.fails("S3BucketDoesNotExistException", "create-trail", "--name", "other", "--s3-bucket-name", "no-such-bucket-here")
			ct.fails("InvalidTrailNameException", "create-trail", "--name", "my--trail", "--s3-bucket-name", trailBucket)
			ct.fails("InvalidParameterCombinationException", "create-trail", "--name", "other", "--s3-bucket-name", trailBucket,
				"--is-multi-region-trail", "--no-include-global-service-events")
			ct.fails("KmsKeyNotFoundException", "create-trail", "--name", "other", "--s3-bucket-name", trailBucket, "--kms-key-id", "alias/trail")
			ct.fails("InsufficientSnsTopicPolicyException", "create-trail", "--name", "other", "--s3-bucket-name", trailBucket, "--sns-topic-name", "nope")

			// Reads, with shadows.
			var desc struct{ TrailList []cliTrail }
			names := func() string {
				var n []string
				for _, tr := range desc.TrailList {
					n = append(n, tr.Name+"@"+tr.HomeRegion)
				}
				return strings.Join(n, ",")
			}
			ct.ok(&desc, "describe-trails")
			if names() != "main@us-east-1" || desc.TrailList[0].S3KeyPrefix != "audit" || desc.TrailList[0].HasCustomEventSelectors == nil {
				t.Fatalf("describe-trails %+v", desc)
			}
			ct.ok(&desc, "describe-trails", "--region", "eu-west-1")
			if names() != "local@eu-west-1,main@us-east-1" {
				t.Fatalf("describe-trails in eu-west-1: %s", names())
			}
			ct.ok(&desc, "describe-trails", "--region", "eu-west-1", "--no-include-shadow-trails")
			if names() != "local@eu-west-1" {
				t.Fatalf("describe-trails without shadows: %s", names())
			}
			ct.ok(&desc, "describe-trails", "--trail-name-list", "main", localARN)
			if names() != "main@us-east-1,local@eu-west-1" {
				t.Fatalf("describe-trails by name and ARN: %s", names())
			}
			var got struct{ Trail cliTrail }
			ct.ok(&got, "get-trail", "--name", "main", "--region", "eu-west-1")
			if got.Trail.HomeRegion != "us-east-1" || got.Trail.TrailARN != mainARN {
				t.Fatalf("get-trail of a shadow %+v", got.Trail)
			}
			ct.ok(&got, "get-trail", "--name", localARN)
			if got.Trail.HomeRegion != "eu-west-1" {
				t.Fatalf("get-trail by ARN %+v", got.Trail)
			}
			ct.fails("TrailNotFoundException", "get-trail", "--name", "local")
			ct.fails("CloudTrailARNInvalidException", "get-trail", "--name", "arn:aws:cloudtrail:us-east-1:"+testAccount+":bucket/x")
			var list struct {
				Trails []struct{ TrailARN, Name, HomeRegion string }
			}
			ct.ok(&list, "list-trails", "--region", "ap-south-1")
			if len(list.Trails) != 2 {
				t.Fatalf("list-trails %+v", list)
			}

			// UpdateTrail, home region only.
			var updated cliTrail
			ct.ok(&updated, "update-trail", "--name", "main", "--enable-log-file-validation")
			if !updated.LogFileValidationEnabled || updated.S3KeyPrefix != "audit" || !updated.IsMultiRegionTrail {
				t.Fatalf("update-trail %+v", updated)
			}
			ct.fails("InvalidHomeRegionException", "update-trail", "--name", "main", "--region", "eu-west-1", "--no-enable-log-file-validation")

			// Logging and status.
			type status struct {
				IsLogging                              bool
				StartLoggingTime, StopLoggingTime      any
				TimeLoggingStarted, TimeLoggingStopped string
			}
			var st status
			ct.ok(&st, "get-trail-status", "--name", "main")
			if st.IsLogging || st.StartLoggingTime != nil || st.TimeLoggingStarted != "" {
				t.Fatalf("fresh status %+v", st)
			}
			ct.fails("InvalidHomeRegionException", "start-logging", "--name", "main", "--region", "eu-west-1")
			ct.ok(nil, "start-logging", "--name", "main")
			ct.ok(&st, "get-trail-status", "--name", mainARN)
			if !st.IsLogging || st.StartLoggingTime == nil || len(st.TimeLoggingStarted) != len("2006-01-02T15:04:05Z") {
				t.Fatalf("status after start-logging %+v", st)
			}
			ct.fails("TrailNotFoundException", "get-trail-status", "--name", "main", "--region", "eu-west-1") // a shadow needs its ARN
			ct.ok(&st, "get-trail-status", "--name", mainARN, "--region", "eu-west-1")
			ct.ok(nil, "stop-logging", "--name", "main")
			ct.ok(&st, "get-trail-status", "--name", "main")
			if st.IsLogging || st.StopLoggingTime == nil || st.TimeLoggingStopped == "" {
				t.Fatalf("status after stop-logging %+v", st)
			}

			// Event selectors, basic then advanced.
			type selectors struct {
				TrailARN               string
				EventSelectors         []map[string]any
				AdvancedEventSelectors []map[string]any
			}
			var sel selectors
			ct.ok(&sel, "get-event-selectors", "--trail-name", "main")
			if sel.TrailARN != mainARN || len(sel.EventSelectors) != 1 || sel.EventSelectors[0]["ReadWriteType"] != "All" {
				t.Fatalf("default selectors %+v", sel)
			}
			ct.ok(&sel, "put-event-selectors", "--trail-name", "main", "--event-selectors",
				`[{"ReadWriteType":"WriteOnly","IncludeManagementEvents":true,"DataResources":[{"Type":"AWS::S3::Object","Values":["arn:aws:s3:::`+trailBucket+`/"]}]}]`)
			if len(sel.EventSelectors) != 1 || sel.EventSelectors[0]["ReadWriteType"] != "WriteOnly" {
				t.Fatalf("put basic selectors %+v", sel)
			}
			ct.ok(&sel, "put-event-selectors", "--trail-name", "main", "--advanced-event-selectors",
				`[{"Name":"management","FieldSelectors":[{"Field":"eventCategory","Equals":["Management"]}]}]`)
			sel = selectors{}
			ct.ok(&sel, "get-event-selectors", "--trail-name", mainARN)
			if len(sel.EventSelectors) != 0 || len(sel.AdvancedEventSelectors) != 1 || sel.AdvancedEventSelectors[0]["Name"] != "management" {
				t.Fatalf("advanced selectors %+v", sel)
			}
			ct.fails("InvalidEventSelectorsException", "put-event-selectors", "--trail-name", "main",
				"--event-selectors", `[{"ReadWriteType":"All"}]`, "--advanced-event-selectors", `[{"FieldSelectors":[{"Field":"eventCategory","Equals":["Management"]}]}]`)
			ct.fails("InvalidEventSelectorsException", "put-event-selectors", "--trail-name", "main", "--event-selectors", `[{"ReadWriteType":"Sometimes"}]`)
			ct.fails("InvalidHomeRegionException", "put-event-selectors", "--trail-name", "main", "--region", "eu-west-1", "--event-selectors", `[{"ReadWriteType":"All"}]`)

			// Insights.
			ct.fails("InsightNotEnabledException", "get-insight-selectors", "--trail-name", "main")
			var ins struct {
				TrailARN         string
				InsightSelectors []struct{ InsightType string }
			}
			ct.ok(&ins, "put-insight-selectors", "--trail-name", "main", "--insight-selectors", `[{"InsightType":"ApiCallRateInsight"},{"InsightType":"ApiErrorRateInsight"}]`)
			ct.ok(&ins, "get-insight-selectors", "--trail-name", "main")
			if ins.TrailARN != mainARN || len(ins.InsightSelectors) != 2 || ins.InsightSelectors[0].InsightType != "ApiCallRateInsight" {
				t.Fatalf("insight selectors %+v", ins)
			}
			ct.fails("InvalidInsightSelectorsException", "put-insight-selectors", "--trail-name", "main", "--insight-selectors", `[{"InsightType":"ApiCallRateInsight"},{"InsightType":"ApiCallRateInsight"}]`)
			ct.ok(&got, "get-trail", "--name", "main")
			if !*got.Trail.HasInsightSelectors || !*got.Trail.HasCustomEventSelectors {
				t.Fatalf("get-trail flags %+v", got.Trail)
			}

			// Tags.
			ct.ok(nil, "add-tags", "--resource-id", mainARN, "--tags-list", "Key=env,Value=prod", "Key=bare")
			var tags struct {
				ResourceTagList []struct {
					ResourceId string
					TagsList   []struct{ Key, Value string }
				}
			}
			ct.ok(&tags, "list-tags", "--resource-id-list", mainARN)
			if len(tags.ResourceTagList) != 1 || len(tags.ResourceTagList[0].TagsList) != 3 {
				t.Fatalf("list-tags %+v", tags)
			}
			ct.ok(nil, "remove-tags", "--resource-id", mainARN, "--tags-list", "Key=team", "Key=bare")
			ct.ok(&tags, "list-tags", "--resource-id-list", mainARN)
			if tl := tags.ResourceTagList[0].TagsList; len(tl) != 1 || tl[0].Key != "env" || tl[0].Value != "prod" {
				t.Fatalf("after remove-tags %+v", tl)
			}
			ct.fails("ResourceNotFoundException", "add-tags", "--resource-id", "arn:aws:cloudtrail:us-east-1:"+testAccount+":trail/gone", "--tags-list", "Key=a,Value=b")
			ct.fails("ResourceNotFoundException", "list-tags", "--resource-id-list", "arn:aws:cloudtrail:us-east-1:"+testAccount+":eventdatastore/00000000-0000-4000-8000-000000000000")

			// DeleteTrail, home region only.
			ct.fails("InvalidHomeRegionException", "delete-trail", "--name", mainARN, "--region", "eu-west-1")
			ct.ok(nil, "delete-trail", "--name", "main")
			ct.fails("TrailNotFoundException", "get-trail", "--name", "main")
			ct.ok(&desc, "describe-trails", "--region", "eu-west-1")
			if names() != "local@eu-west-1" {
				t.Fatalf("describe-trails after delete: %s", names())
			}

			// The calls were recorded as CloudTrail records them.
			var ev cliLookup
			ct.ok(&ev, "lookup-events", "--lookup-attributes", "AttributeKey=EventName,AttributeValue=CreateTrail")
			var rec map[string]any
			for _, e := range ev.Events { // the successful CreateTrail of "main"
				var r map[string]any
				if err := json.Unmarshal([]byte(e.CloudTrailEvent), &r); err != nil {
					t.Fatal(err)
				}
				if r["errorCode"] == nil && r["awsRegion"] == "us-east-1" {
					rec = r
				}
			}
			if rec == nil {
				t.Fatalf("no successful CreateTrail recorded: %+v", ev)
			}
			params, _ := rec["requestParameters"].(map[string]any)
			resp, _ := rec["responseElements"].(map[string]any)
			if params["name"] != "main" || params["s3BucketName"] != trailBucket || params["isMultiRegionTrail"] != true ||
				resp["trailARN"] != mainARN || resp["includeGlobalServiceEvents"] != true || rec["readOnly"] != false {
				t.Fatalf("CreateTrail record %v", rec)
			}
			ct.ok(&ev, "lookup-events", "--lookup-attributes", "AttributeKey=ResourceName,AttributeValue=main")
			if len(ev.Events) == 0 || ev.Events[0].Resources[0].ResourceType != "AWS::CloudTrail::Trail" {
				t.Fatalf("trail events by resource name: %+v", ev.Events)
			}
		})
	}
}

// TestBoto3Trails runs the trail scenario with boto3: every trail operation,
// the ListTrails paginator, status timestamps and modeled exception classes.
func TestBoto3Trails(t *testing.T) {
	if exec.Command("python3", "-c", "import boto3").Run() != nil {
		t.Skip("boto3 not installed")
	}
	s := startTrailServer(t)
	if out := runPython(t, s, "testdata/boto3_trails.py"); !strings.Contains(out, "boto3 trails scenario passed") {
		t.Fatalf("unexpected output: %s", out)
	}
}
