package cloudtrail

import (
	"strings"
	"testing"

	"github.com/cairn-audit/cairn/internal/event"
	"github.com/cairn-audit/cairn/internal/trail"
)

func TestCreateTrailResponseAndRecord(t *testing.T) {
	e := newTrailEnv(t)
	res := e.ok("us-east-1", "CreateTrail", map[string]any{"Name": "main", "S3BucketName": "logs", "IsMultiRegionTrail": true}, nil)
	want := `{"Name":"main","S3BucketName":"logs","IncludeGlobalServiceEvents":true,"IsMultiRegionTrail":true,"TrailARN":"arn:aws:cloudtrail:us-east-1:111111111111:trail/main","LogFileValidationEnabled":false,"IsOrganizationTrail":false}`
	if string(res.Body) != want {
		t.Fatalf("response\n%s\nwant\n%s", res.Body, want)
	}
	if res.EventName != "CreateTrail" || res.ReadOnly {
		t.Fatalf("event %s readOnly %v", res.EventName, res.ReadOnly)
	}
	if got := jsonString(t, res.RequestParameters); got != `{"isMultiRegionTrail":true,"name":"main","s3BucketName":"logs"}` {
		t.Fatalf("requestParameters %s", got)
	}
	wantRE := `{"name":"main","s3BucketName":"logs","includeGlobalServiceEvents":true,"isMultiRegionTrail":true,"trailARN":"arn:aws:cloudtrail:us-east-1:111111111111:trail/main","logFileValidationEnabled":false,"isOrganizationTrail":false}`
	if got := jsonString(t, res.ResponseElements); got != wantRE {
		t.Fatalf("responseElements\n%s\nwant\n%s", got, wantRE)
	}
	if len(res.Resources) != 1 || res.Resources[0] != (event.ResourceRef{Type: "AWS::CloudTrail::Trail", Name: "main", ARN: "arn:aws:cloudtrail:us-east-1:111111111111:trail/main"}) {
		t.Fatalf("resources %+v", res.Resources)
	}
	tr, ok := e.store.Get(acct, "arn:aws:cloudtrail:us-east-1:111111111111:trail/main")
	if !ok || len(tr.ID) != 32 || tr.HomeRegion != "us-east-1" || tr.IsLogging() || !tr.Created.Equal(testNow) {
		t.Fatalf("stored %+v", tr)
	}
	if e.buckets.objects("logs") != 0 || e.buckets.puts != 1 {
		t.Fatalf("write check: %d puts, %d objects left", e.buckets.puts, e.buckets.objects("logs"))
	}
}

func TestCreateTrailAllSettings(t *testing.T) {
	e := newTrailEnv(t)
	out := e.create("eu-west-1", "full.trail_1", map[string]any{"S3KeyPrefix": "org/a", "SnsTopicName": "alerts",
		"IncludeGlobalServiceEvents": false, "EnableLogFileValidation": true, "IsOrganizationTrail": false,
		"TagsList": []map[string]string{{"Key": "team", "Value": "sec"}, {"Key": "novalue"}}})
	if out.S3KeyPrefix != "org/a" || out.SnsTopicName != "alerts" || out.SnsTopicARN != "arn:aws:sns:eu-west-1:111111111111:alerts" ||
		out.IncludeGlobalServiceEvents || !out.LogFileValidationEnabled || out.KmsKeyId != "" || out.HomeRegion != "" || out.HasCustomEventSelectors != nil {
		t.Fatalf("response %+v", out)
	}
	tr, _ := e.store.Get(acct, out.TrailARN)
	if len(tr.Tags) != 2 || tr.Tags[1] != (trail.Tag{Key: "novalue"}) {
		t.Fatalf("tags %+v", tr.Tags)
	}
	// An SNS topic ARN works too, if it is the trail's region and account.
	out = e.create("eu-west-1", "by-arn", map[string]any{"SnsTopicName": "arn:aws:sns:eu-west-1:111111111111:alerts"})
	if out.SnsTopicName != "alerts" || out.SnsTopicARN != "arn:aws:sns:eu-west-1:111111111111:alerts" {
		t.Fatalf("topic by ARN %+v", out)
	}
}

