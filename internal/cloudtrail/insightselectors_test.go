package cloudtrail

import (
	"testing"

	"github.com/cairn-audit/cairn/internal/selector"
	"github.com/cairn-audit/cairn/internal/trail"
)

func TestInsightSelectors(t *testing.T) {
	e := newTrailEnv(t)
	e.create("us-east-1", "main", map[string]any{"IsMultiRegionTrail": true})
	msg := e.fails("us-east-1", "GetInsightSelectors", map[string]any{"TrailName": "main"}, "InsightNotEnabledException")
	if msg != "Trail "+mainARN+" does not have Insights enabled. Edit the trail settings to enable Insights, and then try the operation again." {
		t.Fatal(msg)
	}
	sels := []map[string]any{{"InsightType": "ApiCallRateInsight"}, {"InsightType": "ApiErrorRateInsight", "EventCategories": []string{"Management"}}}
	res := e.ok("us-east-1", "PutInsightSelectors", map[string]any{"TrailName": "main", "InsightSelectors": sels}, nil)
	want := `{"TrailARN":"` + mainARN + `","InsightSelectors":[{"InsightType":"ApiCallRateInsight"},{"InsightType":"ApiErrorRateInsight","EventCategories":["Management"]}]}`
	if string(res.Body) != want || res.ReadOnly || jsonString(t, res.ResponseElements) != `{"trailARN":"`+mainARN+`","insightSelectors":[{"insightType":"ApiCallRateInsight"},{"insightType":"ApiErrorRateInsight","eventCategories":["Management"]}]}` {
		t.Fatalf("put\n%s\nwant\n%s\nresponseElements %s", res.Body, want, jsonString(t, res.ResponseElements))
	}
	res = e.ok("eu-west-1", "GetInsightSelectors", map[string]any{"TrailName": mainARN}, nil)
	if string(res.Body) != want || !res.ReadOnly {
		t.Fatalf("get %s", res.Body)
	}
	var tr struct{ Trail trailShape }
	e.ok("us-east-1", "GetTrail", map[string]any{"Name": "main"}, &tr)
	if !*tr.Trail.HasInsightSelectors {
		t.Fatal("HasInsightSelectors false")
	}
	// An empty list turns Insights off.
	res = e.ok("us-east-1", "PutInsightSelectors", map[string]any{"TrailName": "main", "InsightSelectors": []any{}}, nil)
	if string(res.Body) != `{"TrailARN":"`+mainARN+`","InsightSelectors":[]}` {
		t.Fatalf("disable %s", res.Body)
	}
	e.fails("us-east-1", "GetInsightSelectors", map[string]any{"TrailName": "main"}, "InsightNotEnabledException")
}

