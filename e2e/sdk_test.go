package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
)

func sdkConfig(s *server, akid, secret, region string) aws.Config {
	return aws.Config{
		Region:           region,
		Credentials:      credentials.NewStaticCredentialsProvider(akid, secret, ""),
		BaseEndpoint:     aws.String(s.endpoint),
		RetryMaxAttempts: 1,
	}
}

// record is the parsed CloudTrailEvent.
type record struct {
	EventVersion string `json:"eventVersion"`
	UserIdentity struct {
		Type, PrincipalID, ARN, AccountID, AccessKeyID, UserName string
	} `json:"userIdentity"`
	EventTime          string          `json:"eventTime"`
	EventSource        string          `json:"eventSource"`
	EventName          string          `json:"eventName"`
	AWSRegion          string          `json:"awsRegion"`
	SourceIPAddress    string          `json:"sourceIPAddress"`
	UserAgent          string          `json:"userAgent"`
	ErrorCode          string          `json:"errorCode"`
	ErrorMessage       string          `json:"errorMessage"`
	RequestParameters  json.RawMessage `json:"requestParameters"`
	ResponseElements   json.RawMessage `json:"responseElements"`
	RequestID          string          `json:"requestID"`
	EventID            string          `json:"eventID"`
	ReadOnly           *bool           `json:"readOnly"`
	Resources          []struct{ ARN, AccountID, Type string }
	EventType          string `json:"eventType"`
	ManagementEvent    *bool  `json:"managementEvent"`
	RecipientAccountID string `json:"recipientAccountId"`
	EventCategory      string `json:"eventCategory"`
	TLSDetails         *struct {
		TLSVersion, CipherSuite, ClientProvidedHostHeader string
	} `json:"tlsDetails"`
}

func parseRecord(t *testing.T, e cttypes.Event) record {
	t.Helper()
	var r record
	if err := json.Unmarshal([]byte(aws.ToString(e.CloudTrailEvent)), &r); err != nil {
		t.Fatalf("CloudTrailEvent is not JSON: %v\n%s", err, aws.ToString(e.CloudTrailEvent))
	}
	return r
}

// lookupAll walks every page of a lookup.
func lookupAll(t *testing.T, ct *cloudtrail.Client, in *cloudtrail.LookupEventsInput) []cttypes.Event {
	t.Helper()
	var out []cttypes.Event
	p := cloudtrail.NewLookupEventsPaginator(ct, in)
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatalf("LookupEvents: %v", err)
		}
		out = append(out, page.Events...)
	}
	return out
}

func byAttr(k cttypes.LookupAttributeKey, v string) *cloudtrail.LookupEventsInput {
	return &cloudtrail.LookupEventsInput{LookupAttributes: []cttypes.LookupAttribute{{AttributeKey: k, AttributeValue: aws.String(v)}}}
}

func apiCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

