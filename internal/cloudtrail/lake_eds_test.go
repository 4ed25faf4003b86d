package cloudtrail

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/cairn-audit/cairn/internal/event"
	"github.com/cairn-audit/cairn/internal/lake"
)

const defaultSelectorsJSON = `[{"Name":"Default management events","FieldSelectors":[{"Field":"eventCategory","Equals":["Management"]}]}]`

func TestCreateEventDataStoreResponseAndRecord(t *testing.T) {
	e := newEDSEnv(t)
	e.audit.Store(41)
	res := e.ok("us-east-1", "CreateEventDataStore", map[string]any{"Name": "main-store"}, nil)
	all := e.stores.All()
	if len(all) != 1 {
		t.Fatalf("stored %+v", all)
	}
	st := all[0]
	if st.ARN != "arn:aws:cloudtrail:us-east-1:111111111111:eventdatastore/"+st.ID || len(st.ID) != 36 || st.ID != strings.ToLower(st.ID) ||
		st.Status != lake.StatusEnabled || !st.Created.Equal(testNow) || !st.Updated.Equal(testNow) || st.Account != acct || st.Region != "us-east-1" {
		t.Fatalf("stored %+v", st)
	}
	// The store receives events from its own creation event on, and audit
	// events recorded after the call.
	if !reflect.DeepEqual(st.Windows, []lake.Window{{From: res.Seq}}) || !reflect.DeepEqual(st.AuditWindows, []lake.Window{{From: 42}}) || !st.Ingesting() {
		t.Fatalf("windows %+v %+v (seq %d)", st.Windows, st.AuditWindows, res.Seq)
	}
	want := fmt.Sprintf(`{"EventDataStoreArn":%q,"Name":"main-store","Status":"CREATED","AdvancedEventSelectors":%s,"MultiRegionEnabled":true,"OrganizationEnabled":false,"BillingMode":"EXTENDABLE_RETENTION_PRICING","RetentionPeriod":366,"TerminationProtectionEnabled":true,"CreatedTimestamp":1795262400,"UpdatedTimestamp":1795262400}`, st.ARN, defaultSelectorsJSON)
	if string(res.Body) != want {
		t.Fatalf("response\n%s\nwant\n%s", res.Body, want)
	}
	if res.EventName != "CreateEventDataStore" || res.ReadOnly || res.APIVersion != APIVersion {
		t.Fatalf("event %+v", res)
	}
	re := jsonString(t, res.ResponseElements)
	if !strings.Contains(re, `"eventDataStoreArn":"`+st.ARN+`"`) || !strings.Contains(re, `"status":"CREATED"`) || !strings.Contains(re, `"fieldSelectors":[{"field":"eventCategory","equals":["Management"]}]`) {
		t.Fatalf("responseElements %s", re)
	}
	if len(res.Resources) != 1 || res.Resources[0] != (event.ResourceRef{Type: "AWS::CloudTrail::EventDataStore", Name: "main-store", ARN: st.ARN}) {
		t.Fatalf("resources %+v", res.Resources)
	}
}

func TestCreateEventDataStoreStagedUntilCommit(t *testing.T) {
	e := newEDSEnv(t)
	res := e.handle(acct, "us-east-1", "CreateEventDataStore", map[string]any{"Name": "staged"})
	if res.ErrorCode != "" || res.Commit == nil || res.Abort == nil {
		t.Fatalf("%s %s", res.ErrorCode, res.ErrorMessage)
	}
	if n := len(e.stores.All()); n != 0 {
		t.Fatalf("%d stores visible before the event is durable", n)
	}
	res.Abort() // the event could not be recorded
	if n := len(e.stores.All()); n != 0 {
		t.Fatalf("%d stores after Abort", n)
	}
	e.createEDS("us-east-1", "staged", nil) // the write lock was released, the name is free
}

