package cloudtrail

import (
	"fmt"
	"testing"

	"github.com/cairn-audit/cairn/internal/lake"
)

func TestEventDataStoreTags(t *testing.T) {
	e := newEDSEnv(t)
	arn := e.createEDS("us-east-1", "store", map[string]any{"TagsList": []map[string]string{{"Key": "kind", "Value": "eds"}}, "TerminationProtectionEnabled": false})
	auditARN := e.auditStore("us-east-1", "audit")
	var ch struct{ ChannelArn string }
	e.ok("us-east-1", "CreateChannel", map[string]any{"Name": "app", "Source": "Custom", "Tags": []map[string]string{{"Key": "kind", "Value": "channel"}},
		"Destinations": []map[string]string{{"Type": "EVENT_DATA_STORE", "Location": auditARN}}}, &ch)
	trailARN := e.create("us-east-1", "main", map[string]any{"TagsList": []map[string]string{{"Key": "kind", "Value": "trail"}}}).TrailARN

	res := e.ok("us-east-1", "AddTags", map[string]any{"ResourceId": arn, "TagsList": []map[string]string{{"Key": "team", "Value": "sec"}, {"Key": "kind", "Value": "store"}}}, nil)
	if string(res.Body) != "{}" || res.Resources[0].ARN != arn || res.Resources[0].Type != "AWS::CloudTrail::EventDataStore" {
		t.Fatalf("AddTags %s %+v", res.Body, res.Resources)
	}
	res = e.ok("us-east-1", "ListTags", map[string]any{"ResourceIdList": []string{arn, ch.ChannelArn, trailARN}}, nil)
	want := fmt.Sprintf(`{"ResourceTagList":[{"ResourceId":%q,"TagsList":[{"Key":"kind","Value":"store"},{"Key":"team","Value":"sec"}]},{"ResourceId":%q,"TagsList":[{"Key":"kind","Value":"channel"}]},{"ResourceId":%q,"TagsList":[{"Key":"kind","Value":"trail"}]}]}`, arn, ch.ChannelArn, trailARN)
	if string(res.Body) != want {
		t.Fatalf("ListTags\n%s\nwant\n%s", res.Body, want)
	}
	e.ok("us-east-1", "RemoveTags", map[string]any{"ResourceId": arn, "TagsList": []map[string]string{{"Key": "kind"}, {"Key": "absent"}}}, nil)
	if st := e.get(arn); len(st.Tags) != 1 || st.Tags[0] != (lake.Tag{Key: "team", Value: "sec"}) {
		t.Fatalf("tags after RemoveTags %+v", st.Tags)
	}

	many := make([]map[string]string, 50)
	for i := range many {
		many[i] = map[string]string{"Key": fmt.Sprintf("k%d", i)}
	}
	e.fails("us-east-1", "AddTags", map[string]any{"ResourceId": arn, "TagsList": many}, "TagsLimitExceededException")
	e.fails("us-east-1", "AddTags", map[string]any{"ResourceId": arn, "TagsList": []map[string]string{{"Key": "aws:x"}}}, "InvalidTagParameterException")
	unknown := "arn:aws:cloudtrail:us-east-1:111111111111:eventdatastore/0f3e1c5a-2222-4000-8000-00000000000f"
	e.fails("us-east-1", "AddTags", map[string]any{"ResourceId": unknown, "TagsList": many[:1]}, "EventDataStoreNotFoundException")
	e.fails("us-east-1", "RemoveTags", map[string]any{"ResourceId": "arn:aws:cloudtrail:us-east-1:1:eventdatastore/x", "TagsList": many[:1]}, "EventDataStoreARNInvalidException")
	e.fails("eu-west-1", "AddTags", map[string]any{"ResourceId": arn, "TagsList": many[:1]}, "EventDataStoreNotFoundException")
	e.fails("us-east-1", "ListTags", map[string]any{"ResourceIdList": []string{unknown}}, "ResourceNotFoundException")
	e.fails("eu-west-1", "ListTags", map[string]any{"ResourceIdList": []string{arn}}, "ResourceNotFoundException")
	e.fails("us-east-1", "ListTags", map[string]any{"ResourceIdList": []string{arn}, "NextToken": "x"}, "InvalidTokenException")
	if st := e.get(arn); len(st.Tags) != 1 {
		t.Fatalf("failed calls changed tags: %+v", st.Tags)
	}

	// A store pending deletion is inactive for tags.
	e.ok("us-east-1", "DeleteEventDataStore", map[string]any{"EventDataStore": arn}, nil)
	e.fails("us-east-1", "AddTags", map[string]any{"ResourceId": arn, "TagsList": many[:1]}, "InactiveEventDataStoreException")
	e.fails("us-east-1", "ListTags", map[string]any{"ResourceIdList": []string{trailARN, arn}}, "InactiveEventDataStoreException")
}