func TestCreateTrailErrors(t *testing.T) {
	long := strings.Repeat("a", 129)
	tags := make([]map[string]string, 51)
	for i := range tags {
		tags[i] = map[string]string{"Key": "k" + strings.Repeat("x", i)}
	}
	cases := []struct {
		name string
		body map[string]any
		code string
		msg  string
	}{
		{"short name", map[string]any{"Name": "ab"}, "InvalidTrailNameException", "Trail name too short. Minimum allowed length: 3 characters. Specified name length: 2 characters."},
		{"missing name", map[string]any{"Name": nil}, "InvalidTrailNameException", "Specified name length: 0 characters."},
		{"long name", map[string]any{"Name": long}, "InvalidTrailNameException", "Trail name too long. Maximum allowed length: 128 characters. Specified name length: 129 characters."},
		{"leading dash", map[string]any{"Name": "-abc"}, "InvalidTrailNameException", "Trail name must starts with a letter or number."},
		{"trailing dot", map[string]any{"Name": "abc."}, "InvalidTrailNameException", "Trail name must ends with a letter or number."},
		{"bad chars", map[string]any{"Name": "a b c"}, "InvalidTrailNameException", "Trail name or ARN can only contain"},
		{"adjacent punctuation", map[string]any{"Name": "my-_x"}, "InvalidTrailNameException", "adjacent"},
		{"double dash", map[string]any{"Name": "my--x"}, "InvalidTrailNameException", "adjacent"},
		{"ip address", map[string]any{"Name": "192.168.5.4"}, "InvalidTrailNameException", "IP address"},
		{"mistyped", map[string]any{"Name": "main", "IsMultiRegionTrail": "yes"}, "SerializationException", ""},
		{"organization", map[string]any{"IsOrganizationTrail": true}, "OrganizationsNotInUseException", "Cairn has no AWS Organizations"},
		{"multi without global", map[string]any{"S3BucketName": "missing", "IsMultiRegionTrail": true, "IncludeGlobalServiceEvents": false}, "InvalidParameterCombinationException", "Multi-Region trail must include global service events."},
		{"missing bucket name", map[string]any{"S3BucketName": nil}, "InvalidS3BucketNameException", ""},
		{"bad bucket name", map[string]any{"S3BucketName": "Bad_Bucket"}, "InvalidS3BucketNameException", ""},
		{"ip bucket", map[string]any{"S3BucketName": "10.0.0.1"}, "InvalidS3BucketNameException", ""},
		{"bucket missing", map[string]any{"S3BucketName": "nope"}, "S3BucketDoesNotExistException", "S3 bucket nope does not exist!"},
		{"bucket of another account", map[string]any{"S3BucketName": "theirs"}, "InsufficientS3BucketPolicyException", "Incorrect S3 bucket policy is detected for bucket: theirs"},
		{"bucket not writable", map[string]any{"S3BucketName": "locked"}, "InsufficientS3BucketPolicyException", "Incorrect S3 bucket policy is detected for bucket: locked"},
		{"prefix slash", map[string]any{"S3KeyPrefix": "/x"}, "InvalidS3PrefixException", ""},
		{"prefix too long", map[string]any{"S3KeyPrefix": strings.Repeat("p", 201)}, "InvalidS3PrefixException", ""},
		{"prefix empty segment", map[string]any{"S3KeyPrefix": "a//b"}, "InvalidS3PrefixException", ""},
		{"bad topic", map[string]any{"SnsTopicName": "has space"}, "InvalidSnsTopicNameException", ""},
		{"bad topic arn", map[string]any{"SnsTopicName": "arn:aws:sqs:us-east-1:111111111111:q"}, "InvalidSnsTopicNameException", ""},
		{"unknown topic", map[string]any{"SnsTopicName": "other"}, "InsufficientSnsTopicPolicyException", "SNS Topic does not exist or the topic policy is incorrect!"},
		{"topic in another region", map[string]any{"SnsTopicName": "arn:aws:sns:eu-west-1:111111111111:alerts"}, "InsufficientSnsTopicPolicyException", ""},
		{"bad kms", map[string]any{"KmsKeyId": "not a key"}, "InvalidKmsKeyIdException", ""},
		{"kms alias", map[string]any{"KmsKeyId": "alias/trail"}, "KmsKeyNotFoundException", "Cairn has no KMS"},
		{"kms key arn", map[string]any{"KmsKeyId": "arn:aws:kms:us-east-1:111111111111:key/12345678-1234-1234-1234-123456789012"}, "KmsKeyNotFoundException", ""},
		{"kms mrk", map[string]any{"KmsKeyId": "mrk-1234abcd12ab34cd56ef1234567890ab"}, "KmsKeyNotFoundException", ""},
		{"bad log group", map[string]any{"CloudWatchLogsLogGroupArn": "group", "CloudWatchLogsRoleArn": "arn:aws:iam::111111111111:role/ct"}, "InvalidCloudWatchLogsLogGroupArnException", ""},
		{"bad role", map[string]any{"CloudWatchLogsLogGroupArn": "arn:aws:logs:us-east-1:111111111111:log-group:ct:*", "CloudWatchLogsRoleArn": "role"}, "InvalidCloudWatchLogsRoleArnException", ""},
		{"group without role", map[string]any{"CloudWatchLogsLogGroupArn": "arn:aws:logs:us-east-1:111111111111:log-group:ct:*"}, "InvalidParameterCombinationException", ""},
		{"cloudwatch logs", map[string]any{"CloudWatchLogsLogGroupArn": "arn:aws:logs:us-east-1:111111111111:log-group:ct:*", "CloudWatchLogsRoleArn": "arn:aws:iam::111111111111:role/ct"}, "CloudWatchLogsDeliveryUnavailableException", "Cairn cannot deliver to CloudWatch Logs"},
		{"tag without key", map[string]any{"TagsList": []map[string]string{{"Value": "v"}}}, "InvalidTagParameterException", ""},
		{"aws tag", map[string]any{"TagsList": []map[string]string{{"Key": "aws:x", "Value": "v"}}}, "InvalidTagParameterException", ""},
		{"duplicate tag", map[string]any{"TagsList": []map[string]string{{"Key": "a"}, {"Key": "a"}}}, "InvalidTagParameterException", ""},
		{"too many tags", map[string]any{"TagsList": tags}, "TagsLimitExceededException", ""},
	}
	e := newTrailEnv(t)
	e.buckets.add("locked", acct)
	e.buckets.deny("locked")
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e.t = t
			body := map[string]any{"Name": "main", "S3BucketName": "logs"}
			for k, v := range c.body {
				if v == nil {
					delete(body, k)
				} else {
					body[k] = v
				}
			}
			msg := e.fails("us-east-1", "CreateTrail", body, c.code)
			if !strings.Contains(msg, c.msg) {
				t.Fatalf("message %q lacks %q", msg, c.msg)
			}
		})
	}
	if n := len(e.store.All()); n != 0 {
		t.Fatalf("%d trails after failed creates", n)
	}
}

