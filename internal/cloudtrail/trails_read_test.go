package cloudtrail

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
)

const (
	mainARN  = "arn:aws:cloudtrail:us-east-1:111111111111:trail/main"
	localARN = "arn:aws:cloudtrail:eu-west-1:111111111111:trail/local"
)

// twoRegions sets up a multi-region trail "main" homed in us-east-1 and a
// single-region trail "local" in eu-west-1.
func twoRegions(t *testing.T) *trailEnv {
	e := newTrailEnv(t)
	e.create("us-east-1", "main", map[string]any{"IsMultiRegionTrail": true, "S3KeyPrefix": "p"})
	e.create("eu-west-1", "local", nil)
	return e
}

func TestGetTrail(t *testing.T) {
	e := twoRegions(t)
	var out struct{ Trail trailShape }
	res := e.ok("us-east-1", "GetTrail", map[string]any{"Name": "main"}, &out)
	want := `{"Trail":{"Name":"main","S3BucketName":"logs","S3KeyPrefix":"p","IncludeGlobalServiceEvents":true,"IsMultiRegionTrail":true,"HomeRegion":"us-east-1","TrailARN":"` + mainARN + `","LogFileValidationEnabled":false,"HasCustomEventSelectors":false,"HasInsightSelectors":false,"IsOrganizationTrail":false}}`
	if string(res.Body) != want {
		t.Fatalf("GetTrail\n%s\nwant\n%s", res.Body, want)
	}
	if !res.ReadOnly || res.ResponseElements != nil || jsonString(t, res.RequestParameters) != `{"name":"main"}` || len(res.Resources) != 1 {
		t.Fatalf("record: readOnly %v responseElements %v params %s resources %v", res.ReadOnly, res.ResponseElements, jsonString(t, res.RequestParameters), res.Resources)
	}
	// The shadow is visible under its name from every region, and by ARN.
	e.ok("ap-south-1", "GetTrail", map[string]any{"Name": "main"}, &out)
	if out.Trail.HomeRegion != "us-east-1" {
		t.Fatalf("shadow %+v", out.Trail)
	}
	e.ok("ap-south-1", "GetTrail", map[string]any{"Name": mainARN}, &out)
	// A single-region trail: by name only in its region, by ARN from anywhere.
	e.fails("us-east-1", "GetTrail", map[string]any{"Name": "local"}, "TrailNotFoundException")
	e.ok("us-east-1", "GetTrail", map[string]any{"Name": localARN}, &out)
	if out.Trail.Name != "local" || out.Trail.HomeRegion != "eu-west-1" {
		t.Fatalf("by ARN %+v", out.Trail)
	}
	msg := e.fails("us-east-1", "GetTrail", map[string]any{"Name": "nope"}, "TrailNotFoundException")
	if msg != "Unknown trail: nope for the user: 111111111111" {
		t.Fatal(msg)
	}
	e.fails("us-east-1", "GetTrail", map[string]any{"Name": "arn:aws:cloudtrail:us-east-1:111111111111:trail/nope"}, "TrailNotFoundException")
	e.fails("us-east-1", "GetTrail", map[string]any{"Name": "arn:aws:cloudtrail:us-east-1:111111111111:channel/x"}, "CloudTrailARNInvalidException")
	e.fails("us-east-1", "GetTrail", map[string]any{"Name": "arn:aws:s3:::bucket"}, "CloudTrailARNInvalidException")
	e.fails("us-east-1", "GetTrail", map[string]any{"Name": "arn:aws:cloudtrail:us-east-1:111111111111:trail/a--b"}, "CloudTrailARNInvalidException")
	e.fails("us-east-1", "GetTrail", map[string]any{"Name": "x"}, "InvalidTrailNameException")
	e.fails("us-east-1", "GetTrail", map[string]any{}, "InvalidTrailNameException")
	// Other accounts see nothing.
	if res := e.doAs(other, "us-east-1", "GetTrail", map[string]any{"Name": mainARN}); res.ErrorCode != "TrailNotFoundException" {
		t.Fatalf("other account: %s", res.ErrorCode)
	}
}

func describe(t *testing.T, e *trailEnv, region string, body any) []string {
	t.Helper()
	var out struct {
		TrailList []trailShape `json:"trailList"`
	}
	res := e.ok(region, "DescribeTrails", body, &out)
	if !strings.HasPrefix(string(res.Body), `{"trailList":[`) {
		t.Fatalf("body %s", res.Body)
	}
	var names []string
	for _, tr := range out.TrailList {
		if tr.HomeRegion == "" || tr.HasCustomEventSelectors == nil || tr.HasInsightSelectors == nil {
			t.Fatalf("trail shape %+v", tr)
		}
		names = append(names, tr.Name+"@"+tr.HomeRegion)
	}
	return names
}

