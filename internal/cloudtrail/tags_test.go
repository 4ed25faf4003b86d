package cloudtrail

import (
	"fmt"
	"testing"
)

type tagListOut struct {
	ResourceTagList []struct {
		ResourceId string
		TagsList   []map[string]string
	}
}

func TestTags(t *testing.T) {
	e := twoRegions(t)
	res := e.ok("us-east-1", "AddTags", map[string]any{"ResourceId": mainARN, "TagsList": []map[string]string{{"Key": "team", "Value": "sec"}, {"Key": "bare"}}}, nil)
	if string(res.Body) != `{}` || res.ReadOnly || res.ResponseElements != nil || len(res.Resources) != 1 ||
		jsonString(t, res.RequestParameters) != `{"resourceId":"`+mainARN+`","tagsList":[{"key":"team","value":"sec"},{"key":"bare"}]}` {
		t.Fatalf("AddTags result %s %s", res.Body, jsonString(t, res.RequestParameters))
	}
	e.ok("us-east-1", "AddTags", map[string]any{"ResourceId": mainARN, "TagsList": []map[string]string{{"Key": "team", "Value": "ops"}}}, nil)
	e.ok("eu-west-1", "AddTags", map[string]any{"ResourceId": localARN, "TagsList": []map[string]string{{"Key": "x", "Value": "y"}}}, nil)
	res = e.ok("eu-west-1", "ListTags", map[string]any{"ResourceIdList": []string{mainARN, localARN}}, nil)
	want := `{"ResourceTagList":[{"ResourceId":"` + mainARN + `","TagsList":[{"Key":"team","Value":"ops"},{"Key":"bare"}]},{"ResourceId":"` + localARN + `","TagsList":[{"Key":"x","Value":"y"}]}]}`
	if string(res.Body) != want || !res.ReadOnly {
		t.Fatalf("ListTags\n%s\nwant\n%s", res.Body, want)
	}
	e.ok("us-east-1", "RemoveTags", map[string]any{"ResourceId": mainARN, "TagsList": []map[string]string{{"Key": "team", "Value": "whatever"}, {"Key": "absent"}}}, nil)
	var out tagListOut
	e.ok("us-east-1", "ListTags", map[string]any{"ResourceIdList": []string{mainARN}}, &out)
	if len(out.ResourceTagList) != 1 || len(out.ResourceTagList[0].TagsList) != 1 || out.ResourceTagList[0].TagsList[0]["Key"] != "bare" {
		t.Fatalf("after RemoveTags %+v", out)
	}
	e.ok("us-east-1", "RemoveTags", map[string]any{"ResourceId": mainARN, "TagsList": []map[string]string{{"Key": "bare"}}}, nil)
	res = e.ok("us-east-1", "ListTags", map[string]any{"ResourceIdList": []string{mainARN}}, nil)
	if string(res.Body) != `{"ResourceTagList":[{"ResourceId":"`+mainARN+`","TagsList":[]}]}` {
		t.Fatalf("untagged %s", res.Body)
	}
}

func TestTagsErrors(t *testing.T) {
	e := twoRegions(t)
	var fifty []map[string]string
	for i := range 50 {
		fifty = append(fifty, map[string]string{"Key": fmt.Sprintf("k%d", i)})
	}
	e.ok("us-east-1", "AddTags", map[string]any{"ResourceId": mainARN, "TagsList": fifty}, nil)
	e.ok("us-east-1", "AddTags", map[string]any{"ResourceId": mainARN, "TagsList": fifty[:3]}, nil) // overwrites: still 50
	e.fails("us-east-1", "AddTags", map[string]any{"ResourceId": mainARN, "TagsList": []map[string]string{{"Key": "one-more"}}}, "TagsLimitExceededException")
	var twentyOne []string
	for range 21 {
		twentyOne = append(twentyOne, mainARN)
	}
	cases := []struct {
		region, op string
		body       map[string]any
		code       string
	}{
		{"us-east-1", "AddTags", map[string]any{"ResourceId": "arn:aws:cloudtrail:us-east-1:111111111111:trail/nope", "TagsList": fifty[:1]}, "ResourceNotFoundException"},
		{"us-east-1", "AddTags", map[string]any{"ResourceId": "arn:aws:cloudtrail:us-east-1:222222222222:trail/main", "TagsList": fifty[:1]}, "ResourceNotFoundException"},
		{"us-east-1", "AddTags", map[string]any{"ResourceId": "arn:aws:cloudtrail:us-east-1:111111111111:eventdatastore/abc", "TagsList": fifty[:1]}, "ResourceTypeNotSupportedException"},
		{"us-east-1", "AddTags", map[string]any{"ResourceId": "arn:aws:cloudtrail:us-east-1:111111111111:channel/abc", "TagsList": fifty[:1]}, "ResourceTypeNotSupportedException"},
		{"us-east-1", "AddTags", map[string]any{"ResourceId": "main", "TagsList": fifty[:1]}, "CloudTrailARNInvalidException"},
		{"us-east-1", "AddTags", map[string]any{"ResourceId": "arn:aws:s3:::bucket", "TagsList": fifty[:1]}, "CloudTrailARNInvalidException"},
		{"eu-west-1", "AddTags", map[string]any{"ResourceId": mainARN, "TagsList": fifty[:1]}, "InvalidHomeRegionException"},
		{"us-east-1", "AddTags", map[string]any{"ResourceId": mainARN, "TagsList": []map[string]string{{"Key": ""}}}, "InvalidTagParameterException"},
		{"us-east-1", "AddTags", map[string]any{"ResourceId": mainARN, "TagsList": []map[string]string{{"Key": "a", "Value": "bad|char"}}}, "InvalidTagParameterException"},
		{"us-east-1", "RemoveTags", map[string]any{"ResourceId": "arn:aws:cloudtrail:us-east-1:111111111111:trail/nope", "TagsList": fifty[:1]}, "ResourceNotFoundException"},
		{"eu-west-1", "RemoveTags", map[string]any{"ResourceId": mainARN, "TagsList": fifty[:1]}, "InvalidHomeRegionException"},
		{"us-east-1", "ListTags", map[string]any{"ResourceIdList": twentyOne}, "InvalidParameterException"},
		{"us-east-1", "ListTags", map[string]any{"ResourceIdList": []string{}}, "InvalidParameterException"},
		{"us-east-1", "ListTags", map[string]any{"ResourceIdList": []string{"arn:aws:cloudtrail:us-east-1:111111111111:trail/nope"}}, "ResourceNotFoundException"},
		{"us-east-1", "ListTags", map[string]any{"ResourceIdList": []string{localARN}}, "ResourceNotFoundException"},
		{"us-east-1", "ListTags", map[string]any{"ResourceIdList": []string{"arn:aws:cloudtrail:us-east-1:111111111111:dashboard/d"}}, "ResourceTypeNotSupportedException"},
		{"us-east-1", "ListTags", map[string]any{"ResourceIdList": []string{mainARN}, "NextToken": "x"}, "InvalidTokenException"},
	}
	for _, c := range cases {
		e.fails(c.region, c.op, c.body, c.code)
	}
	var out tagListOut
	e.ok("us-east-1", "ListTags", map[string]any{"ResourceIdList": []string{mainARN}}, &out)
	if n := len(out.ResourceTagList[0].TagsList); n != 50 {
		t.Fatalf("%d tags", n)
	}
}