func TestSDKIdentitiesAndLookupEvents(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()
	root := sdkConfig(s, testKey, testSecret, testRegion)
	rootIAM := iam.NewFromConfig(root)

	if _, err := rootIAM.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("alice")}); err != nil {
		t.Fatalf("CreateUser alice: %v", err)
	}
	key, err := rootIAM.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("alice")})
	if err != nil {
		t.Fatalf("CreateAccessKey: %v", err)
	}
	aliceKey, aliceSecret := aws.ToString(key.AccessKey.AccessKeyId), aws.ToString(key.AccessKey.SecretAccessKey)
	alice := sdkConfig(s, aliceKey, aliceSecret, testRegion)

	who, err := sts.NewFromConfig(alice).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatalf("GetCallerIdentity as alice: %v", err)
	}
	if aws.ToString(who.Arn) != "arn:aws:iam::"+testAccount+":user/alice" || aws.ToString(who.Account) != testAccount {
		t.Fatalf("alice is %s in %s", aws.ToString(who.Arn), aws.ToString(who.Account))
	}
	if _, err := iam.NewFromConfig(alice).CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("bob"), Path: aws.String("/team/")}); err != nil {
		t.Fatalf("alice creates bob: %v", err)
	}
	_, err = iam.NewFromConfig(alice).GetUser(ctx, &iam.GetUserInput{UserName: aws.String("nobody")})
	if apiCode(err) != "NoSuchEntity" {
		t.Fatalf("GetUser nobody: %v", err)
	}

	ct := cloudtrail.NewFromConfig(root)

	// Username and AccessKeyId: alice's three calls, with her identity recorded.
	byUser := lookupAll(t, ct, byAttr(cttypes.LookupAttributeKeyUsername, "alice"))
	byKey := lookupAll(t, ct, byAttr(cttypes.LookupAttributeKeyAccessKeyId, aliceKey))
	names := func(evs []cttypes.Event) string {
		var n []string
		for _, e := range evs {
			n = append(n, aws.ToString(e.EventName))
		}
		return strings.Join(n, ",")
	}
	if got := names(byUser); got != "GetUser,CreateUser,GetCallerIdentity" {
		t.Fatalf("Username=alice: %s", got)
	}
	if names(byKey) != names(byUser) {
		t.Fatalf("AccessKeyId=%s: %s", aliceKey, names(byKey))
	}
	for _, e := range byUser {
		r := parseRecord(t, e)
		if aws.ToString(e.Username) != "alice" || aws.ToString(e.AccessKeyId) != aliceKey ||
			r.UserIdentity.Type != "IAMUser" || r.UserIdentity.UserName != "alice" || r.UserIdentity.AccessKeyID != aliceKey ||
			r.UserIdentity.ARN != "arn:aws:iam::"+testAccount+":user/alice" || r.UserIdentity.AccountID != testAccount ||
			!strings.HasPrefix(r.UserIdentity.PrincipalID, "AIDA") {
			t.Errorf("%s: identity %+v (Username %s, AccessKeyId %s)", r.EventName, r.UserIdentity, aws.ToString(e.Username), aws.ToString(e.AccessKeyId))
		}
	}

	// The failed call carries its error.
	failed := parseRecord(t, byUser[0])
	if failed.ErrorCode != "NoSuchEntity" || failed.ErrorMessage == "" || failed.EventSource != "iam.amazonaws.com" || string(failed.RequestParameters) != `{"userName":"nobody"}` {
		t.Errorf("GetUser nobody record: %+v", failed)
	}

	// EventName + ResourceName + full record of alice creating bob.
	created := lookupAll(t, ct, byAttr(cttypes.LookupAttributeKeyResourceName, "bob"))
	if len(created) != 1 || aws.ToString(created[0].EventName) != "CreateUser" {
		t.Fatalf("ResourceName=bob: %s", names(created))
	}
	e := created[0]
	r := parseRecord(t, e)
	if len(e.Resources) != 1 || aws.ToString(e.Resources[0].ResourceType) != "AWS::IAM::User" || aws.ToString(e.Resources[0].ResourceName) != "bob" {
		t.Errorf("Resources %+v", e.Resources)
	}
	checks := map[string]bool{
		"eventVersion 1.11":     r.EventVersion == "1.11",
		"eventSource":           r.EventSource == "iam.amazonaws.com",
		"awsRegion us-east-1":   r.AWSRegion == "us-east-1",
		"sourceIPAddress":       r.SourceIPAddress == "127.0.0.1",
		"userAgent":             strings.Contains(r.UserAgent, "aws-sdk-go-v2"),
		"requestParameters":     string(r.RequestParameters) == `{"path":"/team/","userName":"bob"}` || string(r.RequestParameters) == `{"userName":"bob","path":"/team/"}`,
		"responseElements":      strings.Contains(string(r.ResponseElements), `"userName":"bob"`) && strings.Contains(string(r.ResponseElements), `"arn":"arn:aws:iam::`+testAccount+`:user/team/bob"`),
		"requestID":             r.RequestID != "",
		"eventID = EventId":     r.EventID == aws.ToString(e.EventId) && len(r.EventID) == 36,
		"readOnly false":        r.ReadOnly != nil && !*r.ReadOnly && aws.ToString(e.ReadOnly) == "false",
		"resources":             len(r.Resources) == 1 && r.Resources[0].ARN == "arn:aws:iam::"+testAccount+":user/team/bob" && r.Resources[0].Type == "AWS::IAM::User" && r.Resources[0].AccountID == testAccount,
		"eventType":             r.EventType == "AwsApiCall",
		"managementEvent":       r.ManagementEvent != nil && *r.ManagementEvent,
		"recipientAccountId":    r.RecipientAccountID == testAccount,
		"eventCategory":         r.EventCategory == "Management",
		"no tlsDetails on http": r.TLSDetails == nil,
		"EventTime matches":     e.EventTime != nil && e.EventTime.UTC().Format("2006-01-02T15:04:05Z") == r.EventTime,
		"EventSource field":     aws.ToString(e.EventSource) == "iam.amazonaws.com",
	}
	for name, ok := range checks {
		if !ok {
			t.Errorf("CreateUser bob record: %s wrong:\n%s", name, aws.ToString(e.CloudTrailEvent))
		}
	}

	// EventId finds exactly that event.
	if got := lookupAll(t, ct, byAttr(cttypes.LookupAttributeKeyEventId, r.EventID)); len(got) != 1 || aws.ToString(got[0].EventId) != r.EventID {
		t.Errorf("EventId lookup: %s", names(got))
	}
	// EventName: root's and alice's CreateUser.
	if got := names(lookupAll(t, ct, byAttr(cttypes.LookupAttributeKeyEventName, "CreateUser"))); got != "CreateUser,CreateUser" {
		t.Errorf("EventName=CreateUser: %s", got)
	}
	// ResourceType AccessKey: the CreateAccessKey call, with no secret anywhere in the record.
	keyEvents := lookupAll(t, ct, byAttr(cttypes.LookupAttributeKeyResourceType, "AWS::IAM::AccessKey"))
	if names(keyEvents) != "CreateAccessKey" {
		t.Fatalf("ResourceType=AWS::IAM::AccessKey: %s", names(keyEvents))
	}
	if rec := aws.ToString(keyEvents[0].CloudTrailEvent); strings.Contains(rec, aliceSecret) || strings.Contains(strings.ToLower(rec), "secretaccesskey") || !strings.Contains(rec, aliceKey) {
		t.Errorf("CreateAccessKey record leaks the secret or lacks the key id: %s", rec)
	}
	// EventSource and ReadOnly.
	if got := names(lookupAll(t, ct, byAttr(cttypes.LookupAttributeKeyEventSource, "sts.amazonaws.com"))); got != "GetCallerIdentity" {
		t.Errorf("EventSource=sts: %s", got)
	}
	for _, ev := range lookupAll(t, ct, byAttr(cttypes.LookupAttributeKeyReadOnly, "true")) {
		if aws.ToString(ev.ReadOnly) != "true" || !(strings.HasPrefix(aws.ToString(ev.EventName), "Get") || strings.HasPrefix(aws.ToString(ev.EventName), "List") || aws.ToString(ev.EventName) == "LookupEvents") {
			t.Errorf("ReadOnly=true returned %s (%s)", aws.ToString(ev.EventName), aws.ToString(ev.ReadOnly))
		}
	}
	writes := names(lookupAll(t, ct, byAttr(cttypes.LookupAttributeKeyReadOnly, "false")))
	if writes != "CreateUser,CreateAccessKey,CreateUser" {
		t.Errorf("ReadOnly=false: %s", writes)
	}
}

