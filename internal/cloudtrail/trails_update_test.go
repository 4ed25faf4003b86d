package cloudtrail

import (
	"testing"
)

func TestUpdateTrail(t *testing.T) {
	e := newTrailEnv(t)
	e.create("us-east-1", "main", map[string]any{"S3KeyPrefix": "old", "SnsTopicName": "alerts"})
	puts := e.buckets.puts
	var out trailShape
	res := e.ok("us-east-1", "UpdateTrail", map[string]any{"Name": "main", "EnableLogFileValidation": true}, &out)
	if !out.LogFileValidationEnabled || out.S3KeyPrefix != "old" || out.SnsTopicName != "alerts" || out.HomeRegion != "" {
		t.Fatalf("unspecified members must keep their values: %+v", out)
	}
	if e.buckets.puts != puts {
		t.Fatal("bucket re-checked although neither bucket nor prefix changed")
	}
	if jsonString(t, res.RequestParameters) != `{"enableLogFileValidation":true,"name":"main"}` || res.ResponseElements == nil || len(res.Resources) != 1 {
		t.Fatalf("record %s %v", jsonString(t, res.RequestParameters), res.ResponseElements)
	}
	// Empty strings clear optional members; a new prefix is checked.
	out = trailShape{}
	e.ok("us-east-1", "UpdateTrail", map[string]any{"Name": mainARN, "S3KeyPrefix": "", "SnsTopicName": ""}, &out)
	if out.S3KeyPrefix != "" || out.SnsTopicName != "" || out.SnsTopicARN != "" || e.buckets.puts != puts+1 {
		t.Fatalf("cleared %+v (%d puts)", out, e.buckets.puts-puts)
	}
	e.ok("us-east-1", "UpdateTrail", map[string]any{"Name": "main", "S3BucketName": "shared", "IsMultiRegionTrail": true}, &out)
	if out.S3BucketName != "shared" || !out.IsMultiRegionTrail {
		t.Fatalf("updated %+v", out)
	}
	stored, _ := e.store.Get(acct, mainARN)
	if stored.S3BucketName != "shared" || !stored.IsMultiRegionTrail || !stored.LogFileValidationEnabled {
		t.Fatalf("stored %+v", stored)
	}

	cases := []struct {
		region string
		body   map[string]any
		code   string
	}{
		{"eu-west-1", map[string]any{"Name": "main", "EnableLogFileValidation": false}, "InvalidHomeRegionException"},
		{"eu-west-1", map[string]any{"Name": mainARN}, "InvalidHomeRegionException"},
		{"us-east-1", map[string]any{"Name": "nope"}, "TrailNotFoundException"},
		{"us-east-1", map[string]any{"Name": "arn:aws:cloudtrail:us-east-1:111111111111:trail"}, "CloudTrailARNInvalidException"},
		{"us-east-1", map[string]any{"Name": "no"}, "InvalidTrailNameException"},
		{"us-east-1", map[string]any{"Name": "main", "IncludeGlobalServiceEvents": false}, "InvalidParameterCombinationException"},
		{"us-east-1", map[string]any{"Name": "main", "S3BucketName": ""}, "InvalidS3BucketNameException"},
		{"us-east-1", map[string]any{"Name": "main", "S3BucketName": "nope"}, "S3BucketDoesNotExistException"},
		{"us-east-1", map[string]any{"Name": "main", "S3BucketName": "theirs"}, "InsufficientS3BucketPolicyException"},
		{"us-east-1", map[string]any{"Name": "main", "S3KeyPrefix": "/bad"}, "InvalidS3PrefixException"},
		{"us-east-1", map[string]any{"Name": "main", "SnsTopicName": "unknown"}, "InsufficientSnsTopicPolicyException"},
		{"us-east-1", map[string]any{"Name": "main", "KmsKeyId": "alias/x"}, "KmsKeyNotFoundException"},
		{"us-east-1", map[string]any{"Name": "main", "KmsKeyId": "key"}, "InvalidKmsKeyIdException"},
		{"us-east-1", map[string]any{"Name": "main", "IsOrganizationTrail": true}, "OrganizationsNotInUseException"},
		{"us-east-1", map[string]any{"Name": "main", "CloudWatchLogsRoleArn": "arn:aws:iam::111111111111:role/x"}, "InvalidParameterCombinationException"},
	}
	for _, c := range cases {
		e.fails(c.region, "UpdateTrail", c.body, c.code)
	}
	after, _ := e.store.Get(acct, mainARN)
	if after.S3BucketName != "shared" || !after.IncludeGlobalServiceEvents || after.KmsKeyId != "" {
		t.Fatalf("failed updates changed the trail: %+v", after)
	}
	// Clearing settings that are not set, and turning organization trails off, is fine.
	e.ok("us-east-1", "UpdateTrail", map[string]any{"Name": "main", "KmsKeyId": "", "IsOrganizationTrail": false,
		"CloudWatchLogsLogGroupArn": "", "CloudWatchLogsRoleArn": ""}, nil)
}

