package cloudtrail

import (
	"fmt"
	"strings"
	"testing"
)

func channelPolicy(arn string, principals ...string) string {
	return fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Sid":"ChannelPolicy","Effect":"Allow","Principal":{"AWS":["%s"]},"Action":"cloudtrail-data:PutAuditEvents","Resource":%q,"Condition":{"StringEquals":{"cloudtrail:ExternalId":"ext-123"}}}]}`,
		strings.Join(principals, `","`), arn)
}

func TestResourcePolicyLifecycle(t *testing.T) {
	e := newChannelEnv(t)
	arn := e.createChannel("us-east-1", "app")
	ref := map[string]any{"ResourceArn": arn}
	e.fails("us-east-1", "GetResourcePolicy", ref, "ResourcePolicyNotFoundException")
	e.fails("us-east-1", "DeleteResourcePolicy", ref, "ResourcePolicyNotFoundException")

	doc := channelPolicy(arn, "222222222222", "arn:aws:iam::333333333333:root")
	res := e.ok("us-east-1", "PutResourcePolicy", map[string]any{"ResourceArn": arn, "ResourcePolicy": doc}, nil)
	want := fmt.Sprintf(`{"ResourceArn":%q,"ResourcePolicy":%q}`, arn, doc)
	if string(res.Body) != want || res.ReadOnly || res.Resources[0].ARN != arn {
		t.Fatalf("PutResourcePolicy %s", res.Body)
	}
	if got := jsonString(t, res.RequestParameters); got != fmt.Sprintf(`{"resourceArn":%q,"resourcePolicy":%q}`, arn, doc) {
		t.Fatalf("requestParameters %s", got)
	}
	if got := jsonString(t, res.ResponseElements); got != fmt.Sprintf(`{"resourceArn":%q,"resourcePolicy":%q}`, arn, doc) {
		t.Fatalf("responseElements %s", got)
	}
	if ch, _ := e.channels.Get(arn); ch.Policy != doc {
		t.Fatalf("stored policy %q", ch.Policy)
	}
	res = e.ok("us-east-1", "GetResourcePolicy", ref, nil)
	if string(res.Body) != want || !res.ReadOnly || res.ResponseElements != nil {
		t.Fatalf("GetResourcePolicy %s", res.Body)
	}
	// Replacing it keeps one policy.
	doc2 := channelPolicy(arn, "444444444444")
	e.ok("us-east-1", "PutResourcePolicy", map[string]any{"ResourceArn": arn, "ResourcePolicy": doc2}, nil)
	if ch, _ := e.channels.Get(arn); ch.Policy != doc2 {
		t.Fatalf("replaced policy %q", ch.Policy)
	}
	res = e.ok("us-east-1", "DeleteResourcePolicy", ref, nil)
	if string(res.Body) != "{}" || res.ReadOnly {
		t.Fatalf("DeleteResourcePolicy %s", res.Body)
	}
	e.fails("us-east-1", "GetResourcePolicy", ref, "ResourcePolicyNotFoundException")
}

func TestResourcePolicyErrors(t *testing.T) {
	e := newChannelEnv(t)
	arn := e.createChannel("us-east-1", "app")
	good := channelPolicy(arn, "222222222222")
	cases := []struct {
		name, region, arn, doc, code, msg string
	}{
		{"not an ARN", "us-east-1", "app", good, "ResourceARNNotValidException", ""},
		{"IAM ARN", "us-east-1", "arn:aws:iam::111111111111:user/bob", good, "ResourceARNNotValidException", ""},
		{"trail", "us-east-1", "arn:aws:cloudtrail:us-east-1:111111111111:trail/t", good, "ResourceTypeNotSupportedException", ""},
		{"event data store", "us-east-1", edsARN, good, "ResourceNotFoundException", ""},
		{"unknown channel", "us-east-1", "arn:aws:cloudtrail:us-east-1:111111111111:channel/0b3c1e3a-1111-4000-8000-000000000001", good, "ResourceNotFoundException", ""},
		{"other region", "eu-west-1", arn, good, "ResourceNotFoundException", ""},
		{"empty policy", "us-east-1", arn, "", "ResourcePolicyNotValidException", "empty"},
		{"not JSON", "us-east-1", arn, "{", "ResourcePolicyNotValidException", "not a valid JSON object"},
		{"too long", "us-east-1", arn, good + strings.Repeat(" ", 8192), "ResourcePolicyNotValidException", "8192"},
		{"other resource", "us-east-1", arn, channelPolicy(arn+"0", "222222222222"), "ResourcePolicyNotValidException", "does not match the channel ARN"},
		{"other action", "us-east-1", arn, strings.Replace(good, "cloudtrail-data:PutAuditEvents", "cloudtrail:GetChannel", 1), "ResourcePolicyNotValidException", "may only grant cloudtrail-data:PutAuditEvents"},
		{"no statements", "us-east-1", arn, `{"Version":"2012-10-17","Statement":[]}`, "ResourcePolicyNotValidException", "1 to 20 statements"},
		{"bad principal", "us-east-1", arn, channelPolicy(arn, "*"), "ResourcePolicyNotValidException", "not an AWS account ID or IAM ARN"},
		{"other condition", "us-east-1", arn, strings.Replace(good, "cloudtrail:ExternalId", "aws:SourceAccount", 1), "ResourcePolicyNotValidException", "aws:SourceAccount"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e.t = t
			msg := e.fails(c.region, "PutResourcePolicy", map[string]any{"ResourceArn": c.arn, "ResourcePolicy": c.doc}, c.code)
			if !strings.Contains(msg, c.msg) {
				t.Fatalf("message %q does not contain %q", msg, c.msg)
			}
		})
	}
	if ch, _ := e.channels.Get(arn); ch.Policy != "" {
		t.Fatalf("a failed put stored %q", ch.Policy)
	}
	e.fails("us-east-1", "GetResourcePolicy", map[string]any{"ResourceArn": "arn:aws:cloudtrail:us-east-1:111111111111:trail/t"}, "ResourceTypeNotSupportedException")
	e.fails("us-east-1", "DeleteResourcePolicy", map[string]any{"ResourceArn": "bad arn!"}, "ResourceARNNotValidException")
}
