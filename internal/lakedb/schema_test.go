package lakedb

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/cairn-audit/cairn/internal/event"
	"github.com/cairn-audit/cairn/internal/lake"
)

// checkColumns runs "SELECT <exprs> FROM store WHERE eventID = id" and
// compares each value.
func checkColumns(t *testing.T, l *DB, store, id string, want [][2]string) {
	t.Helper()
	exprs := make([]string, len(want))
	for i, w := range want {
		exprs[i] = w[0]
	}
	got := one(t, l, "SELECT "+strings.Join(exprs, ", ")+" FROM "+store+" WHERE eventID = '"+id+"'", scopeAll(store))
	for i, w := range want {
		if got[i] != w[1] {
			t.Errorf("%s = %q, want %q", w[0], got[i], w[1])
		}
	}
}

// A record as the recorder makes it fills the Lake columns.
func TestLakeSchemaRecorderRecord(t *testing.T) {
	l := openTestLake(t, "")
	at := time.Date(2026, 5, 4, 3, 2, 1, 0, time.UTC)
	row := ctRow(t, storeA, at, call{service: "s3", name: "CreateBucket", user: "alice", errorCode: "AccessDenied",
		params:    map[string]any{"bucketName": "logs-1", "tags": map[string]any{"team": "sec"}},
		resources: []event.ResourceRef{{Type: "AWS::S3::Bucket", Name: "logs-1", ARN: "arn:aws:s3:::logs-1"}}})
	if err := l.Append(context.Background(), []lake.Row{row}, nil); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(row.Record)
	checkColumns(t, l, storeA, row.EventID, [][2]string{
		{"eventVersion", event.Version},
		{"userIdentity.type", "IAMUser"},
		{"userIdentity.arn", "arn:aws:iam::123456789012:user/alice"},
		{"userIdentity.userName", "alice"},
		{"userIdentity.accessKeyId", "AKIAalice"},
		{"userIdentity.sessionContext", "<null>"},
		{"eventTime", "2026-05-04 03:02:01.000"},
		{"eventSource", "s3.amazonaws.com"},
		{"eventName", "CreateBucket"},
		{"awsRegion", "eu-west-1"},
		{"sourceIPAddress", "203.0.113.5"},
		{"userAgent", "aws-cli/2.15.0"},
		{"errorCode", "AccessDenied"},
		{"errorMessage", "denied"},
		{"requestParameters", `{"bucketName":"logs-1","tags":{"team":"sec"}}`},
		{"requestParameters.tags.team", "sec"},
		{"responseElements", "<null>"},
		{"requestID", "req-1"},
		{"readOnly", "false"},
		{"resources", `[{"accountid":"123456789012","type":"AWS::S3::Bucket","arn":"arn:aws:s3:::logs-1","arnprefix":null}]`},
		{"resources[1].arn", "arn:aws:s3:::logs-1"},
		{"eventType", "AwsApiCall"},
		{"managementEvent", "true"},
		{"recipientAccountId", "123456789012"},
		{"eventCategory", "Management"},
		{"tlsDetails", `{"tlsversion":"TLSv1.3","ciphersuite":"TLS_AES_128_GCM_SHA256","clientprovidedhostheader":"s3.eu-west-1.amazonaws.com"}`},
		{"eventData", "<null>"},
		{"eventJson", string(row.Record)},
		{"eventJsonChecksum", hex.EncodeToString(sum[:])},
	})
}

// An ActivityAuditLog record (PutAuditEvents) fills eventdata and metadata.
func TestLakeSchemaAuditRecord(t *testing.T) {
	l := openTestLake(t, "")
	at := time.Date(2026, 5, 4, 3, 2, 1, 0, time.UTC)
	if err := l.Append(context.Background(), []lake.Row{auditRow(storeA, at, "a1", "Login", 3)}, nil); err != nil {
		t.Fatal(err)
	}
	checkColumns(t, l, storeA, "a1", [][2]string{
		{"eventVersion", "1.0"},
		{"eventCategory", "ActivityAuditLog"},
		{"eventType", "ActivityLog"},
		{"eventTime", "2026-05-04 03:02:01.000"},
		{"awsRegion", "us-east-1"},
		{"recipientAccountId", "123456789012"},
		{"metadata.channelARN", "arn:aws:cloudtrail:us-east-1:123456789012:channel/ch1"},
		{"metadata.ingestionTime", "2026-05-04T03:02:02Z"},
		{"eventData.eventName", "Login"},
		{"eventData.eventSource", "app.example.com"},
		{"eventData.UID", "uid-a1"},
		{"eventData.userIdentity.principalId", "alice"},
		{"eventData.userIdentity.details.team", "a"},
		{"eventData.requestParameters.attempt", "3"},
		{"eventData.requestParameters", `{"attempt":3,"user":"alice"}`},
		{"userIdentity", "<null>"},
		{"eventName", "<null>"},
	})
}