func TestSDKPaginationAndRegions(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()
	root := sdkConfig(s, testKey, testSecret, testRegion)
	stsc := sts.NewFromConfig(root)
	const calls = 73
	for i := 0; i < calls; i++ {
		if _, err := stsc.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil {
			t.Fatal(err)
		}
	}
	ct := cloudtrail.NewFromConfig(root)
	seen := map[string]bool{}
	pages := 0
	p := cloudtrail.NewLookupEventsPaginator(ct, &cloudtrail.LookupEventsInput{MaxResults: aws.Int32(7),
		LookupAttributes: []cttypes.LookupAttribute{{AttributeKey: cttypes.LookupAttributeKeyEventName, AttributeValue: aws.String("GetCallerIdentity")}}})
	var prev time.Time
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, e := range page.Events {
			id := aws.ToString(e.EventId)
			if seen[id] {
				t.Fatalf("event %s on two pages", id)
			}
			seen[id] = true
			if !prev.IsZero() && e.EventTime.After(prev) {
				t.Fatalf("not newest first")
			}
			prev = *e.EventTime
		}
	}
	if len(seen) != calls || pages != 11 {
		t.Fatalf("walked %d events in %d pages, want %d in 11", len(seen), pages, calls)
	}

	// A regional call is recorded in its region and visible only there.
	eu := cloudtrail.NewFromConfig(sdkConfig(s, testKey, testSecret, "eu-west-1"))
	if _, err := eu.LookupEvents(ctx, &cloudtrail.LookupEventsInput{}); err != nil {
		t.Fatal(err)
	}
	euEvents := lookupAll(t, eu, &cloudtrail.LookupEventsInput{})
	if len(euEvents) != 1 || aws.ToString(euEvents[0].EventName) != "LookupEvents" || parseRecord(t, euEvents[0]).AWSRegion != "eu-west-1" {
		t.Fatalf("eu-west-1 history: %d events", len(euEvents))
	}
	for _, e := range lookupAll(t, ct, byAttr(cttypes.LookupAttributeKeyEventSource, "cloudtrail.amazonaws.com")) {
		if parseRecord(t, e).AWSRegion != "us-east-1" {
			t.Fatalf("us-east-1 history shows an event of %s", parseRecord(t, e).AWSRegion)
		}
	}
}

