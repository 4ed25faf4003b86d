package cloudtrail

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/cairn-audit/cairn/internal/lake"
)

func TestUpdateEventDataStore(t *testing.T) {
	e := newEDSEnv(t)
	arn := e.createEDS("us-east-1", "store", map[string]any{"BillingMode": "FIXED_RETENTION_PRICING"})
	before := e.get(arn)
	res := e.doAt(testNow.Add(time.Minute), "us-east-1", "UpdateEventDataStore", map[string]any{"EventDataStore": arn, "Name": "renamed",
		"RetentionPeriod": 90, "TerminationProtectionEnabled": false, "MultiRegionEnabled": false, "OrganizationEnabled": false,
		"AdvancedEventSelectors": dataSelectors})
	if res.ErrorCode != "" {
		t.Fatalf("%s: %s", res.ErrorCode, res.ErrorMessage)
	}
	want := fmt.Sprintf(`{"EventDataStoreArn":%q,"Name":"renamed","Status":"ENABLED","AdvancedEventSelectors":[{"Name":"s3","FieldSelectors":[{"Field":"eventCategory","Equals":["Data"]},{"Field":"resources.type","Equals":["AWS::S3::Object"]}]}],"MultiRegionEnabled":false,"OrganizationEnabled":false,"BillingMode":"FIXED_RETENTION_PRICING","RetentionPeriod":90,"TerminationProtectionEnabled":false,"CreatedTimestamp":1795262400,"UpdatedTimestamp":1795262460,"FederationStatus":"DISABLED"}`, arn)
	if string(res.Body) != want {
		t.Fatalf("UpdateEventDataStore\n%s\nwant\n%s", res.Body, want)
	}
	if res.ResponseElements == nil || res.Resources[0].Name != "renamed" || res.ReadOnly {
		t.Fatalf("event %+v", res)
	}
	st := e.get(arn)
	if st.Name != "renamed" || st.RetentionPeriod != 90 || st.MultiRegionEnabled || st.TerminationProtectionEnabled ||
		st.Categories()[0] != "Data" || !st.Updated.Equal(testNow.Add(time.Minute)) || fmt.Sprint(st.Windows) != fmt.Sprint(before.Windows) {
		t.Fatalf("stored %+v", st)
	}
	// FIXED may become EXTENDABLE, whose retention limits then apply.
	e.ok("us-east-1", "UpdateEventDataStore", map[string]any{"EventDataStore": arn, "BillingMode": "EXTENDABLE_RETENTION_PRICING", "RetentionPeriod": 3000}, nil)
	if st := e.get(arn); st.BillingMode != lake.BillingExtendable || st.RetentionPeriod != 3000 {
		t.Fatalf("stored %+v", st)
	}
	// A KMS key may be added once, and given again unchanged.
	e.ok("us-east-1", "UpdateEventDataStore", map[string]any{"EventDataStore": arn, "KmsKeyId": "alias/one"}, nil)
	e.ok("us-east-1", "UpdateEventDataStore", map[string]any{"EventDataStore": arn, "KmsKeyId": "alias/one"}, nil)
	if st := e.get(arn); st.KmsKeyID != "alias/one" {
		t.Fatalf("kms %q", st.KmsKeyID)
	}
}

func TestUpdateEventDataStoreErrors(t *testing.T) {
	e := newEDSEnv(t)
	arn := e.createEDS("us-east-1", "store", map[string]any{"KmsKeyId": "alias/one"})
	e.createEDS("us-east-1", "taken", nil)
	auditARN := e.auditStore("us-east-1", "audit")
	fixed := e.createEDS("us-east-1", "fixed", map[string]any{"BillingMode": "FIXED_RETENTION_PRICING", "TerminationProtectionEnabled": false})
	cases := []struct {
		name string
		body map[string]any
		code string
		msg  string
	}{
		{"nothing to change", map[string]any{"EventDataStore": arn}, "InvalidParameterException", "at least one"},
		{"bad ref", map[string]any{"EventDataStore": "a b", "Name": "x-y-z"}, "EventDataStoreARNInvalidException", ""},
		{"unknown", map[string]any{"EventDataStore": "0f3e1c5a-2222-4000-8000-00000000000f", "Name": "x-y-z"}, "EventDataStoreNotFoundException", ""},
		{"bad name", map[string]any{"EventDataStore": arn, "Name": "a"}, "InvalidParameterException", "name"},
		{"name taken", map[string]any{"EventDataStore": arn, "Name": "taken"}, "EventDataStoreAlreadyExistsException", ""},
		{"organization", map[string]any{"EventDataStore": arn, "OrganizationEnabled": true}, "OrganizationsNotInUseException", ""},
		{"bad billing", map[string]any{"EventDataStore": arn, "BillingMode": "X"}, "InvalidParameterException", "BillingMode"},
		{"to fixed", map[string]any{"EventDataStore": arn, "BillingMode": "FIXED_RETENTION_PRICING"}, "InvalidParameterException", "can't change the billing mode"},
		{"retention", map[string]any{"EventDataStore": arn, "RetentionPeriod": 3654}, "InvalidParameterException", "between 7 and 3653"},
		{"fixed retention", map[string]any{"EventDataStore": fixed, "RetentionPeriod": 3000}, "InvalidParameterException", "between 7 and 2557"},
		{"change kms", map[string]any{"EventDataStore": arn, "KmsKeyId": "alias/two"}, "InvalidParameterException", "cannot be changed or removed"},
		{"remove kms", map[string]any{"EventDataStore": arn, "KmsKeyId": ""}, "InvalidParameterException", "cannot be changed or removed"},
		{"bad kms", map[string]any{"EventDataStore": arn, "KmsKeyId": "a b"}, "InvalidKmsKeyIdException", ""},
		{"bad selectors", map[string]any{"EventDataStore": arn, "AdvancedEventSelectors": []any{}}, "InvalidEventSelectorsException", "at least one"},
		{"other kind", map[string]any{"EventDataStore": arn, "AdvancedEventSelectors": activityAuditLogSelectors}, "InvalidEventSelectorsException", "cannot select ActivityAuditLog"},
		{"audit to cloudtrail", map[string]any{"EventDataStore": auditARN, "AdvancedEventSelectors": dataSelectors}, "InvalidEventSelectorsException", "holds ActivityAuditLog"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e.t = t
			if msg := e.fails("us-east-1", "UpdateEventDataStore", c.body, c.code); !strings.Contains(msg, c.msg) {
				t.Fatalf("message %q does not contain %q", msg, c.msg)
			}
		})
	}
	e.t = t
	if st := e.get(arn); st.Name != "store" || st.KmsKeyID != "alias/one" || st.BillingMode != lake.BillingExtendable || st.RetentionPeriod != 366 {
		t.Fatalf("failed updates changed the store: %+v", st)
	}
	// A store being imported into, or pending deletion, cannot be updated.
	e.importing[idOfARN(arn)] = true
	e.fails("us-east-1", "UpdateEventDataStore", map[string]any{"EventDataStore": arn, "RetentionPeriod": 30}, "EventDataStoreHasOngoingImportException")
	e.ok("us-east-1", "DeleteEventDataStore", map[string]any{"EventDataStore": fixed}, nil)
	e.fails("us-east-1", "UpdateEventDataStore", map[string]any{"EventDataStore": fixed, "RetentionPeriod": 30}, "InactiveEventDataStoreException")
	e.fails("eu-west-1", "UpdateEventDataStore", map[string]any{"EventDataStore": idOfARN(arn), "RetentionPeriod": 30}, "EventDataStoreNotFoundException")
}
