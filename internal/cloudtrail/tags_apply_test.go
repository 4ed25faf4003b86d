package cloudtrail

import (
	"fmt"
	"testing"

	"github.com/cairn-audit/cairn/internal/api"
	"github.com/cairn-audit/cairn/internal/channel"
	"github.com/cairn-audit/cairn/internal/lake"
	"github.com/cairn-audit/cairn/internal/trail"
)

func TestApplyTagsSameForEveryKind(t *testing.T) {
	add := tagChange{op: "AddTags", tags: []trail.Tag{{Key: "a", Value: "2"}, {Key: "c"}}}
	remove := tagChange{op: "RemoveTags", tags: []trail.Tag{{Key: "a", Value: "ignored"}, {Key: "absent"}}}
	got, err := applyTags(add, []channel.Tag{{Key: "a", Value: "1"}, {Key: "b", Value: "x"}}, "arn")
	if err != nil || fmt.Sprint(got) != "[{a 2} {b x} {c }]" {
		t.Fatalf("AddTags on a channel: %v %v", got, err)
	}
	if got, err := applyTags(remove, got, "arn"); err != nil || fmt.Sprint(got) != "[{b x} {c }]" {
		t.Fatalf("RemoveTags on a channel: %v %v", got, err)
	}
	if got, err := applyTags(add, []lake.Tag(nil), "arn"); err != nil || fmt.Sprint(got) != "[{a 2} {c }]" {
		t.Fatalf("AddTags on an event data store: %v %v", got, err)
	}
	full := make([]trail.Tag, maxTagsPerResource)
	for i := range full {
		full[i] = trail.Tag{Key: fmt.Sprint("k", i)}
	}
	if _, err := applyTags(add, full, "arn:x"); err == nil || api.AsError(err).Code != "TagsLimitExceededException" {
		t.Fatalf("AddTags over the limit: %v", err)
	}
	if got, err := applyTags(tagChange{op: "AddTags", tags: full[:2]}, full, "arn:x"); err != nil || len(got) != maxTagsPerResource {
		t.Fatalf("AddTags replacing at the limit: %d %v", len(got), err)
	}
}

func TestNamesTagged(t *testing.T) {
	ch := "arn:aws:cloudtrail:us-east-1:111111111111:channel/abc"
	for body, want := range map[string]bool{
		`{"ResourceId":"` + ch + `"}`:                             true,
		`{"ResourceIdList":["arn:aws:x","` + ch + `"]}`:           true,
		`{"ResourceId":"arn:aws:cloudtrail:us-east-1:1:trail/t"}`: false,
		`not json`: false,
		``:         false,
	} {
		if got := namesTagged([]byte(body), isChannelARN); got != want {
			t.Errorf("namesTagged(%s) = %v", body, got)
		}
	}
}