func TestCreateEventDataStoreOptions(t *testing.T) {
	e := newEDSEnv(t)
	var out edsShape
	res := e.ok("us-east-1", "CreateEventDataStore", map[string]any{"Name": "data.events_1", "AdvancedEventSelectors": dataSelectors,
		"MultiRegionEnabled": false, "OrganizationEnabled": false, "TerminationProtectionEnabled": false, "BillingMode": "FIXED_RETENTION_PRICING",
		"KmsKeyId": "alias/lake", "StartIngestion": false, "TagsList": []map[string]string{{"Key": "team", "Value": "sec"}, {"Key": "env"}}}, &out)
	st := e.get(out.EventDataStoreArn)
	if st.Status != lake.StatusStoppedIngestion || len(st.Windows) != 0 || len(st.AuditWindows) != 0 || st.Ingesting() ||
		st.MultiRegionEnabled || st.TerminationProtectionEnabled || st.BillingMode != lake.BillingFixed || st.RetentionPeriod != 2557 ||
		st.KmsKeyID != "alias/lake" || len(st.Tags) != 2 || st.AdvancedEventSelectors[0].Name != "s3" {
		t.Fatalf("stored %+v", st)
	}
	if out.Status != "CREATED" || out.KmsKeyId != "alias/lake" || out.RetentionPeriod != 2557 || len(out.TagsList) != 2 ||
		!strings.Contains(string(res.Body), `"TagsList":[{"Key":"team","Value":"sec"},{"Key":"env"}]`) {
		t.Fatalf("response %s", res.Body)
	}
	// Retention defaults per billing mode, and explicit values within its limits.
	e.createEDS("us-east-1", "ext-max", map[string]any{"RetentionPeriod": 3653})
	e.createEDS("us-east-1", "fixed-min", map[string]any{"RetentionPeriod": 7, "BillingMode": "FIXED_RETENTION_PRICING"})
	e.createEDS("us-east-1", "configitems", map[string]any{"AdvancedEventSelectors": configItemSelectors})
}

func TestCreateEventDataStoreErrors(t *testing.T) {
	tags := make([]map[string]string, 51)
	for i := range tags {
		tags[i] = map[string]string{"Key": fmt.Sprintf("k%d", i)}
	}
	six := make([]map[string]any, 6)
	for i := range six {
		six[i] = map[string]any{"FieldSelectors": []map[string]any{{"Field": "eventCategory", "Equals": []string{"Management"}}}}
	}
	mixed := append([]map[string]any{}, activityAuditLogSelectors...)
	mixed = append(mixed, six[0])
	cases := []struct {
		name string
		body any
		code string
		msg  string
	}{
		{"no name", map[string]any{}, "InvalidParameterException", "name"},
		{"short name", map[string]any{"Name": "ab"}, "InvalidParameterException", "name"},
		{"long name", map[string]any{"Name": strings.Repeat("a", 129)}, "InvalidParameterException", "name"},
		{"bad name", map[string]any{"Name": "my store"}, "InvalidParameterException", "name"},
		{"organization", map[string]any{"Name": "abc", "OrganizationEnabled": true}, "OrganizationsNotInUseException", "Organizations"},
		{"bad billing", map[string]any{"Name": "abc", "BillingMode": "CHEAP"}, "InvalidParameterException", "BillingMode"},
		{"retention too short", map[string]any{"Name": "abc", "RetentionPeriod": 6}, "InvalidParameterException", "between 7 and 3653"},
		{"retention too long", map[string]any{"Name": "abc", "RetentionPeriod": 3654}, "InvalidParameterException", "between 7 and 3653"},
		{"fixed retention too long", map[string]any{"Name": "abc", "RetentionPeriod": 2558, "BillingMode": "FIXED_RETENTION_PRICING"}, "InvalidParameterException", "between 7 and 2557"},
		{"bad kms key", map[string]any{"Name": "abc", "KmsKeyId": "not a key"}, "InvalidKmsKeyIdException", ""},
		{"long kms key", map[string]any{"Name": "abc", "KmsKeyId": "alias/" + strings.Repeat("k", 350)}, "InvalidKmsKeyIdException", "350"},
		{"empty selectors", map[string]any{"Name": "abc", "AdvancedEventSelectors": []any{}}, "InvalidEventSelectorsException", "at least one"},
		{"six selectors", map[string]any{"Name": "abc", "AdvancedEventSelectors": six}, "InvalidEventSelectorsException", "1 to 5"},
		{"bad field", map[string]any{"Name": "abc", "AdvancedEventSelectors": []map[string]any{{"FieldSelectors": []map[string]any{{"Field": "eventCategory", "Equals": []string{"Management"}}, {"Field": "resources.type", "Equals": []string{"AWS::S3::Object"}}}}}}, "InvalidEventSelectorsException", "not allowed"},
		{"no category", map[string]any{"Name": "abc", "AdvancedEventSelectors": []map[string]any{{"FieldSelectors": []map[string]any{{"Field": "eventName", "Equals": []string{"x"}}}}}}, "InvalidEventSelectorsException", "eventCategory"},
		{"mixed kinds", map[string]any{"Name": "abc", "AdvancedEventSelectors": mixed}, "InvalidEventSelectorsException", "one kind of events"},
		{"bad tag", map[string]any{"Name": "abc", "TagsList": []map[string]string{{"Key": "aws:x"}}}, "InvalidTagParameterException", "aws:"},
		{"51 tags", map[string]any{"Name": "abc", "TagsList": tags}, "InvalidTagParameterException", "at most 50"},
		{"malformed body", map[string]any{"Name": 5}, "SerializationException", ""},
	}
	e := newEDSEnv(t)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e.t = t
			if msg := e.fails("us-east-1", "CreateEventDataStore", c.body, c.code); !strings.Contains(msg, c.msg) {
				t.Fatalf("message %q does not contain %q", msg, c.msg)
			}
		})
	}
	if n := len(e.stores.All()); n != 0 {
		t.Fatalf("%d stores created by failed calls", n)
	}
}

