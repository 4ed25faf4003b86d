package node

import (
	"testing"

	"github.com/cairn-audit/cairn/internal/event"
	"github.com/cairn-audit/cairn/internal/settle"
)

// Every staged CloudTrail call reaches the store that committed it; tag
// calls by the resource their record names.
func TestCloudTrailCallOwners(t *testing.T) {
	owners := map[string]func(*event.Meta) bool{
		"trail":   cloudTrailCall(trailStoreCalls, "AWS::CloudTrail::Trail"),
		"channel": cloudTrailCall(channelStoreCalls, "AWS::CloudTrail::Channel"),
		"eds":     cloudTrailCall(edsStoreCalls, "AWS::CloudTrail::EventDataStore"),
		"queries": cloudTrailCall(map[string]bool{"StartQuery": true, "CancelQuery": true}, ""),
		"s3obj":   s3Call("PutObject", "DeleteObjects"),
	}
	meta := func(source, name, resType string) *event.Meta {
		m := &event.Meta{EventSource: source, EventName: name}
		if resType != "" {
			m.Resources = []event.ResourceRef{{Type: resType, Name: "x"}}
		}
		return m
	}
	ct := "cloudtrail.amazonaws.com"
	for _, c := range []struct {
		m    *event.Meta
		want string
	}{
		{meta(ct, "CreateTrail", ""), "trail"},
		{meta(ct, "AddTags", "AWS::CloudTrail::Trail"), "trail"},
		{meta(ct, "AddTags", "AWS::CloudTrail::Channel"), "channel"},
		{meta(ct, "RemoveTags", "AWS::CloudTrail::EventDataStore"), "eds"},
		{meta(ct, "PutResourcePolicy", "AWS::CloudTrail::Channel"), "channel"},
		{meta(ct, "PutEventConfiguration", "AWS::CloudTrail::Trail"), "trail"},
		{meta(ct, "PutEventConfiguration", "AWS::CloudTrail::EventDataStore"), "eds"},
		{meta(ct, "StopEventDataStoreIngestion", ""), "eds"},
		{meta(ct, "CancelQuery", "AWS::CloudTrail::EventDataStore"), "queries"},
		{meta("s3.amazonaws.com", "DeleteObjects", ""), "s3obj"},
		{meta(ct, "PutObject", ""), ""},
		{meta(ct, "LookupEvents", ""), ""},
	} {
		var got []string
		for name, owns := range owners {
			if owns(c.m) {
				got = append(got, name)
			}
		}
		if c.want == "" && len(got) != 0 || c.want != "" && (len(got) != 1 || got[0] != c.want) {
			t.Errorf("%s %s (%v): owners %v, want %q", c.m.EventSource, c.m.EventName, c.m.Resources, got, c.want)
		}
	}
	// A store that knows the seq was not applied turns the record into a failure.
	e := &event.Entry{Seq: 7, Meta: *meta(ct, "CreateChannel", "AWS::CloudTrail::Channel")}
	m, _ := settle.Resolve(e, []settle.Owner{{Name: "channel store", Owns: owners["channel"], Checker: settle.BySeq(func(uint64) (bool, bool) { return false, true })}})
	if m.Outcome != event.Aborted {
		t.Fatalf("outcome %v, want aborted", m.Outcome)
	}
}