func TestCreateTrailNameTaken(t *testing.T) {
	e := newTrailEnv(t)
	e.create("us-east-1", "main", nil)
	msg := e.fails("us-east-1", "CreateTrail", map[string]any{"Name": "main", "S3BucketName": "logs"}, "TrailAlreadyExistsException")
	if msg != "Trail main already exists for customer: 111111111111" {
		t.Fatal(msg)
	}
	e.create("eu-west-1", "main", nil) // another region: fine for single-region trails
	e.create("us-west-2", "global", map[string]any{"IsMultiRegionTrail": true})
	e.fails("eu-west-1", "CreateTrail", map[string]any{"Name": "global", "S3BucketName": "logs"}, "TrailAlreadyExistsException")
	e.fails("ap-south-1", "CreateTrail", map[string]any{"Name": "main", "S3BucketName": "logs", "IsMultiRegionTrail": true}, "TrailAlreadyExistsException")
	// Another account may use any name.
	if res := e.doAs(other, "us-east-1", "CreateTrail", map[string]any{"Name": "main", "S3BucketName": "shared"}); res.ErrorCode != "" {
		t.Fatalf("other account: %s %s", res.ErrorCode, res.ErrorMessage)
	}
}

func TestTrailLimitCountsMultiRegionTrails(t *testing.T) {
	e := newTrailEnv(t)
	e.create("eu-west-1", "multi1", map[string]any{"IsMultiRegionTrail": true})
	e.create("eu-west-1", "multi2", map[string]any{"IsMultiRegionTrail": true})
	for _, n := range []string{"aa1", "aa2", "aa3"} {
		e.create("us-east-1", n, nil)
	}
	msg := e.fails("us-east-1", "CreateTrail", map[string]any{"Name": "aa4", "S3BucketName": "logs"}, "MaximumNumberOfTrailsExceededException")
	if msg != "User: 111111111111 already has 5 trails in us-east-1." {
		t.Fatal(msg)
	}
	e.create("ap-south-1", "bb1", nil) // 2 multi + 1 here
	// A new multi-region trail would make 6 in us-east-1.
	e.fails("ap-south-1", "CreateTrail", map[string]any{"Name": "multi3", "S3BucketName": "logs", "IsMultiRegionTrail": true}, "MaximumNumberOfTrailsExceededException")
	// Nor may a single-region trail become multi-region.
	e.fails("ap-south-1", "UpdateTrail", map[string]any{"Name": "bb1", "IsMultiRegionTrail": true}, "MaximumNumberOfTrailsExceededException")
	e.ok("us-east-1", "DeleteTrail", map[string]any{"Name": "aa3"}, nil)
	e.ok("ap-south-1", "UpdateTrail", map[string]any{"Name": "bb1", "IsMultiRegionTrail": true}, nil)
	e.fails("us-east-1", "CreateTrail", map[string]any{"Name": "aa5", "S3BucketName": "logs"}, "MaximumNumberOfTrailsExceededException")
}