func TestEventDataStoreNameAndLimit(t *testing.T) {
	e := newEDSEnv(t, func(o *lake.StoresOptions) { o.MaxPerRegion = 2 })
	first := e.createEDS("us-east-1", "first", nil)
	if msg := e.fails("us-east-1", "CreateEventDataStore", map[string]any{"Name": "first"}, "EventDataStoreAlreadyExistsException"); !strings.Contains(msg, first) {
		t.Fatal(msg)
	}
	// Other regions and accounts are separate.
	e.createEDS("eu-west-1", "first", nil)
	if res := e.doAs(other, "us-east-1", "CreateEventDataStore", map[string]any{"Name": "first"}); res.ErrorCode != "" {
		t.Fatalf("another account: %s", res.ErrorCode)
	}
	second := e.createEDS("us-east-1", "second", map[string]any{"TerminationProtectionEnabled": false})
	if msg := e.fails("us-east-1", "CreateEventDataStore", map[string]any{"Name": "third"}, "EventDataStoreMaxLimitExceededException"); !strings.Contains(msg, "2") {
		t.Fatal(msg)
	}
	// A store pending deletion does not count, but keeps its name.
	e.ok("us-east-1", "DeleteEventDataStore", map[string]any{"EventDataStore": second}, nil)
	e.fails("us-east-1", "CreateEventDataStore", map[string]any{"Name": "second"}, "EventDataStoreAlreadyExistsException")
	third := e.createEDS("us-east-1", "third", map[string]any{"TerminationProtectionEnabled": false})
	// Restoring would exceed the quota again.
	e.fails("us-east-1", "RestoreEventDataStore", map[string]any{"EventDataStore": idOfARN(second)}, "EventDataStoreMaxLimitExceededException")
	e.ok("us-east-1", "DeleteEventDataStore", map[string]any{"EventDataStore": third}, nil)
	e.ok("us-east-1", "RestoreEventDataStore", map[string]any{"EventDataStore": idOfARN(second)}, nil)
}

func TestGetEventDataStore(t *testing.T) {
	e := newEDSEnv(t)
	arn := e.createEDS("us-east-1", "store", map[string]any{"KmsKeyId": "arn:aws:kms:us-east-1:111111111111:key/12345678-1234-1234-1234-123456789012"})
	id := idOfARN(arn)
	want := fmt.Sprintf(`{"EventDataStoreArn":%q,"Name":"store","Status":"ENABLED","AdvancedEventSelectors":%s,"MultiRegionEnabled":true,"OrganizationEnabled":false,"BillingMode":"EXTENDABLE_RETENTION_PRICING","RetentionPeriod":366,"TerminationProtectionEnabled":true,"CreatedTimestamp":1795262400,"UpdatedTimestamp":1795262400,"KmsKeyId":"arn:aws:kms:us-east-1:111111111111:key/12345678-1234-1234-1234-123456789012","FederationStatus":"DISABLED","PartitionKeys":[{"Name":"eventTime","Type":"timestamp"}]}`, arn, defaultSelectorsJSON)
	for _, ref := range []string{arn, id} {
		res := e.ok("us-east-1", "GetEventDataStore", map[string]any{"EventDataStore": ref}, nil)
		if string(res.Body) != want {
			t.Fatalf("GetEventDataStore(%s)\n%s\nwant\n%s", ref, res.Body, want)
		}
		if !res.ReadOnly || res.ResponseElements != nil || len(res.Resources) != 1 || res.Resources[0].ARN != arn {
			t.Fatalf("event %+v", res)
		}
	}
	for _, c := range []struct{ region, ref, code string }{
		{"us-east-1", "arn:aws:cloudtrail:us-east-1:111111111111:eventdatastore/0f3e1c5a-2222-4000-8000-00000000000f", "EventDataStoreNotFoundException"},
		{"us-east-1", "0f3e1c5a-2222-4000-8000-00000000000f", "EventDataStoreNotFoundException"},
		{"eu-west-1", arn, "EventDataStoreNotFoundException"},
		{"eu-west-1", id, "EventDataStoreNotFoundException"},
		{"us-east-1", strings.Replace(arn, acct, other, 1), "EventDataStoreNotFoundException"},
		{"us-east-1", "arn:aws:cloudtrail:us-east-1:111111111111:trail/t", "EventDataStoreARNInvalidException"},
		{"us-east-1", "arn:aws:cloudtrail:us-east-1:1111:eventdatastore/x", "EventDataStoreARNInvalidException"},
		{"us-east-1", "eds/with/slash", "EventDataStoreARNInvalidException"},
		{"us-east-1", "not a store", "EventDataStoreARNInvalidException"},
		{"us-east-1", "ab", "EventDataStoreARNInvalidException"},
		{"us-east-1", strings.Repeat("a", 257), "EventDataStoreARNInvalidException"},
		{"us-east-1", "", "EventDataStoreARNInvalidException"},
	} {
		e.fails(c.region, "GetEventDataStore", map[string]any{"EventDataStore": c.ref}, c.code)
	}
	if res := e.doAs(other, "us-east-1", "GetEventDataStore", map[string]any{"EventDataStore": id}); res.ErrorCode != "EventDataStoreNotFoundException" {
		t.Fatalf("another account's store by ID: %s", res.ErrorCode)
	}
}

