package cloudtrail

import (
	"strings"
	"testing"
)

const defaultSelectors = `{"TrailARN":"` + mainARN + `","EventSelectors":[{"ReadWriteType":"All","IncludeManagementEvents":true,"DataResources":[],"ExcludeManagementEventSources":[]}]}`

func TestEventSelectors(t *testing.T) {
	e := newTrailEnv(t)
	e.create("us-east-1", "main", map[string]any{"IsMultiRegionTrail": true})
	res := e.ok("us-east-1", "GetEventSelectors", map[string]any{"TrailName": "main"}, nil)
	if string(res.Body) != defaultSelectors || !res.ReadOnly {
		t.Fatalf("fresh trail\n%s\nwant\n%s", res.Body, defaultSelectors)
	}
	basic := []map[string]any{{"ReadWriteType": "WriteOnly", "DataResources": []map[string]any{{"Type": "AWS::S3::Object", "Values": []string{"arn:aws:s3:::logs/"}}}}}
	res = e.ok("us-east-1", "PutEventSelectors", map[string]any{"TrailName": "main", "EventSelectors": basic}, nil)
	want := `{"TrailARN":"` + mainARN + `","EventSelectors":[{"ReadWriteType":"WriteOnly","IncludeManagementEvents":true,"DataResources":[{"Type":"AWS::S3::Object","Values":["arn:aws:s3:::logs/"]}],"ExcludeManagementEventSources":[]}]}`
	if string(res.Body) != want || res.ReadOnly {
		t.Fatalf("put basic\n%s\nwant\n%s", res.Body, want)
	}
	if got := jsonString(t, res.ResponseElements); !strings.HasPrefix(got, `{"trailARN":"`+mainARN+`","eventSelectors":[{"readWriteType":"WriteOnly","includeManagementEvents":true,"dataResources":[{"type":"AWS::S3::Object"`) {
		t.Fatalf("responseElements %s", got)
	}
	if got := jsonString(t, res.RequestParameters); !strings.Contains(got, `"trailName":"main"`) || !strings.Contains(got, `"readWriteType":"WriteOnly"`) {
		t.Fatalf("requestParameters %s", got)
	}
	if res = e.ok("eu-west-1", "GetEventSelectors", map[string]any{"TrailName": "main"}, nil); string(res.Body) != want {
		t.Fatalf("get from a shadow region %s", res.Body)
	}
	var tr struct{ Trail trailShape }
	e.ok("us-east-1", "GetTrail", map[string]any{"Name": "main"}, &tr)
	if !*tr.Trail.HasCustomEventSelectors {
		t.Fatal("HasCustomEventSelectors still false")
	}
	// Advanced selectors replace the basic ones.
	adv := []map[string]any{{"Name": "mgmt", "FieldSelectors": []map[string]any{{"Field": "eventCategory", "Equals": []string{"Management"}}}}}
	res = e.ok("us-east-1", "PutEventSelectors", map[string]any{"TrailName": mainARN, "AdvancedEventSelectors": adv}, nil)
	wantAdv := `{"TrailARN":"` + mainARN + `","AdvancedEventSelectors":[{"Name":"mgmt","FieldSelectors":[{"Field":"eventCategory","Equals":["Management"]}]}]}`
	if string(res.Body) != wantAdv {
		t.Fatalf("put advanced\n%s\nwant\n%s", res.Body, wantAdv)
	}
	if res = e.ok("us-east-1", "GetEventSelectors", map[string]any{"TrailName": "main"}, nil); string(res.Body) != wantAdv {
		t.Fatalf("get advanced %s", res.Body)
	}
	stored, _ := e.store.Get(acct, mainARN)
	if len(stored.Selectors.Basic) != 0 || len(stored.Selectors.Advanced) != 1 {
		t.Fatalf("stored selectors %+v", stored.Selectors)
	}
	// And basic ones replace advanced ones.
	e.ok("us-east-1", "PutEventSelectors", map[string]any{"TrailName": "main", "EventSelectors": []map[string]any{{}}}, nil)
	if res = e.ok("us-east-1", "GetEventSelectors", map[string]any{"TrailName": "main"}, nil); string(res.Body) != defaultSelectors {
		t.Fatalf("back to basic %s", res.Body)
	}
}

func TestEventSelectorsErrors(t *testing.T) {
	e := newTrailEnv(t)
	e.create("us-east-1", "main", map[string]any{"IsMultiRegionTrail": true})
	basic := []map[string]any{{"ReadWriteType": "All"}}
	adv := []map[string]any{{"FieldSelectors": []map[string]any{{"Field": "eventCategory", "Equals": []string{"Management"}}}}}
	cases := []struct {
		region string
		body   map[string]any
		code   string
		msg    string
	}{
		{"us-east-1", map[string]any{"TrailName": "main", "EventSelectors": basic, "AdvancedEventSelectors": adv}, "InvalidEventSelectorsException", "You can select events by using either EventSelectors or AdvancedEventSelectors, but not both."},
		{"us-east-1", map[string]any{"TrailName": "main"}, "InvalidEventSelectorsException", ""},
		{"us-east-1", map[string]any{"TrailName": "main", "EventSelectors": []any{}}, "InvalidEventSelectorsException", "(1 to 5)"},
		{"us-east-1", map[string]any{"TrailName": "main", "AdvancedEventSelectors": []any{}}, "InvalidEventSelectorsException", ""},
		{"us-east-1", map[string]any{"TrailName": "main", "EventSelectors": []map[string]any{{"ReadWriteType": "read-only"}}}, "InvalidEventSelectorsException", ""},
		{"us-east-1", map[string]any{"TrailName": "main", "EventSelectors": []map[string]any{{}, {}, {}, {}, {}, {}}}, "InvalidEventSelectorsException", ""},
		{"us-east-1", map[string]any{"TrailName": "main", "EventSelectors": []map[string]any{{"DataResources": []map[string]any{{"Type": "AWS::EC2::Instance", "Values": []string{"x"}}}}}}, "InvalidEventSelectorsException", ""},
		{"us-east-1", map[string]any{"TrailName": "main", "AdvancedEventSelectors": []map[string]any{{"FieldSelectors": []map[string]any{{"Field": "colour", "Equals": []string{"red"}}}}}}, "InvalidEventSelectorsException", ""},
		{"us-east-1", map[string]any{"TrailName": "main", "EventSelectors": "all"}, "SerializationException", ""},
		{"eu-west-1", map[string]any{"TrailName": "main", "EventSelectors": basic}, "InvalidHomeRegionException", ""},
		{"us-east-1", map[string]any{"TrailName": "nope", "EventSelectors": basic}, "TrailNotFoundException", ""},
		{"us-east-1", map[string]any{"TrailName": "arn:aws:cloudtrail:x", "EventSelectors": basic}, "CloudTrailARNInvalidException", ""},
	}
	for _, c := range cases {
		if msg := e.fails(c.region, "PutEventSelectors", c.body, c.code); !strings.Contains(msg, c.msg) {
			t.Errorf("%v: message %q lacks %q", c.body, msg, c.msg)
		}
	}
	e.fails("us-east-1", "GetEventSelectors", map[string]any{"TrailName": "nope"}, "TrailNotFoundException")
	e.fails("us-east-1", "GetEventSelectors", map[string]any{"TrailName": "no"}, "InvalidTrailNameException")
	if res := e.ok("us-east-1", "GetEventSelectors", map[string]any{"TrailName": "main"}, nil); string(res.Body) != defaultSelectors {
		t.Fatalf("failed puts changed the selectors: %s", res.Body)
	}
}