func TestUpdateTrailToMultiRegionNameClash(t *testing.T) {
	e := newTrailEnv(t)
	e.create("us-east-1", "main", nil)
	e.create("eu-west-1", "main", nil)
	e.fails("us-east-1", "UpdateTrail", map[string]any{"Name": "main", "IsMultiRegionTrail": true}, "TrailAlreadyExistsException")
}

func TestUpdateTrailAbort(t *testing.T) {
	e := newTrailEnv(t)
	e.create("us-east-1", "main", nil)
	res := e.handle(acct, "us-east-1", "UpdateTrail", map[string]any{"Name": "main", "EnableLogFileValidation": true})
	if res.ErrorCode != "" {
		t.Fatal(res.ErrorMessage)
	}
	res.Abort()
	if tr, _ := e.store.Get(acct, mainARN); tr.LogFileValidationEnabled {
		t.Fatal("aborted update applied")
	}
}

func TestDeleteTrail(t *testing.T) {
	e := newTrailEnv(t)
	e.create("us-east-1", "main", map[string]any{"IsMultiRegionTrail": true})
	e.fails("eu-west-1", "DeleteTrail", map[string]any{"Name": "main"}, "InvalidHomeRegionException")
	e.fails("eu-west-1", "DeleteTrail", map[string]any{"Name": mainARN}, "InvalidHomeRegionException")
	e.fails("us-east-1", "DeleteTrail", map[string]any{"Name": "nope"}, "TrailNotFoundException")
	res := e.handle(acct, "us-east-1", "DeleteTrail", map[string]any{"Name": "main"})
	res.Abort()
	if _, ok := e.store.Get(acct, mainARN); !ok {
		t.Fatal("aborted delete applied")
	}
	res = e.ok("us-east-1", "DeleteTrail", map[string]any{"Name": mainARN}, nil)
	if string(res.Body) != `{}` || res.ResponseElements != nil || res.ReadOnly || len(res.Resources) != 1 || res.Resources[0].Name != "main" {
		t.Fatalf("DeleteTrail result %s %v %+v", res.Body, res.ResponseElements, res.Resources)
	}
	if _, ok := e.store.Get(acct, mainARN); ok {
		t.Fatal("trail still there")
	}
	e.fails("us-east-1", "GetTrail", map[string]any{"Name": "main"}, "TrailNotFoundException")
	// The name is free again, for a new trail with a new ID.
	e.create("us-east-1", "main", nil)
}

func TestTrailOperationsWithoutStore(t *testing.T) {
	s := newTestService(t, fill(t, 1), 0)
	for op, o := range operationTable {
		if o.part != partTrails && o.part != partTags {
			continue
		}
		res := s.Handle(t.Context(), call("111111111111", op, map[string]any{}))
		if res.ErrorCode != "UnsupportedOperationException" {
			t.Errorf("%s without a trail store: %s", op, res.ErrorCode)
		}
	}
}