func TestTrailLimitOption(t *testing.T) {
	e := newTrailEnv(t, func(o *Options) { o.MaxTrailsPerRegion = 1 })
	e.create("us-east-1", "one", nil)
	e.fails("us-east-1", "CreateTrail", map[string]any{"Name": "two", "S3BucketName": "logs"}, "MaximumNumberOfTrailsExceededException")
}

func TestCreateTrailAbortLeavesNoTrace(t *testing.T) {
	e := newTrailEnv(t)
	res := e.handle(acct, "us-east-1", "CreateTrail", map[string]any{"Name": "main", "S3BucketName": "logs"})
	if res.ErrorCode != "" || res.Commit == nil || res.Abort == nil {
		t.Fatalf("staged create: %s %v", res.ErrorCode, res.Commit == nil)
	}
	if len(e.store.All()) != 0 {
		t.Fatal("trail visible before the event is durable")
	}
	res.Abort()
	if len(e.store.All()) != 0 {
		t.Fatal("aborted trail stored")
	}
	e.reopen()
	if len(e.store.All()) != 0 {
		t.Fatal("aborted trail persisted")
	}
	e.create("us-east-1", "main", nil) // the store is free again
}

func TestTrailsPersistAcrossReopen(t *testing.T) {
	e := newTrailEnv(t)
	created := e.create("us-east-1", "main", map[string]any{"IsMultiRegionTrail": true, "TagsList": []map[string]string{{"Key": "a", "Value": "b"}}})
	e.ok("us-east-1", "StartLogging", map[string]any{"Name": "main"}, nil)
	before, _ := e.store.Get(acct, created.TrailARN)
	e.reopen()
	var got struct{ Trail trailShape }
	e.ok("eu-west-1", "GetTrail", map[string]any{"Name": "main"}, &got)
	if got.Trail.TrailARN != created.TrailARN || !got.Trail.IsMultiRegionTrail || got.Trail.HomeRegion != "us-east-1" {
		t.Fatalf("after reopen %+v", got.Trail)
	}
	after, _ := e.store.Get(acct, created.TrailARN)
	if after.ID != before.ID || !after.IsLogging() || len(after.Tags) != 1 {
		t.Fatalf("after reopen %+v", after)
	}
}
