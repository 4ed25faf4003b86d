package cloudtrail

import (
	"slices"
	"strings"
	"testing"

	"github.com/cairn-audit/cairn/internal/lake"
)

func TestEventConfigurationOfEventDataStore(t *testing.T) {
	e := newEDSEnv(t)
	arn := e.createEDS("us-east-1", "events", nil)
	var got eventConfigOutput
	e.ok("us-east-1", "GetEventConfiguration", map[string]any{"EventDataStore": arn}, &got)
	if got.EventDataStoreArn != arn || got.MaxEventSize != "Standard" || len(got.ContextKeySelectors) != 0 || got.TrailARN != "" {
		t.Fatalf("default configuration: %+v", got)
	}
	sels := []map[string]any{{"Type": "RequestContext", "Equals": []string{"aws:SourceIp", "aws:MultiFactorAuthPresent"}}, {"Type": "TagContext", "Equals": []string{"team"}}}
	res := e.ok("us-east-1", "PutEventConfiguration", map[string]any{"EventDataStore": idOfARN(arn), "MaxEventSize": "Large", "ContextKeySelectors": sels}, &got)
	if got.MaxEventSize != "Large" || len(got.ContextKeySelectors) != 2 || got.ContextKeySelectors[0].Equals[1] != "aws:MultiFactorAuthPresent" {
		t.Fatalf("put: %+v", got)
	}
	if res.ResponseElements == nil || len(res.Resources) != 1 || res.Resources[0].ARN != arn {
		t.Fatalf("record: %v %v", res.ResponseElements, res.Resources)
	}
	st := e.get(arn)
	if st.EventSize() != lake.MaxEventSizeLarge || st.MaxEventBytes() != 1<<20 || len(st.ContextKeySelectors) != 2 {
		t.Fatalf("stored: %+v", st)
	}
	// Persisted with the store: a reopened definition file has it.
	if err := e.stores.Close(); err != nil {
		t.Fatal(err)
	}
	re, err := lake.OpenStores(e.dir, lake.StoresOptions{AuditDurable: e.audit.Load})
	if err != nil {
		t.Fatal(err)
	}
	defer re.Close()
	if st, _ := re.Get(arn); st.EventSize() != lake.MaxEventSizeLarge || !slices.Equal(st.ContextKeySelectors[1].Equals, []string{"team"}) {
		t.Fatalf("after reopen: %+v", st)
	}
}

func TestPutEventConfigurationReplacesWithDefaults(t *testing.T) {
	e := newEDSEnv(t)
	arn := e.createEDS("us-east-1", "events", nil)
	e.ok("us-east-1", "PutEventConfiguration", map[string]any{"EventDataStore": arn, "MaxEventSize": "Large",
		"ContextKeySelectors": []map[string]any{{"Type": "TagContext", "Equals": []string{"team"}}}}, nil)
	var got eventConfigOutput
	e.ok("us-east-1", "PutEventConfiguration", map[string]any{"EventDataStore": arn}, &got)
	if got.ContextKeySelectors != nil {
		t.Fatalf("empty selectors are omitted: %+v", got)
	}
	if got.MaxEventSize != "Standard" || len(got.ContextKeySelectors) != 0 {
		t.Fatalf("%+v", got)
	}
	if st := e.get(arn); st.MaxEventBytes() != 256<<10 || st.ContextKeySelectors != nil {
		t.Fatalf("stored %+v", st)
	}
}

