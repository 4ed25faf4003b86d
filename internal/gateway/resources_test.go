package gateway

import (
	"net/http"
	"testing"
)

// One resource per real resource: a queue the upstream reports under its
// own account ID (moto's 000000000000-style IDs are not Cairn's) is the
// caller's queue, recorded once, in the caller's account.
func TestGatewayCreateQueueRecordsOneQueue(t *testing.T) {
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request, body []byte) {
		w.Write([]byte(`{"QueueUrl":"http://sqs.local:5000/000000000000/jobs"}`))
	})
	e := newEnv(t, map[string]string{"*": up.URL}, nil)
	h := map[string]string{"X-Amz-Target": "AmazonSQS.CreateQueue", "Content-Type": "application/x-amz-json-1.0"}
	if resp, got := e.do(e.req("POST", "/", "sqs", h, []byte(`{"QueueName":"jobs"}`), akid, secret)); resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, got)
	}
	_, rec := e.last()
	jsonEq(t, "resources", rec["resources"], `[{"ARN":"arn:aws:sqs:eu-west-1:123456789012:jobs","accountId":"123456789012","type":"AWS::SQS::Queue"}]`)

	// A later call naming the queue by its URL names the same queue.
	h["X-Amz-Target"] = "AmazonSQS.SendMessage"
	up2 := `{"QueueUrl":"http://sqs.local:5000/000000000000/jobs","MessageBody":"hi"}`
	if resp, got := e.do(e.req("POST", "/", "sqs", h, []byte(up2), akid, secret)); resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, got)
	}
	_, rec = e.last()
	jsonEq(t, "resources", rec["resources"], `[{"ARN":"arn:aws:sqs:eu-west-1:123456789012:jobs","accountId":"123456789012","type":"AWS::SQS::Queue"}]`)
}

// KMS CreateKey records the key it created (its ARN from KeyMetadata), as
// docs/GATEWAY.md promises; calls naming the key by ID or alias ARN too.
func TestGatewayKMSKeyResources(t *testing.T) {
	const keyID = "1234abcd-12ab-34cd-56ef-1234567890ab"
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request, body []byte) {
		if r.Header.Get("X-Amz-Target") == "TrentService.CreateKey" {
			w.Write([]byte(`{"KeyMetadata":{"AWSAccountId":"000000000000","KeyId":"` + keyID + `","Arn":"arn:aws:kms:eu-west-1:000000000000:key/` + keyID + `","KeyState":"Enabled"}}`))
			return
		}
		w.Write([]byte(`{"KeyId":"arn:aws:kms:eu-west-1:000000000000:key/` + keyID + `"}`))
	})
	e := newEnv(t, map[string]string{"*": up.URL}, nil)
	h := map[string]string{"X-Amz-Target": "TrentService.CreateKey", "Content-Type": "application/x-amz-json-1.1"}
	if resp, got := e.do(e.req("POST", "/", "kms", h, []byte(`{"Description":"d"}`), akid, secret)); resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, got)
	}
	want := `[{"ARN":"arn:aws:kms:eu-west-1:123456789012:key/` + keyID + `","accountId":"123456789012","type":"AWS::KMS::Key"}]`
	_, rec := e.last()
	jsonEq(t, "CreateKey resources", rec["resources"], want)

	h["X-Amz-Target"] = "TrentService.DescribeKey"
	if resp, got := e.do(e.req("POST", "/", "kms", h, []byte(`{"KeyId":"`+keyID+`"}`), akid, secret)); resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, got)
	}
	_, rec = e.last()
	jsonEq(t, "DescribeKey resources", rec["resources"], want)
}

// CreateTopic: the topic named in the request and the ARN the upstream
// answers (in its own account) are one topic, the caller's.
func TestGatewayCreateTopicRecordsOneTopic(t *testing.T) {
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request, body []byte) {
		w.Header().Set("Content-Type", "text/xml")
		w.Write([]byte(`<CreateTopicResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><CreateTopicResult><TopicArn>arn:aws:sns:eu-west-1:000000000000:alerts</TopicArn></CreateTopicResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></CreateTopicResponse>`))
	})
	e := newEnv(t, map[string]string{"*": up.URL}, nil)
	h := map[string]string{"Content-Type": "application/x-www-form-urlencoded"}
	if resp, got := e.do(e.req("POST", "/", "sns", h, []byte("Action=CreateTopic&Name=alerts&Version=2010-03-31"), akid, secret)); resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, got)
	}
	_, rec := e.last()
	jsonEq(t, "resources", rec["resources"], `[{"ARN":"arn:aws:sns:eu-west-1:123456789012:alerts","accountId":"123456789012","type":"AWS::SNS::Topic"}]`)
}