func TestListEventDataStoresPages(t *testing.T) {
	e := newEDSEnv(t, func(o *lake.StoresOptions) { o.MaxPerRegion = 5 })
	var arns []string
	for i := 0; i < 5; i++ { // all created at the same millisecond: tokens must not skip or repeat them
		arns = append(arns, e.createEDS("us-east-1", fmt.Sprintf("eds%d", i), map[string]any{"TerminationProtectionEnabled": false}))
	}
	e.createEDS("eu-west-1", "elsewhere", nil)
	e.doAs(other, "us-east-1", "CreateEventDataStore", map[string]any{"Name": "theirs"})
	e.ok("us-east-1", "DeleteEventDataStore", map[string]any{"EventDataStore": arns[4]}, nil) // listed while pending deletion
	var wantOrder []string
	for _, st := range e.stores.List(acct) {
		if st.Region == "us-east-1" {
			wantOrder = append(wantOrder, st.ARN)
		}
	}
	var got []string
	token := ""
	for pages := 0; ; pages++ {
		body := map[string]any{"MaxResults": 2}
		if token != "" {
			body["NextToken"] = token
		}
		var out struct {
			EventDataStores []edsInfo
			NextToken       string
		}
		res := e.ok("us-east-1", "ListEventDataStores", body, &out)
		if strings.Contains(string(res.Body), "Status") || strings.Contains(string(res.Body), "RetentionPeriod") {
			t.Fatalf("deprecated members returned: %s", res.Body)
		}
		for _, s := range out.EventDataStores {
			got = append(got, s.EventDataStoreArn)
		}
		if token = out.NextToken; token == "" || pages > 5 {
			break
		}
	}
	if strings.Join(got, ",") != strings.Join(wantOrder, ",") || len(got) != 5 {
		t.Fatalf("paged %v\nwant %v", got, wantOrder)
	}
	var all struct{ EventDataStores []edsInfo }
	res := e.ok("us-east-1", "ListEventDataStores", map[string]any{}, &all)
	if len(all.EventDataStores) != 5 || strings.Contains(string(res.Body), "NextToken") || !res.ReadOnly {
		t.Fatalf("one page: %s", res.Body)
	}
	e.fails("us-east-1", "ListEventDataStores", map[string]any{"MaxResults": 1001}, "InvalidMaxResultsException")
	e.fails("us-east-1", "ListEventDataStores", map[string]any{"MaxResults": 0}, "InvalidMaxResultsException")
	e.fails("us-east-1", "ListEventDataStores", map[string]any{"NextToken": "garbage-token"}, "InvalidNextTokenException")
	var page struct{ NextToken string }
	e.ok("us-east-1", "ListEventDataStores", map[string]any{"MaxResults": 1}, &page)
	e.fails("eu-west-1", "ListEventDataStores", map[string]any{"NextToken": page.NextToken}, "InvalidNextTokenException")
	var empty struct{ EventDataStores []edsInfo }
	if res := e.ok("ap-south-1", "ListEventDataStores", nil, &empty); string(res.Body) != `{"EventDataStores":[]}` {
		t.Fatalf("empty list %s", res.Body)
	}
}

func TestEventDataStoreOperationsWithoutLake(t *testing.T) {
	e := newChannelEnv(t)
	for _, op := range []string{"CreateEventDataStore", "GetEventDataStore", "ListEventDataStores", "StartEventDataStoreIngestion"} {
		e.fails("us-east-1", op, map[string]any{}, "UnsupportedOperationException")
	}
	noStores := newChannelEnv(t, func(o *Options) { o.Lake = &lake.Lake{} })
	noStores.fails("us-east-1", "CreateEventDataStore", map[string]any{"Name": "abc"}, "UnsupportedOperationException")
	// Tag operations naming a store are not routed to the Lake without one.
	noStores.fails("us-east-1", "AddTags", map[string]any{"ResourceId": edsARN, "TagsList": []map[string]string{{"Key": "k"}}}, "ResourceTypeNotSupportedException")
}