func TestEventConfigurationErrors(t *testing.T) {
	e := newEDSEnv(t)
	arn := e.createEDS("us-east-1", "events", nil)
	audit := e.auditStore("us-east-1", "audit")
	e.create("us-east-1", "main", nil)
	keys := func(n, size int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = strings.Repeat("k", size-1) + string(rune('a'+i%26))
		}
		return out
	}
	sel := func(typ string, equals []string) map[string]any { return map[string]any{"Type": typ, "Equals": equals} }
	one := []map[string]any{sel("TagContext", []string{"team"})}
	for _, tc := range []struct {
		name string
		op   string
		body map[string]any
		code string
	}{
		{"neither", "GetEventConfiguration", map[string]any{}, "InvalidParameterCombinationException"},
		{"both", "GetEventConfiguration", map[string]any{"TrailName": "main", "EventDataStore": arn}, "InvalidParameterCombinationException"},
		{"put both", "PutEventConfiguration", map[string]any{"TrailName": "main", "EventDataStore": arn}, "InvalidParameterCombinationException"},
		{"size on trail", "PutEventConfiguration", map[string]any{"TrailName": "main", "MaxEventSize": "Large"}, "InvalidParameterCombinationException"},
		{"aggregation on store", "PutEventConfiguration", map[string]any{"EventDataStore": arn, "AggregationConfigurations": []any{}}, "InvalidParameterCombinationException"},
		{"bad size", "PutEventConfiguration", map[string]any{"EventDataStore": arn, "MaxEventSize": "Huge"}, "InvalidParameterException"},
		{"selectors need Large", "PutEventConfiguration", map[string]any{"EventDataStore": arn, "ContextKeySelectors": one}, "InvalidParameterCombinationException"},
		{"selectors Standard", "PutEventConfiguration", map[string]any{"EventDataStore": arn, "MaxEventSize": "Standard", "ContextKeySelectors": one}, "InvalidParameterCombinationException"},
		{"three selectors", "PutEventConfiguration", map[string]any{"EventDataStore": arn, "MaxEventSize": "Large", "ContextKeySelectors": []map[string]any{sel("TagContext", []string{"a"}), sel("RequestContext", []string{"b"}), sel("TagContext", []string{"c"})}}, "InvalidParameterException"},
		{"same type twice", "PutEventConfiguration", map[string]any{"EventDataStore": arn, "MaxEventSize": "Large", "ContextKeySelectors": []map[string]any{sel("TagContext", []string{"a"}), sel("TagContext", []string{"b"})}}, "InvalidParameterException"},
		{"bad type", "PutEventConfiguration", map[string]any{"EventDataStore": arn, "MaxEventSize": "Large", "ContextKeySelectors": []map[string]any{sel("UserContext", []string{"a"})}}, "InvalidParameterException"},
		{"no keys", "PutEventConfiguration", map[string]any{"EventDataStore": arn, "MaxEventSize": "Large", "ContextKeySelectors": []map[string]any{sel("TagContext", []string{})}}, "InvalidParameterException"},
		{"51 keys", "PutEventConfiguration", map[string]any{"EventDataStore": arn, "MaxEventSize": "Large", "ContextKeySelectors": []map[string]any{sel("TagContext", keys(51, 3))}}, "InvalidParameterException"},
		{"129-character key", "PutEventConfiguration", map[string]any{"EventDataStore": arn, "MaxEventSize": "Large", "ContextKeySelectors": []map[string]any{sel("TagContext", keys(1, 129))}}, "InvalidParameterException"},
		{"activity audit store", "PutEventConfiguration", map[string]any{"EventDataStore": audit, "MaxEventSize": "Large", "ContextKeySelectors": one}, "InvalidEventDataStoreCategoryException"},
		{"unknown store", "GetEventConfiguration", map[string]any{"EventDataStore": "00000000-0000-0000-0000-000000000000"}, "EventDataStoreNotFoundException"},
		{"bad store ref", "PutEventConfiguration", map[string]any{"EventDataStore": "a b"}, "EventDataStoreARNInvalidException"},
		{"unknown trail", "GetEventConfiguration", map[string]any{"TrailName": "nope"}, "TrailNotFoundException"},
		{"bad trail name", "PutEventConfiguration", map[string]any{"TrailName": "-x"}, "InvalidTrailNameException"},
		{"two aggregations", "PutEventConfiguration", map[string]any{"TrailName": "main", "AggregationConfigurations": []map[string]any{
			{"EventCategory": "Data", "Templates": []string{"API_ACTIVITY"}}, {"EventCategory": "Data", "Templates": []string{"USER_ACTIONS"}}}}, "InvalidParameterException"},
		{"management aggregation", "PutEventConfiguration", map[string]any{"TrailName": "main", "AggregationConfigurations": []map[string]any{{"EventCategory": "Management", "Templates": []string{"API_ACTIVITY"}}}}, "InvalidParameterException"},
		{"bad template", "PutEventConfiguration", map[string]any{"TrailName": "main", "AggregationConfigurations": []map[string]any{{"EventCategory": "Data", "Templates": []string{"ALL"}}}}, "InvalidParameterException"},
		{"no template", "PutEventConfiguration", map[string]any{"TrailName": "main", "AggregationConfigurations": []map[string]any{{"EventCategory": "Data", "Templates": []string{}}}}, "InvalidParameterException"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if msg := e.fails("us-east-1", tc.op, tc.body, tc.code); msg == "" {
				t.Fatal("no message")
			}
		})
	}
	// A store pending deletion keeps its configuration and refuses changes.
	e.ok("us-east-1", "UpdateEventDataStore", map[string]any{"EventDataStore": arn, "TerminationProtectionEnabled": false}, nil)
	e.ok("us-east-1", "DeleteEventDataStore", map[string]any{"EventDataStore": arn}, nil)
	e.fails("us-east-1", "PutEventConfiguration", map[string]any{"EventDataStore": arn, "MaxEventSize": "Large"}, "InactiveEventDataStoreException")
	e.ok("us-east-1", "GetEventConfiguration", map[string]any{"EventDataStore": arn}, nil)
	// Changes go to the home region only.
	e.fails("us-west-2", "PutEventConfiguration", map[string]any{"TrailName": "arn:aws:cloudtrail:us-east-1:" + acct + ":trail/main"}, "InvalidHomeRegionException")
}