func TestInsightSelectorsErrors(t *testing.T) {
	e := newTrailEnv(t)
	e.create("us-east-1", "main", nil)
	e.create("us-east-1", "reads", nil)
	e.ok("us-east-1", "PutEventSelectors", map[string]any{"TrailName": "reads", "EventSelectors": []map[string]any{{"ReadWriteType": "ReadOnly"}}}, nil)
	call := func(typ string) []map[string]any { return []map[string]any{{"InsightType": typ}} }
	cases := []struct {
		region string
		body   map[string]any
		code   string
	}{
		{"us-east-1", map[string]any{"TrailName": "main", "InsightSelectors": call("ApiLatencyInsight")}, "InvalidInsightSelectorsException"},
		{"us-east-1", map[string]any{"TrailName": "main", "InsightSelectors": []map[string]any{{}}}, "InvalidInsightSelectorsException"},
		{"us-east-1", map[string]any{"TrailName": "main", "InsightSelectors": append(call("ApiCallRateInsight"), call("ApiCallRateInsight")...)}, "InvalidInsightSelectorsException"},
		{"us-east-1", map[string]any{"TrailName": "main", "InsightSelectors": []map[string]any{{"InsightType": "ApiCallRateInsight", "EventCategories": []string{"Network"}}}}, "InvalidInsightSelectorsException"},
		{"us-east-1", map[string]any{"TrailName": "main", "InsightSelectors": []map[string]any{{"InsightType": "ApiCallRateInsight", "EventCategories": []string{"Management", "Management"}}}}, "InvalidInsightSelectorsException"},
		{"us-east-1", map[string]any{"TrailName": "main", "InsightSelectors": []map[string]any{{"InsightType": "ApiCallRateInsight", "EventCategories": []string{"Data"}}}}, "InvalidInsightSelectorsException"},
		{"us-east-1", map[string]any{"TrailName": "reads", "InsightSelectors": call("ApiCallRateInsight")}, "InvalidInsightSelectorsException"},
		{"us-east-1", map[string]any{"TrailName": "main"}, "InvalidInsightSelectorsException"},
		{"us-east-1", map[string]any{"TrailName": "main", "EventDataStore": "eds", "InsightSelectors": call("ApiCallRateInsight")}, "InvalidParameterCombinationException"},
		{"us-east-1", map[string]any{"EventDataStore": "eds", "InsightsDestination": "dest", "InsightSelectors": call("ApiCallRateInsight")}, "UnsupportedOperationException"},
		{"us-east-1", map[string]any{"InsightSelectors": call("ApiCallRateInsight")}, "InvalidParameterCombinationException"},
		{"eu-west-1", map[string]any{"TrailName": "arn:aws:cloudtrail:us-east-1:111111111111:trail/main", "InsightSelectors": call("ApiCallRateInsight")}, "InvalidHomeRegionException"},
		{"us-east-1", map[string]any{"TrailName": "nope", "InsightSelectors": call("ApiCallRateInsight")}, "TrailNotFoundException"},
	}
	for _, c := range cases {
		e.fails(c.region, "PutInsightSelectors", c.body, c.code)
	}
	// Error-rate Insights only need management events of any kind.
	e.ok("us-east-1", "PutInsightSelectors", map[string]any{"TrailName": "reads", "InsightSelectors": call("ApiErrorRateInsight")}, nil)
	e.fails("us-east-1", "GetInsightSelectors", map[string]any{}, "InvalidParameterCombinationException")
	e.fails("us-east-1", "GetInsightSelectors", map[string]any{"TrailName": "nope"}, "TrailNotFoundException")
}

func TestInsightsPrerequisites(t *testing.T) {
	no := false
	fs := func(field string, eq ...string) selector.FieldSelector {
		return selector.FieldSelector{Field: field, Equals: eq}
	}
	adv := func(f ...selector.FieldSelector) selector.Set {
		return selector.Set{Advanced: []selector.AdvancedEventSelector{{FieldSelectors: f}}}
	}
	callRate := []trail.InsightSelector{{InsightType: insightCallRate}}
	errorRate := []trail.InsightSelector{{InsightType: insightErrorRate}}
	dataRate := []trail.InsightSelector{{InsightType: insightCallRate, EventCategories: []string{categoryData}}}
	cases := []struct {
		name string
		set  selector.Set
		sels []trail.InsightSelector
		ok   bool
	}{
		{"default, call rate", selector.Default(), callRate, true},
		{"no management events", selector.Set{Basic: []selector.EventSelector{{IncludeManagementEvents: &no}}}, errorRate, false},
		{"advanced management", adv(fs("eventCategory", "Management")), callRate, true},
		{"advanced read-only management, call rate", adv(fs("eventCategory", "Management"), fs("readOnly", "true")), callRate, false},
		{"advanced read-only management, error rate", adv(fs("eventCategory", "Management"), fs("readOnly", "true")), errorRate, true},
		{"advanced data only", adv(fs("eventCategory", "Data"), fs("resources.type", "AWS::S3::Object")), callRate, false},
		{"advanced data, data insights", adv(fs("eventCategory", "Data"), fs("resources.type", "AWS::S3::Object")), dataRate, true},
		{"basic data, data insights", selector.Set{Basic: []selector.EventSelector{{DataResources: []selector.DataResource{{Type: "AWS::S3::Object", Values: []string{"arn:aws:s3"}}}}}}, dataRate, true},
		{"default, data insights", selector.Default(), dataRate, false},
	}
	for _, c := range cases {
		if err := insightsPrerequisites(c.set, c.sels); (err == nil) != c.ok {
			t.Errorf("%s: %v", c.name, err)
		}
	}
}
