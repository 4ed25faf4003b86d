package lakedb

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/cairn-audit/cairn/internal/event"
	"github.com/cairn-audit/cairn/internal/lake"
)

// sampleEventsAcct is the account of the sample events.
const sampleEventsAcct = "111111111111"

// sampleRecord builds a CloudTrail record at `at` for an API call.
func sampleRecord(at time.Time, source, name string, ident map[string]any, extra map[string]any) map[string]any {
	r := map[string]any{
		"eventVersion": "1.11", "userIdentity": ident, "eventTime": at.Format(time.RFC3339),
		"eventSource": source, "eventName": name, "awsRegion": "us-east-1", "sourceIPAddress": "203.0.113.7",
		"userAgent": "aws-cli/2.17.0", "requestParameters": nil, "responseElements": nil,
		"requestID": event.NewID(), "eventID": event.NewID(), "readOnly": false, "eventType": "AwsApiCall",
		"managementEvent": true, "recipientAccountId": sampleEventsAcct, "eventCategory": "Management",
	}
	for k, v := range extra {
		r[k] = v
	}
	return r
}

func sampleIAMUser(name, key string) map[string]any {
	return map[string]any{"type": "IAMUser", "principalId": "AIDA" + strings.ToUpper(name), "arn": "arn:aws:iam::" + sampleEventsAcct + ":user/" + name,
		"accountId": sampleEventsAcct, "accessKeyId": key, "userName": name}
}

var (
	sampleRoot    = map[string]any{"type": "Root", "principalId": sampleEventsAcct, "arn": "arn:aws:iam::" + sampleEventsAcct + ":root", "accountId": sampleEventsAcct, "accessKeyId": "ASIAROOT"}
	sampleSession = map[string]any{"type": "AssumedRole", "principalId": "AROADEPLOY:ci", "arn": "arn:aws:sts::" + sampleEventsAcct + ":assumed-role/deploy/ci",
		"accountId": sampleEventsAcct, "accessKeyId": "ASIADEPLOY", "sessionContext": map[string]any{
			"sessionIssuer": map[string]any{"type": "Role", "principalId": "AROADEPLOY", "arn": "arn:aws:iam::" + sampleEventsAcct + ":role/deploy", "accountId": sampleEventsAcct, "userName": "deploy"},
			"attributes":    map[string]any{"creationDate": "2026-01-01T00:00:00Z", "mfaAuthenticated": "false"}}}
	sampleOutsider = map[string]any{"type": "AssumedRole", "principalId": "AROAX:x", "arn": "arn:aws:sts::222222222222:assumed-role/auditor/x", "accountId": "222222222222", "accessKeyId": "ASIAX"}
)

