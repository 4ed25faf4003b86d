package gateway

import (
	"net/http"
	"testing"
)

// The upstream's error responses, in each protocol's format, become the
// event's errorCode and errorMessage; the client gets them unchanged.
func TestGatewayUpstreamErrors(t *testing.T) {
	cases := []struct {
		name, service, target, form string
		status                      int
		header                      map[string]string
		body, code, msg             string
	}{
		{name: "json __type with namespace", service: "sqs", target: "AmazonSQS.GetQueueUrl", status: 400,
			body: `{"__type":"com.amazonaws.sqs#QueueDoesNotExist","message":"The specified queue does not exist."}`,
			code: "QueueDoesNotExist", msg: "The specified queue does not exist."},
		{name: "query-compatible code", service: "sqs", target: "AmazonSQS.GetQueueUrl", status: 400,
			header: map[string]string{"X-Amzn-Query-Error": "AWS.SimpleQueueService.NonExistentQueue;Sender"},
			body:   `{"__type":"com.amazonaws.sqs#QueueDoesNotExist","message":"The specified queue does not exist."}`,
			code:   "AWS.SimpleQueueService.NonExistentQueue", msg: "The specified queue does not exist."},
		{name: "x-amzn-ErrorType header", service: "kinesis", target: "Kinesis_20131202.DescribeStream", status: 400,
			header: map[string]string{"X-Amzn-Errortype": "ResourceNotFoundException:http://internal.amazon.com/coral/"},
			body:   `{"Message":"Stream s not found"}`, code: "ResourceNotFoundException", msg: "Stream s not found"},
		{name: "query ErrorResponse", service: "sns", form: "Action=GetTopicAttributes&TopicArn=arn:aws:sns:eu-west-1:123456789012:nope", status: 404,
			body: `<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><Error><Type>Sender</Type><Code>NotFound</Code><Message>Topic does not exist</Message></Error><RequestId>x</RequestId></ErrorResponse>`,
			code: "NotFound", msg: "Topic does not exist"},
		{name: "ec2 Response Errors", service: "ec2", form: "Action=DescribeInstances&Version=2016-11-15&InstanceId.1=i-123", status: 400,
			body: `<?xml version="1.0" encoding="UTF-8"?><Response><Errors><Error><Code>InvalidInstanceID.NotFound</Code><Message>The instance ID 'i-123' does not exist</Message></Error></Errors><RequestID>r</RequestID></Response>`,
			code: "InvalidInstanceID.NotFound", msg: "The instance ID 'i-123' does not exist"},
		{name: "no body", service: "sqs", target: "AmazonSQS.ListQueues", status: 503, code: "ServiceUnavailable"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			up := newUpstream(t, func(w http.ResponseWriter, r *http.Request, body []byte) {
				for k, v := range tc.header {
					w.Header().Set(k, v)
				}
				w.WriteHeader(tc.status)
				w.Write([]byte(tc.body))
			})
			e := newEnv(t, map[string]string{"*": up.URL}, nil)
			h := map[string]string{"X-Amz-Target": tc.target, "Content-Type": "application/x-amz-json-1.0"}
			body := []byte(`{}`)
			if tc.form != "" {
				h = map[string]string{"Content-Type": "application/x-www-form-urlencoded"}
				body = []byte(tc.form)
			}
			resp, got := e.do(e.req("POST", "/", tc.service, h, body, akid, secret))
			if resp.StatusCode != tc.status || string(got) != tc.body {
				t.Fatalf("client got %d %s", resp.StatusCode, got)
			}
			ent, rec := e.last()
			if rec["errorCode"] != tc.code || tc.msg != "" && rec["errorMessage"] != tc.msg || ent.Meta.ErrorCode != tc.code {
				t.Errorf("recorded %v / %v", rec["errorCode"], rec["errorMessage"])
			}
			if rec["responseElements"] != nil {
				t.Errorf("responseElements on an error: %v", rec["responseElements"])
			}
		})
	}
}

// An upstream that cannot be reached: the client gets a 502 in the service's
// format and the attempt is recorded.
func TestGatewayUpstreamUnreachable(t *testing.T) {
	up := newUpstream(t, func(http.ResponseWriter, *http.Request, []byte) {})
	addr := up.URL
	up.Close()
	e := newEnv(t, map[string]string{"*": addr}, nil)
	resp, got := e.do(e.req("POST", "/", "sqs", map[string]string{"X-Amz-Target": "AmazonSQS.ListQueues", "Content-Type": "application/x-amz-json-1.0"}, []byte(`{}`), akid, secret))
	if resp.StatusCode != 502 {
		t.Fatalf("%d %s", resp.StatusCode, got)
	}
	mustContain(t, "body", string(got), `"__type":"BadGateway"`)
	_, rec := e.last()
	if rec["errorCode"] != "BadGateway" || rec["eventName"] != "ListQueues" {
		t.Errorf("recorded %v %v", rec["eventName"], rec["errorCode"])
	}
}
