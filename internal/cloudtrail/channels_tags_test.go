package cloudtrail

import (
	"fmt"
	"testing"
)

func TestChannelTags(t *testing.T) {
	e := newChannelEnv(t)
	arn := e.createChannel("us-east-1", "app")
	trailARN := e.create("us-east-1", "main", map[string]any{"TagsList": []map[string]string{{"Key": "kind", "Value": "trail"}}}).TrailARN
	e.ok("us-east-1", "AddTags", map[string]any{"ResourceId": arn, "TagsList": []map[string]string{{"Key": "team", "Value": "sec"}, {"Key": "env"}}}, nil)
	e.ok("us-east-1", "AddTags", map[string]any{"ResourceId": arn, "TagsList": []map[string]string{{"Key": "team", "Value": "ops"}}}, nil)
	var out struct {
		ResourceTagList []resourceTag
	}
	res := e.ok("us-east-1", "ListTags", map[string]any{"ResourceIdList": []string{arn, trailARN}}, &out)
	want := fmt.Sprintf(`{"ResourceTagList":[{"ResourceId":%q,"TagsList":[{"Key":"team","Value":"ops"},{"Key":"env"}]},{"ResourceId":%q,"TagsList":[{"Key":"kind","Value":"trail"}]}]}`, arn, trailARN)
	if string(res.Body) != want {
		t.Fatalf("ListTags\n%s\nwant\n%s", res.Body, want)
	}
	e.ok("us-east-1", "RemoveTags", map[string]any{"ResourceId": arn, "TagsList": []map[string]string{{"Key": "team"}, {"Key": "absent"}}}, nil)
	if ch, _ := e.channels.Get(arn); len(ch.Tags) != 1 || ch.Tags[0].Key != "env" {
		t.Fatalf("tags after RemoveTags %+v", ch.Tags)
	}
	many := make([]map[string]string, 50)
	for i := range many {
		many[i] = map[string]string{"Key": fmt.Sprintf("k%d", i)}
	}
	e.fails("us-east-1", "AddTags", map[string]any{"ResourceId": arn, "TagsList": many}, "TagsLimitExceededException")
	e.fails("us-east-1", "AddTags", map[string]any{"ResourceId": arn, "TagsList": []map[string]string{{"Key": "aws:x"}}}, "InvalidTagParameterException")
	unknown := "arn:aws:cloudtrail:us-east-1:111111111111:channel/0b3c1e3a-1111-4000-8000-000000000001"
	e.fails("us-east-1", "AddTags", map[string]any{"ResourceId": unknown, "TagsList": many[:1]}, "ChannelNotFoundException")
	e.fails("us-east-1", "AddTags", map[string]any{"ResourceId": "arn:aws:cloudtrail:us-east-1:1:channel/x", "TagsList": many[:1]}, "ChannelARNInvalidException")
	e.fails("us-east-1", "ListTags", map[string]any{"ResourceIdList": []string{unknown}}, "ResourceNotFoundException")
	e.fails("eu-west-1", "ListTags", map[string]any{"ResourceIdList": []string{arn}}, "ResourceNotFoundException")
	// Trails alone still take the trail path.
	e.ok("us-east-1", "ListTags", map[string]any{"ResourceIdList": []string{trailARN}}, nil)
}