// sampleEvents are realistic records of the activity the sample queries look for.
func sampleEvents(now time.Time) []map[string]any {
	at := func(ago time.Duration) time.Time { return now.Add(-ago).Truncate(time.Second) }
	alice, bob := sampleIAMUser("alice", "AKIAALICE"), sampleIAMUser("bob", "AKIAIOSFODNN7EXAMPLE")
	evs := []map[string]any{
		sampleRecord(at(time.Hour), "signin.amazonaws.com", "ConsoleLogin", alice, map[string]any{
			"responseElements": map[string]any{"ConsoleLogin": "Success"}, "additionalEventData": map[string]any{"MFAUsed": "No", "LoginTo": "https://console.aws.amazon.com"}}),
		sampleRecord(at(2*time.Hour), "signin.amazonaws.com", "ConsoleLogin", map[string]any{"type": "IAMUser", "principalId": "AIDAMALLORY", "accountId": sampleEventsAcct, "userName": "mallory"}, map[string]any{
			"errorMessage": "Failed authentication", "responseElements": map[string]any{"ConsoleLogin": "Failure"}, "additionalEventData": map[string]any{"MFAUsed": "No"}}),
		sampleRecord(at(3*time.Hour), "iam.amazonaws.com", "CreateUser", sampleRoot, map[string]any{
			"requestParameters": map[string]any{"userName": "carol"}, "responseElements": map[string]any{"user": map[string]any{"userName": "carol", "arn": "arn:aws:iam::" + sampleEventsAcct + ":user/carol"}}}),
		sampleRecord(at(3*time.Hour), "iam.amazonaws.com", "CreateRole", alice, map[string]any{
			"requestParameters": map[string]any{"roleName": "deploy", "assumeRolePolicyDocument": `{"Version":"2012-10-17"}`}}),
		sampleRecord(at(3*time.Hour), "iam.amazonaws.com", "AttachRolePolicy", alice, map[string]any{
			"requestParameters": map[string]any{"roleName": "deploy", "policyArn": "arn:aws:iam::aws:policy/AdministratorAccess"}}),
		sampleRecord(at(3*time.Hour), "iam.amazonaws.com", "CreatePolicy", alice, map[string]any{
			"requestParameters": map[string]any{"policyName": "wide-open", "policyDocument": `{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`}}),
		sampleRecord(at(4*time.Hour), "iam.amazonaws.com", "CreateAccessKey", alice, map[string]any{
			"requestParameters": map[string]any{"userName": "carol"},
			"responseElements":  map[string]any{"accessKey": map[string]any{"accessKeyId": "AKIACAROLNEW", "status": "Active", "userName": "carol", "createDate": "Jan 1, 2026 12:00:00 AM"}}}),
		sampleRecord(at(5*time.Hour), "iam.amazonaws.com", "DeactivateMFADevice", alice, map[string]any{
			"requestParameters": map[string]any{"userName": "bob", "serialNumber": "arn:aws:iam::" + sampleEventsAcct + ":mfa/bob"}}),
		sampleRecord(at(5*time.Hour), "iam.amazonaws.com", "UpdateAccountPasswordPolicy", sampleRoot, map[string]any{
			"requestParameters": map[string]any{"minimumPasswordLength": 6}}),
		sampleRecord(at(6*time.Hour), "cloudtrail.amazonaws.com", "StopLogging", bob, map[string]any{
			"requestParameters": map[string]any{"name": "arn:aws:cloudtrail:us-east-1:" + sampleEventsAcct + ":trail/main"}}),
		sampleRecord(at(6*time.Hour), "cloudtrail.amazonaws.com", "DeleteTrail", bob, map[string]any{
			"requestParameters": map[string]any{"name": "main"}}),
		sampleRecord(at(6*time.Hour), "cloudtrail.amazonaws.com", "DeleteEventDataStore", bob, map[string]any{
			"requestParameters": map[string]any{"eventDataStore": "0f3e1c5a-2222-4000-8000-000000000001"}}),
		sampleRecord(at(6*time.Hour), "cloudtrail.amazonaws.com", "StartQuery", alice, map[string]any{
			"requestParameters": map[string]any{"queryStatement": "SELECT 1 FROM x"}, "responseElements": map[string]any{"queryId": event.NewID()}}),
		sampleRecord(at(7*time.Hour), "s3.amazonaws.com", "PutBucketAcl", bob, map[string]any{
			"requestParameters": map[string]any{"bucketName": "public-stuff", "Host": "public-stuff.s3.amazonaws.com", "acl": "",
				"AccessControlPolicy": map[string]any{"AccessControlList": map[string]any{"Grant": []any{map[string]any{
					"Grantee": map[string]any{"xsi:type": "Group", "URI": "http://acs.amazonaws.com/groups/global/AllUsers"}, "Permission": "READ"}}}}}}),
		sampleRecord(at(7*time.Hour), "s3.amazonaws.com", "PutBucketPolicy", bob, map[string]any{
			"requestParameters": map[string]any{"bucketName": "open-bucket", "policy": "", "bucketPolicy": map[string]any{"Version": "2012-10-17",
				"Statement": []any{map[string]any{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::open-bucket/*"}}}}}),
		sampleRecord(at(8*time.Hour), "ec2.amazonaws.com", "AuthorizeSecurityGroupIngress", bob, map[string]any{
			"requestParameters": map[string]any{"groupId": "sg-0123456789", "ipPermissions": map[string]any{"items": []any{map[string]any{
				"ipProtocol": "tcp", "fromPort": 22, "toPort": 22, "ipRanges": map[string]any{"items": []any{map[string]any{"cidrIp": "0.0.0.0/0"}}}}}}}}),
		sampleRecord(at(8*time.Hour), "ec2.amazonaws.com", "RunInstances", bob, map[string]any{"awsRegion": "ap-southeast-3",
			"requestParameters": map[string]any{"instanceType": "p4d.24xlarge", "imageId": "ami-0123456789"}}),
		sampleRecord(at(9*time.Hour), "kms.amazonaws.com", "ScheduleKeyDeletion", bob, map[string]any{
			"requestParameters": map[string]any{"keyId": "arn:aws:kms:us-east-1:" + sampleEventsAcct + ":key/1234abcd", "pendingWindowInDays": 7}}),
		sampleRecord(at(10*time.Hour), "s3.amazonaws.com", "DeleteObject", bob, map[string]any{"eventCategory": "Data", "managementEvent": false,
			"requestParameters": map[string]any{"bucketName": "finance", "key": "q1.xlsx"}}),
		sampleRecord(at(10*time.Hour), "s3.amazonaws.com", "GetObject", sampleSession, map[string]any{"eventCategory": "Data", "managementEvent": false, "readOnly": true,
			"requestParameters": map[string]any{"bucketName": "finance", "key": "q2.xlsx"}}),
		sampleRecord(at(11*time.Hour), "sts.amazonaws.com", "AssumeRole", alice, map[string]any{"readOnly": true,
			"requestParameters": map[string]any{"roleArn": "arn:aws:iam::" + sampleEventsAcct + ":role/deploy", "roleSessionName": "ci"}}),
		sampleRecord(at(11*time.Hour), "ec2.amazonaws.com", "DescribeInstances", sampleSession, map[string]any{"readOnly": true}),
		sampleRecord(at(12*time.Hour), "s3.amazonaws.com", "ListBuckets", sampleOutsider, map[string]any{"readOnly": true}),
	}
	for range 4 {
		evs = append(evs, sampleRecord(at(20*time.Minute), "ec2.amazonaws.com", "DescribeVolumes", bob, map[string]any{
			"errorCode": "Client.UnauthorizedOperation", "errorMessage": "You are not authorized to perform this operation.", "readOnly": true}))
		evs = append(evs, sampleRecord(at(20*time.Minute), "iam.amazonaws.com", "GetUser", alice, map[string]any{
			"errorCode": "AccessDenied", "errorMessage": "User: alice is not authorized", "readOnly": true, "awsRegion": "us-east-1"}))
	}
	return evs
}

// sampleAuditEvent is an ActivityAuditLog event as PutAuditEvents stores it.
func sampleAuditEvent(now time.Time) map[string]any {
	return map[string]any{"eventVersion": "2.11", "eventCategory": "ActivityAuditLog", "eventType": "ActivityLog", "eventID": event.NewID(),
		"eventTime": now.Add(-time.Hour).Format(time.RFC3339), "awsRegion": "us-east-1", "recipientAccountId": sampleEventsAcct,
		"metadata": map[string]any{"ingestionTime": now.Format(time.RFC3339), "channelARN": "arn:aws:cloudtrail:us-east-1:" + sampleEventsAcct + ":channel/x"},
		"eventData": map[string]any{"version": "1.0", "userIdentity": map[string]any{"type": "CustomUser", "principalId": "alice", "details": map[string]any{"team": "a"}},
			"eventSource": "app.example.com", "eventName": "Login", "eventTime": now.Add(-time.Hour).Format("2006-01-02T15:04:05Z"), "UID": "uid-1",
			"requestParameters": map[string]any{"user": "alice"}, "recipientAccountId": sampleEventsAcct}}
}

// sampleRows collects a query's rows.
type sampleRows struct {
	cols []string
	rows [][]lake.Value
}

func (r *sampleRows) Columns(c []string) error { r.cols = c; return nil }
func (r *sampleRows) Row(v []lake.Value) error { r.rows = append(r.rows, v); return nil }

// sampleFinds are what the samples about specific activity must find among
// the sample events: a column and a value one of its rows has.
var sampleFinds = map[string][2]string{
	"Console sign-ins without MFA":                  {"principal", "arn:aws:iam::111111111111:user/alice"},
	"Failed console sign-ins":                       {"userName", "mallory"},
	"Root user activity":                            {"eventName", "CreateUser"},
	"Access denied errors by user and hour":         {"principal", "arn:aws:iam::111111111111:user/bob"},
	"IAM user changes":                              {"targetUser", "carol"},
	"IAM role changes":                              {"policyArn", "arn:aws:iam::aws:policy/AdministratorAccess"},
	"IAM policy changes":                            {"policyName", "wide-open"},
	"Access keys created":                           {"accessKeyId", "AKIACAROLNEW"},
	"CloudTrail trails stopped, deleted or changed": {"eventName", "StopLogging"},
	"Event data store changes":                      {"eventDataStore", "0f3e1c5a-2222-4000-8000-000000000001"},
	"S3 buckets made public":                        {"bucketName", "open-bucket"},
	"S3 objects deleted by user":                    {"bucketName", "finance"},
	"Security groups opened to the internet":        {"groupId", "sg-0123456789"},
	"KMS key deletion scheduled or keys disabled":   {"pendingWindowInDays", "7"},
	"Top API callers":                               {"principal", "arn:aws:iam::111111111111:user/alice"},
	"Top error codes":                               {"errorCode", "AccessDenied"},
	"API calls by source IP address":                {"sourceIPAddress", "203.0.113.7"},
	"New regions in use":                            {"awsRegion", "ap-southeast-3"},
	"Assumed role sessions by session issuer":       {"roleName", "deploy"},
	"S3 data events by bucket":                      {"eventName", "GetObject"},
	"Activity of one access key":                    {"eventName", "StopLogging"},
	"Integration (PutAuditEvents) events by source": {"eventSource", "app.example.com"},
	"MFA devices deactivated or deleted":            {"userName", "bob"},
	"Write API calls by user in the last day":       {"eventName", "CreateRole"},
	"Cross-account API calls":                       {"callerAccount", "222222222222"},
	"EC2 instances launched":                        {"instanceType", "p4d.24xlarge"},
	"CloudTrail Lake queries run":                   {"queryStatement", "SELECT 1 FROM x"},
	"Recent activity of one IAM user":               {"eventName", "CreateRole"},
	"API calls by user agent":                       {"userAgent", "aws-cli/2.17.0"},
	"Roles assumed with STS":                        {"roleArn", "arn:aws:iam::111111111111:role/deploy"},
	"Account password policy changes":               {"minimumPasswordLength", "6"},
	"Event volume per hour":                         {"errors", "8"},
}

// TestLakeSamplesRun runs every built-in sample query against the DuckDB
// engine over realistic events: each must run, and each about specific
// activity must find it.
func TestLakeSamplesRun(t *testing.T) {
	l, err := Open(Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	ctx := context.Background()
	mgmt, audit := lake.NewID(), lake.NewID()
	now := time.Now().UTC()
	var rows []lake.Row
	add := func(store string, rec map[string]any) {
		b, err := json.Marshal(rec)
		if err != nil {
			t.Fatal(err)
		}
		at, err := time.Parse(time.RFC3339, rec["eventTime"].(string))
		if err != nil {
			t.Fatal(err)
		}
		rows = append(rows, lake.Row{Store: store, Time: at, EventID: rec["eventID"].(string), Record: b})
	}
	for _, rec := range sampleEvents(now) {
		add(mgmt, rec)
	}
	add(audit, sampleAuditEvent(now))
	if err := l.Append(ctx, rows, map[string]uint64{lake.CursorJournal: 1}); err != nil {
		t.Fatal(err)
	}

	samples, err := lake.SampleQueries()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range samples {
		t.Run(s.Name, func(t *testing.T) {
			store := mgmt
			if strings.Contains(s.SQL, "ActivityAuditLog") {
				store = audit
			}
			sql := strings.ReplaceAll(s.SQL, lake.SampleTable, store)
			ids, err := l.Check(ctx, sql)
			if err != nil || len(ids) != 1 || ids[0] != store {
				t.Fatalf("Check: %v %v\n%s", ids, err, sql)
			}
			var got sampleRows
			if _, err := l.Run(ctx, lake.Query{SQL: sql, Stores: map[string]lake.Scope{store: {}}}, &got); err != nil {
				t.Fatalf("Run: %v\n%s", err, sql)
			}
			want, ok := sampleFinds[s.Name]
			if !ok {
				t.Fatalf("no expectation for sample %q: add one to sampleFinds", s.Name)
			}
			col := -1
			for i, c := range got.cols {
				if c == want[0] {
					col = i
				}
			}
			if col < 0 {
				t.Fatalf("no column %q in %v", want[0], got.cols)
			}
			for _, r := range got.rows {
				if !r[col].Null && r[col].S == want[1] {
					return
				}
			}
			t.Fatalf("no row has %s = %q; rows: %s", want[0], want[1], formatSampleRows(got))
		})
	}
}

func formatSampleRows(r sampleRows) string {
	var b strings.Builder
	for _, row := range r.rows {
		for i, v := range row {
			if i < len(r.cols) {
				fmt.Fprintf(&b, "%s=", r.cols[i])
			}
			if v.Null {
				b.WriteString("NULL ")
			} else {
				fmt.Fprintf(&b, "%q ", v.S)
			}
		}
		b.WriteString("\n")
	}
	return b.String()
}