// Older and richer records: no eventCategory or readOnly, an assumed role's
// session context, the rarely present (lazily derived) members.
func TestLakeSchemaOtherRecords(t *testing.T) {
	l := openTestLake(t, "")
	old := `{"eventVersion":"1.05","userIdentity":{"type":"AssumedRole","principalId":"AROAX:s","arn":"arn:aws:sts::1:assumed-role/Admin/s",` +
		`"accountId":"1","sessionContext":{"sessionIssuer":{"type":"Role","principalId":"AROAX","userName":"Admin"},` +
		`"webIdFederationData":{"federatedProvider":"accounts.google.com","attributes":{"aud":"x"}},` +
		`"attributes":{"creationDate":"2019-01-01T10:00:00Z","mfaAuthenticated":"true"}},"invokedBy":"ec2.amazonaws.com"},` +
		`"eventTime":"2019-01-01T10:05:00Z","eventSource":"ec2.amazonaws.com","eventName":"RunInstances","awsRegion":"us-west-2",` +
		`"requestParameters":null,"responseElements":{"instancesSet":{"items":[{"instanceId":"i-1"}]}},"additionalEventData":{"x":1},` +
		`"eventID":"old-1","eventType":"AwsApiCall","apiVersion":"2016-11-15","sharedEventID":"s-1","vpcEndpointId":"vpce-1",` +
		`"serviceEventDetails":{"a":"b"},"addendum":{"reason":"DELIVERY_DELAY"},"sessionCredentialFromConsole":"true",` +
		`"eventContext":{"tagContext":{}},"annotation":"n"}`
	at := time.Date(2019, 1, 1, 10, 5, 0, 0, time.UTC)
	if err := l.Append(context.Background(), []lake.Row{{Store: storeA, Time: at, EventID: "old-1", Record: []byte(old)}}, nil); err != nil {
		t.Fatal(err)
	}
	checkColumns(t, l, storeA, "old-1", [][2]string{
		{"eventCategory", "Management"},
		{"readOnly", "<null>"},
		{"managementEvent", "<null>"},
		{"userIdentity.sessionContext.sessionIssuer.userName", "Admin"},
		{"userIdentity.sessionContext.attributes.creationDate", "2019-01-01 10:00:00.000"},
		{"userIdentity.sessionContext.attributes.mfaAuthenticated", "true"},
		{"userIdentity.sessionContext.webIdFederationData.attributes.aud", "x"},
		{"userIdentity.invokedBy", "ec2.amazonaws.com"},
		{"requestParameters", "<null>"},
		{"responseElements.instancesSet.items", `[{"instanceId":"i-1"}]`},
		{"additionalEventData.x", "1"},
		{"apiVersion", "2016-11-15"},
		{"sharedEventID", "s-1"},
		{"vpcEndpointId", "vpce-1"},
		{"vpcEndpointAccountId", "<null>"},
		{"serviceEventDetails", `{"a":"b"}`},
		{"addendum", `{"reason":"DELIVERY_DELAY","updatedfields":null,"originalrequestid":null,"originaleventid":null,"originaluid":null}`},
		{"addendum.reason", "DELIVERY_DELAY"},
		{"sessionCredentialFromConsole", "true"},
		{"eventContext", `{"tagContext":{}}`},
		{"annotation", "n"},
		{"edgeDeviceDetails", "<null>"},
	})
}

// The view's columns are the AWS schema's, in order, lower case.
func TestLakeSchemaColumns(t *testing.T) {
	l := openTestLake(t, "")
	r, _ := mustRun(t, l, "SELECT * FROM "+storeA, scopeAll(storeA))
	want := []string{"eventversion", "useridentity", "eventtime", "eventsource", "eventname", "awsregion", "sourceipaddress",
		"useragent", "errorcode", "errormessage", "requestparameters", "responseelements", "additionaleventdata", "requestid",
		"eventid", "readonly", "resources", "eventtype", "apiversion", "managementevent", "recipientaccountid", "sharedeventid",
		"annotation", "vpcendpointid", "vpcendpointaccountid", "serviceeventdetails", "addendum", "edgedevicedetails",
		"insightdetails", "eventcategory", "tlsdetails", "sessioncredentialfromconsole", "eventcontext", "metadata", "eventdata",
		"eventjson", "eventjsonchecksum"}
	if !reflect.DeepEqual(r.cols, want) {
		t.Fatalf("columns %q", r.cols)
	}
}
