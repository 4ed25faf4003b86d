package e2e

import (
	"encoding/json"
	"strings"
	"testing"
)

type cliLookup struct {
	Events []struct {
		EventId, EventName, ReadOnly, AccessKeyId, EventSource, Username, CloudTrailEvent string
		EventTime                                                                         any
		Resources                                                                         []struct{ ResourceType, ResourceName string }
	}
	NextToken string
}

func decodeCLI[T any](t *testing.T, out string) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatalf("CLI output is not JSON: %v\n%s", err, out)
	}
	return v
}

// TestAWSCLI drives Cairn with both aws CLIs: identities, calls as an IAM user,
// LookupEvents by each attribute, and each LookupEvents error.
func TestAWSCLI(t *testing.T) {
	for _, cli := range awsCLIs(t) {
		t.Run(cli.name, func(t *testing.T) {
			s := startServer(t)
			user := "dave-" + cli.name

			who := decodeCLI[struct{ Account, Arn, UserId string }](t, cli.mustRun(s, testKey, testSecret, "sts", "get-caller-identity"))
			if who.Account != testAccount || who.Arn != "arn:aws:iam::"+testAccount+":root" {
				t.Fatalf("root identity %+v", who)
			}
			cli.mustRun(s, testKey, testSecret, "iam", "create-user", "--user-name", user)
			key := decodeCLI[struct {
				AccessKey struct{ AccessKeyId, SecretAccessKey, Status string }
			}](t,
				cli.mustRun(s, testKey, testSecret, "iam", "create-access-key", "--user-name", user)).AccessKey
			if key.Status != "Active" || !strings.HasPrefix(key.AccessKeyId, "AKIA") || len(key.SecretAccessKey) != 40 {
				t.Fatalf("access key %+v", key)
			}
			users := decodeCLI[struct{ Users []struct{ UserName string } }](t, cli.mustRun(s, testKey, testSecret, "iam", "list-users"))
			if len(users.Users) != 1 || users.Users[0].UserName != user {
				t.Fatalf("list-users %+v", users)
			}
			// Calls as the IAM user.
			me := decodeCLI[struct{ Arn string }](t, cli.mustRun(s, key.AccessKeyId, key.SecretAccessKey, "sts", "get-caller-identity"))
			if me.Arn != "arn:aws:iam::"+testAccount+":user/"+user {
				t.Fatalf("user identity %+v", me)
			}
			cli.mustRun(s, key.AccessKeyId, key.SecretAccessKey, "iam", "get-user")
			keys := decodeCLI[struct {
				AccessKeyMetadata []struct{ AccessKeyId string }
			}](t, cli.mustRun(s, key.AccessKeyId, key.SecretAccessKey, "iam", "list-access-keys"))
			if len(keys.AccessKeyMetadata) != 1 || keys.AccessKeyMetadata[0].AccessKeyId != key.AccessKeyId {
				t.Fatalf("list-access-keys %+v", keys)
			}

			lookup := func(k, v string) cliLookup {
				return decodeCLI[cliLookup](t, cli.mustRun(s, testKey, testSecret, "cloudtrail", "lookup-events",
					"--lookup-attributes", "AttributeKey="+k+",AttributeValue="+v))
			}
			names := func(l cliLookup) string {
				var n []string
				for _, e := range l.Events {
					n = append(n, e.EventName)
				}
				return strings.Join(n, ",")
			}
			mine := lookup("Username", user)
			if got := names(mine); got != "ListAccessKeys,GetUser,GetCallerIdentity" {
				t.Fatalf("Username=%s: %s", user, got)
			}
			for _, e := range mine.Events {
				if e.AccessKeyId != key.AccessKeyId || e.Username != user || !strings.Contains(e.CloudTrailEvent, `"userName":"`+user+`"`) {
					t.Errorf("%s: AccessKeyId %s Username %s", e.EventName, e.AccessKeyId, e.Username)
				}
				if e.EventName == "GetUser" && !strings.Contains(e.CloudTrailEvent, `"userAgent":"aws-cli/`) {
					t.Errorf("userAgent not recorded: %s", e.CloudTrailEvent)
				}
			}
			if got := names(lookup("AccessKeyId", key.AccessKeyId)); got != names(mine) {
				t.Errorf("AccessKeyId: %s", got)
			}
			if got := names(lookup("EventName", "CreateAccessKey")); got != "CreateAccessKey" {
				t.Errorf("EventName=CreateAccessKey: %s", got)
			}
			// Every call about the user names it as a resource: its creation and key,
			// and its own reads of itself.
			about := lookup("ResourceName", user)
			if got := names(about); got != "ListAccessKeys,GetUser,CreateAccessKey,CreateUser" {
				t.Errorf("ResourceName=%s: %s", user, got)
			}
			createdID := about.Events[len(about.Events)-1].EventId
			if got := names(lookup("ResourceType", "AWS::IAM::AccessKey")); got != "CreateAccessKey" {
				t.Errorf("ResourceType: %s", got)
			}
			if got := names(lookup("EventSource", "sts.amazonaws.com")); got != "GetCallerIdentity,GetCallerIdentity" {
				t.Errorf("EventSource=sts: %s", got)
			}
			if got := names(lookup("ReadOnly", "false")); got != "CreateAccessKey,CreateUser" {
				t.Errorf("ReadOnly=false: %s", got)
			}
			if got := lookup("EventId", createdID); len(got.Events) != 1 || got.Events[0].EventName != "CreateUser" {
				t.Errorf("EventId: %s", names(got))
			}
			if got := names(lookup("ReadOnly", "true")); !strings.HasPrefix(got, "LookupEvents,") || strings.Contains(got, "Create") {
				t.Errorf("ReadOnly=true: %s", got)
			}

			// The quick start's command.
			five := decodeCLI[cliLookup](t, cli.mustRun(s, testKey, testSecret, "cloudtrail", "lookup-events", "--max-results", "5"))
			if len(five.Events) != 5 {
				t.Errorf("--max-results 5 gave %d events", len(five.Events))
			}
			// CLI auto-pagination walks every event once.
			all := decodeCLI[cliLookup](t, cli.mustRun(s, testKey, testSecret, "cloudtrail", "lookup-events", "--page-size", "3"))
			seen := map[string]bool{}
			for _, e := range all.Events {
				if seen[e.EventId] {
					t.Fatalf("duplicate event across pages")
				}
				seen[e.EventId] = true
			}
			if len(all.Events) < 15 {
				t.Errorf("full walk found %d events", len(all.Events))
			}

			for _, tc := range []struct {
				args []string
				code string
			}{
				{[]string{"--max-results", "51"}, "InvalidMaxResultsException"},
				{[]string{"--lookup-attributes", "AttributeKey=EventName,AttributeValue=a", "AttributeKey=Username,AttributeValue=b"}, "InvalidLookupAttributesException"},
				{[]string{"--lookup-attributes", "AttributeKey=ReadOnly,AttributeValue=maybe"}, "InvalidLookupAttributesException"},
				{[]string{"--start-time", "2026-01-02T00:00:00Z", "--end-time", "2026-01-01T00:00:00Z"}, "InvalidTimeRangeException"},
				{[]string{"--event-category", "management"}, "InvalidEventCategoryException"},
				{[]string{"--no-paginate", "--cli-input-json", `{"NextToken":"bm90LWEtdG9rZW4"}`}, "InvalidNextTokenException"},
			} {
				_, errOut, code := cli.run(s, testKey, testSecret, append([]string{"cloudtrail", "lookup-events"}, tc.args...)...)
				if code == 0 || !strings.Contains(errOut, "("+tc.code+")") {
					t.Errorf("lookup-events %v: exit %d, stderr %q; want %s", tc.args, code, errOut, tc.code)
				}
			}
			_, errOut, code := cli.run(s, testKey, testSecret, "cloudtrail", "register-organization-delegated-admin", "--member-account-id", "111122223333")
			if code == 0 || !strings.Contains(errOut, "(UnsupportedOperationException)") {
				t.Errorf("register-organization-delegated-admin: exit %d %q", code, errOut)
			}
			_, errOut, code = cli.run(s, key.AccessKeyId, "not-the-secret-0000000000000000000000000", "sts", "get-caller-identity")
			if code == 0 || !strings.Contains(errOut, "(SignatureDoesNotMatch)") {
				t.Errorf("wrong secret: exit %d %q", code, errOut)
			}
			_, errOut, code = cli.run(s, key.AccessKeyId, "not-the-secret-0000000000000000000000000", "cloudtrail", "lookup-events")
			if code == 0 || !strings.Contains(errOut, "(InvalidSignatureException)") {
				t.Errorf("wrong secret: exit %d %q", code, errOut)
			}
			_, errOut, code = cli.run(s, testKey, testSecret, "cloudtrail", "lookup-events", "--no-sign-request")
			if code == 0 || !strings.Contains(errOut, "(MissingAuthenticationTokenException)") {
				t.Errorf("unsigned: exit %d %q", code, errOut)
			}
			t.Logf("%s: %d events recorded", cli.name, len(all.Events))
		})
	}
}