func TestSDKAuthenticationFailures(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()
	rootIAM := iam.NewFromConfig(sdkConfig(s, testKey, testSecret, testRegion))
	if _, err := rootIAM.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("carol")}); err != nil {
		t.Fatal(err)
	}
	key, err := rootIAM.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("carol")})
	if err != nil {
		t.Fatal(err)
	}
	carolKey, carolSecret := aws.ToString(key.AccessKey.AccessKeyId), aws.ToString(key.AccessKey.SecretAccessKey)

	// Wrong secret for a known key: refused, and recorded against carol.
	_, err = cloudtrail.NewFromConfig(sdkConfig(s, carolKey, "wrong"+carolSecret[5:], testRegion)).LookupEvents(ctx, &cloudtrail.LookupEventsInput{})
	if apiCode(err) != "InvalidSignatureException" {
		t.Fatalf("wrong secret: %v", err)
	}
	_, err = sts.NewFromConfig(sdkConfig(s, carolKey, "wrong"+carolSecret[5:], testRegion)).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if apiCode(err) != "SignatureDoesNotMatch" {
		t.Fatalf("wrong secret (Query protocol): %v", err)
	}
	// Unknown key.
	_, err = cloudtrail.NewFromConfig(sdkConfig(s, "AKIAUNKNOWNKEY000000", carolSecret, testRegion)).LookupEvents(ctx, &cloudtrail.LookupEventsInput{})
	if apiCode(err) != "UnrecognizedClientException" {
		t.Fatalf("unknown key: %v", err)
	}
	// Inactive key.
	if _, err := rootIAM.UpdateAccessKey(ctx, &iam.UpdateAccessKeyInput{UserName: aws.String("carol"), AccessKeyId: aws.String(carolKey), Status: "Inactive"}); err != nil {
		t.Fatal(err)
	}
	_, err = cloudtrail.NewFromConfig(sdkConfig(s, carolKey, carolSecret, testRegion)).LookupEvents(ctx, &cloudtrail.LookupEventsInput{})
	if apiCode(err) != "UnrecognizedClientException" {
		t.Fatalf("inactive key: %v", err)
	}

	ct := cloudtrail.NewFromConfig(sdkConfig(s, testKey, testSecret, testRegion))
	var codes []string
	for _, e := range lookupAll(t, ct, byAttr(cttypes.LookupAttributeKeyAccessKeyId, carolKey)) {
		r := parseRecord(t, e)
		if r.UserIdentity.UserName != "carol" {
			t.Errorf("failed call recorded for %q", r.UserIdentity.UserName)
		}
		codes = append(codes, r.EventName+":"+r.ErrorCode)
	}
	want := "LookupEvents:UnrecognizedClientException,GetCallerIdentity:SignatureDoesNotMatch,LookupEvents:InvalidSignatureException"
	if strings.Join(codes, ",") != want {
		t.Fatalf("carol's failed calls: %v, want %s", codes, want)
	}
}