func TestEventConfigurationOfTrail(t *testing.T) {
	e := newTrailEnv(t)
	tr := e.create("us-east-1", "main", map[string]any{"IsMultiRegionTrail": true})
	var got eventConfigOutput
	e.ok("us-east-1", "GetEventConfiguration", map[string]any{"TrailName": "main"}, &got)
	if got.TrailARN != tr.TrailARN || len(got.AggregationConfigurations) != 0 || got.MaxEventSize != "" {
		t.Fatalf("default: %+v", got)
	}
	aggs := []map[string]any{{"EventCategory": "Data", "Templates": []string{"API_ACTIVITY", "USER_ACTIONS"}}}
	e.ok("us-east-1", "PutEventConfiguration", map[string]any{"TrailName": tr.TrailARN, "AggregationConfigurations": aggs}, &got)
	if len(got.AggregationConfigurations) != 1 || !slices.Equal(got.AggregationConfigurations[0].Templates, []string{"API_ACTIVITY", "USER_ACTIONS"}) {
		t.Fatalf("put: %+v", got)
	}
	e.reopen()
	// A shadow region reads it.
	e.ok("eu-west-1", "GetEventConfiguration", map[string]any{"TrailName": "main"}, &got)
	if len(got.AggregationConfigurations) != 1 || got.AggregationConfigurations[0].EventCategory != "Data" {
		t.Fatalf("after reopen: %+v", got)
	}
	got = eventConfigOutput{}
	e.ok("us-east-1", "PutEventConfiguration", map[string]any{"TrailName": "main", "AggregationConfigurations": []any{}}, &got)
	if len(got.AggregationConfigurations) != 0 {
		t.Fatalf("cleared: %+v", got)
	}
}

func TestEventConfigurationWithoutParts(t *testing.T) {
	s := newTestService(t, fill(t, 1), 0)
	for _, body := range []map[string]any{{"TrailName": "main"}, {"EventDataStore": "00000000-0000-0000-0000-000000000000"}} {
		for _, op := range []string{"GetEventConfiguration", "PutEventConfiguration"} {
			if res := s.Handle(t.Context(), call("111111111111", op, body)); res.ErrorCode != "UnsupportedOperationException" {
				t.Errorf("%s %v: %s", op, body, res.ErrorCode)
			}
		}
	}
}
