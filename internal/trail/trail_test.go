package trail

import (
	"testing"
	"time"

	"github.com/cairn-audit/cairn/internal/selector"
)

var t0 = time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)

func TestWindows(t *testing.T) {
	var tr Trail
	if tr.IsLogging() || !tr.StartLoggingTime().IsZero() || !tr.StopLoggingTime().IsZero() || tr.Logs(1) {
		t.Fatalf("fresh trail: %+v", tr)
	}
	if tr.StopLogging(3, t0) {
		t.Fatal("stopped a trail that was not logging")
	}
	if !tr.StartLogging(10, t0) || tr.StartLogging(11, t0.Add(time.Minute)) {
		t.Fatal("start / idempotent restart")
	}
	if !tr.IsLogging() || !tr.StartLoggingTime().Equal(t0) || !tr.StopLoggingTime().IsZero() {
		t.Fatalf("after start: %+v", tr.Windows)
	}
	if !tr.StopLogging(20, t0.Add(time.Hour)) || tr.IsLogging() || !tr.StopLoggingTime().Equal(t0.Add(time.Hour)) {
		t.Fatalf("after stop: %+v", tr.Windows)
	}
	tr.StartLogging(30, t0.Add(2*time.Hour))
	if !tr.IsLogging() || !tr.StartLoggingTime().Equal(t0.Add(2*time.Hour)) || !tr.StopLoggingTime().Equal(t0.Add(time.Hour)) {
		t.Fatalf("restart keeps the last stop time: %+v", tr.Windows)
	}
	for seq, want := range map[uint64]bool{1: false, 9: false, 10: true, 15: true, 20: true, 21: false, 29: false, 30: true, 1 << 40: true} {
		if got := tr.Logs(seq); got != want {
			t.Errorf("Logs(%d) = %v, want %v", seq, got, want)
		}
	}
}

func TestReceivesRegion(t *testing.T) {
	single := func(home string, global bool) Trail {
		return Trail{HomeRegion: home, IncludeGlobalServiceEvents: global}
	}
	multi := func(home string, global bool) Trail {
		return Trail{HomeRegion: home, IncludeGlobalServiceEvents: global, IsMultiRegionTrail: true}
	}
	cases := []struct {
		name   string
		t      Trail
		region string
		global bool
		want   bool
	}{
		{"single home", single("eu-west-1", true), "eu-west-1", false, true},
		{"single other region", single("eu-west-1", true), "us-east-1", false, false},
		{"single us-east-1 global", single("us-east-1", true), "us-east-1", true, true},
		{"single us-east-1 global excluded", single("us-east-1", false), "us-east-1", true, false},
		{"single elsewhere never global", single("eu-west-1", true), "us-east-1", true, false},
		{"single elsewhere global in own region", single("eu-west-1", true), "eu-west-1", true, false},
		{"multi any region", multi("eu-west-1", true), "ap-south-1", false, true},
		{"multi global", multi("eu-west-1", true), "us-east-1", true, true},
		{"multi global excluded", multi("eu-west-1", false), "us-east-1", true, false},
		{"multi regional without global", multi("eu-west-1", false), "us-west-2", false, true},
	}
	for _, c := range cases {
		if got := c.t.ReceivesRegion(c.region, c.global); got != c.want {
			t.Errorf("%s: ReceivesRegion(%s, %v) = %v, want %v", c.name, c.region, c.global, got, c.want)
		}
	}
}

func TestCloneIsDeep(t *testing.T) {
	yes := true
	tr := Trail{Tags: []Tag{{"k", "v"}}, Windows: []Window{{Start: 1}},
		Selectors:        selector.Set{Basic: []selector.EventSelector{{IncludeManagementEvents: &yes, DataResources: []selector.DataResource{{Type: "AWS::S3::Object", Values: []string{"a"}}}}}},
		InsightSelectors: []InsightSelector{{InsightType: "ApiCallRateInsight", EventCategories: []string{"Management"}}}}
	c := tr.Clone()
	c.Tags[0].Value = "x"
	c.Windows[0].Start = 9
	*c.Selectors.Basic[0].IncludeManagementEvents = false
	c.Selectors.Basic[0].DataResources[0].Values[0] = "b"
	c.InsightSelectors[0].EventCategories[0] = "Data"
	if tr.Tags[0].Value != "v" || tr.Windows[0].Start != 1 || !*tr.Selectors.Basic[0].IncludeManagementEvents ||
		tr.Selectors.Basic[0].DataResources[0].Values[0] != "a" || tr.InsightSelectors[0].EventCategories[0] != "Management" {
		t.Fatalf("clone shares memory: %+v", tr)
	}
}

func TestARNAndID(t *testing.T) {
	if got := ARN("eu-west-1", "123456789012", "main"); got != "arn:aws:cloudtrail:eu-west-1:123456789012:trail/main" {
		t.Fatal(got)
	}
	a, b := NewID(), NewID()
	if len(a) != 32 || a == b {
		t.Fatalf("ids %q %q", a, b)
	}
}