func TestDescribeTrails(t *testing.T) {
	e := twoRegions(t)
	cases := []struct {
		region string
		body   any
		want   string
	}{
		{"eu-west-1", map[string]any{}, "local@eu-west-1,main@us-east-1"},
		{"eu-west-1", nil, "local@eu-west-1,main@us-east-1"},
		{"eu-west-1", map[string]any{"includeShadowTrails": false}, "local@eu-west-1"},
		{"us-east-1", map[string]any{}, "main@us-east-1"},
		{"us-east-1", map[string]any{"includeShadowTrails": false}, "main@us-east-1"},
		{"ap-south-1", map[string]any{"includeShadowTrails": true}, "main@us-east-1"},
		{"ap-south-1", map[string]any{"includeShadowTrails": false}, ""},
		{"us-east-1", map[string]any{"trailNameList": []string{"main", "local", "nope"}}, "main@us-east-1"},
		{"us-east-1", map[string]any{"trailNameList": []string{localARN, mainARN, "main"}}, "local@eu-west-1,main@us-east-1"},
		{"eu-west-1", map[string]any{"trailNameList": []string{"main"}, "includeShadowTrails": false}, ""},
		{"eu-west-1", map[string]any{"trailNameList": []string{"arn:aws:cloudtrail:eu-west-1:111111111111:trail/gone"}}, ""},
	}
	for _, c := range cases {
		if got := strings.Join(describe(t, e, c.region, c.body), ","); got != c.want {
			t.Errorf("DescribeTrails in %s %v: %q, want %q", c.region, c.body, got, c.want)
		}
	}
	e.fails("us-east-1", "DescribeTrails", map[string]any{"trailNameList": []string{"a"}}, "InvalidTrailNameException")
	e.fails("us-east-1", "DescribeTrails", map[string]any{"trailNameList": []string{"arn:aws:cloudtrail:bad"}}, "CloudTrailARNInvalidException")
	res := e.do("us-east-1", "DescribeTrails", map[string]any{"trailNameList": []string{"main"}})
	if !res.ReadOnly || jsonString(t, res.RequestParameters) != `{"trailNameList":["main"]}` {
		t.Fatalf("record %v %s", res.ReadOnly, jsonString(t, res.RequestParameters))
	}
	if got := describe(t, e, "us-east-1", map[string]any{}); len(got) != 1 {
		t.Fatal(got)
	}
}

type listOut struct {
	Trails    []trailInfo
	NextToken string
}

func TestListTrails(t *testing.T) {
	e := twoRegions(t)
	for _, region := range []string{"us-east-1", "eu-west-1", "ap-south-1"} {
		var out listOut
		e.ok(region, "ListTrails", map[string]any{}, &out)
		if len(out.Trails) != 2 || out.Trails[0] != (trailInfo{localARN, "local", "eu-west-1"}) || out.Trails[1] != (trailInfo{mainARN, "main", "us-east-1"}) || out.NextToken != "" {
			t.Fatalf("ListTrails in %s: %+v", region, out)
		}
	}
	if res := e.doAs(other, "us-east-1", "ListTrails", nil); string(res.Body) != `{"Trails":[]}` {
		t.Fatalf("other account %s", res.Body)
	}
	e.fails("us-east-1", "ListTrails", map[string]any{"NextToken": "junk"}, "InvalidNextTokenException")
}

func TestListTrailsPages(t *testing.T) {
	defer func(n int) { listTrailsPageSize = n }(listTrailsPageSize)
	listTrailsPageSize = 2
	e := newTrailEnv(t)
	// Oldest first; trails created at the same millisecond by ARN.
	want := []string{"t00", "t01", "t02", "t06", "t04", "t05", "t03"}
	for i, region := range []string{"us-east-1", "us-east-2", "us-west-1", "us-west-2", "eu-west-1", "eu-west-2", "eu-central-1"} {
		now := testNow
		if i >= 3 { // several trails created in the same millisecond
			now = testNow.Add(time.Second)
		}
		c := trailCall(acct, region, "CreateTrail", map[string]any{"Name": fmt.Sprintf("t%02d", i), "S3BucketName": "logs"})
		c.Time = now
		res := e.s.Handle(t.Context(), c)
		if res.ErrorCode != "" {
			t.Fatal(res.ErrorMessage)
		}
		if err := res.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	var got []string
	tok := ""
	for pages := 0; ; pages++ {
		body := map[string]any{}
		if tok != "" {
			body["NextToken"] = tok
		}
		var out listOut
		e.ok("us-east-1", "ListTrails", body, &out)
		for _, tr := range out.Trails {
			got = append(got, tr.Name)
		}
		if out.NextToken == "" {
			break
		}
		tok = out.NextToken
		if pages > 10 {
			t.Fatal("pagination does not end")
		}
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("pages gave %v, want %v", got, want)
	}
	// Tokens are bound to the account.
	b, _ := json.Marshal(map[string]any{"NextToken": tok})
	c := trailCall(other, "us-east-1", "ListTrails", nil)
	c.Body = b
	if res := e.s.Handle(t.Context(), c); tok != "" && res.ErrorCode != "InvalidNextTokenException" {
		t.Fatalf("token of another account: %s", res.ErrorCode)
	}
}
