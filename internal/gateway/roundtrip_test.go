package gateway

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
)

// AWS JSON: DynamoDB CreateTable and PutItem go upstream as signed, come back
// as the upstream answered, and are recorded (PutItem as a data event).
func TestGatewayJSONRoundTrip(t *testing.T) {
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request, body []byte) {
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		w.Header().Set("X-Amzn-Requestid", "REQ-DDB-1")
		switch r.Header.Get("X-Amz-Target") {
		case "DynamoDB_20120810.CreateTable":
			w.Write([]byte(`{"TableDescription":{"TableName":"orders","TableStatus":"ACTIVE"}}`))
		default:
			w.Write([]byte(`{}`))
		}
	})
	e := newEnv(t, map[string]string{"*": up.URL}, nil)
	body := []byte(`{"TableName":"orders","KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}],"BillingMode":"PAY_PER_REQUEST"}`)
	h := map[string]string{"X-Amz-Target": "DynamoDB_20120810.CreateTable", "Content-Type": "application/x-amz-json-1.0"}
	req := e.req("POST", "/", "dynamodb", h, body, akid, secret)
	auth := req.Header.Get("Authorization")
	resp, got := e.do(req)
	if resp.StatusCode != 200 || !bytes.Contains(got, []byte(`"TableStatus":"ACTIVE"`)) {
		t.Fatalf("CreateTable: %d %s", resp.StatusCode, got)
	}
	if !bytes.Equal(up.lastBody(), body) || up.lastReq().Header.Get("Authorization") != auth {
		t.Errorf("the upstream did not get the request as signed")
	}
	if up.lastReq().Host != strings.TrimPrefix(e.front.URL, "http://") {
		t.Errorf("Host %q, want the client's", up.lastReq().Host)
	}
	ent, rec := e.last()
	jsonEq(t, "eventSource/eventName", []any{rec["eventSource"], rec["eventName"], rec["readOnly"], rec["eventCategory"], rec["managementEvent"], rec["awsRegion"], rec["requestID"]},
		`["dynamodb.amazonaws.com","CreateTable",false,"Management",true,"eu-west-1","REQ-DDB-1"]`)
	jsonEq(t, "requestParameters", rec["requestParameters"], `{"tableName":"orders","keySchema":[{"AttributeName":"pk","KeyType":"HASH"}],"billingMode":"PAY_PER_REQUEST"}`)
	jsonEq(t, "responseElements", rec["responseElements"], `{"tableDescription":{"TableName":"orders","TableStatus":"ACTIVE"}}`)
	jsonEq(t, "resources", rec["resources"], `[{"ARN":"arn:aws:dynamodb:eu-west-1:123456789012:table/orders","accountId":"123456789012","type":"AWS::DynamoDB::Table"}]`)
	jsonEq(t, "userIdentity", rec["userIdentity"], `{"type":"Root","principalId":"123456789012","arn":"arn:aws:iam::123456789012:root","accountId":"123456789012","accessKeyId":"AKIAGATEWAYTEST00001"}`)
	if ent.Meta.Account != account || rec["sourceIPAddress"] != "127.0.0.1" || rec["userAgent"] == "" {
		t.Errorf("meta %+v, record %v", ent.Meta, rec)
	}

	h["X-Amz-Target"] = "DynamoDB_20120810.PutItem"
	resp, _ = e.do(e.req("POST", "/", "dynamodb", h, []byte(`{"TableName":"orders","Item":{"pk":{"S":"secret-order"}}}`), akid, secret))
	if resp.StatusCode != 200 {
		t.Fatal(resp.Status)
	}
	ent, rec = e.last()
	jsonEq(t, "PutItem", []any{rec["eventName"], rec["eventCategory"], rec["managementEvent"], rec["requestParameters"]},
		`["PutItem","Data",false,{"tableName":"orders","item":"HIDDEN_DUE_TO_SECURITY_REASONS"}]`)
	if ent.Meta.Management || len(ent.Meta.Resources) != 1 || ent.Meta.Resources[0].Type != "AWS::DynamoDB::Table" {
		t.Errorf("PutItem meta %+v", ent.Meta)
	}
}

// Query: SNS CreateTopic (write: responseElements from <CreateTopicResult>)
// and ListTopics (read: none).
func TestGatewayQueryRoundTrip(t *testing.T) {
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request, body []byte) {
		w.Header().Set("Content-Type", "text/xml")
		if bytes.Contains(body, []byte("Action=CreateTopic")) {
			w.Write([]byte(`<CreateTopicResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><CreateTopicResult><TopicArn>arn:aws:sns:eu-west-1:123456789012:alerts</TopicArn></CreateTopicResult><ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata></CreateTopicResponse>`))
			return
		}
		w.Write([]byte(`<ListTopicsResponse><ListTopicsResult><Topics/></ListTopicsResult></ListTopicsResponse>`))
	})
	e := newEnv(t, map[string]string{"sns": up.URL}, nil)
	form := "Action=CreateTopic&Version=2010-03-31&Name=alerts&Tags.member.1.Key=team&Tags.member.1.Value=ops"
	h := map[string]string{"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
	resp, got := e.do(e.req("POST", "/", "sns", h, []byte(form), akid, secret))
	if resp.StatusCode != 200 || !bytes.Contains(got, []byte("alerts</TopicArn>")) {
		t.Fatalf("%d %s", resp.StatusCode, got)
	}
	_, rec := e.last()
	jsonEq(t, "CreateTopic", []any{rec["eventSource"], rec["eventName"], rec["readOnly"]}, `["sns.amazonaws.com","CreateTopic",false]`)
	jsonEq(t, "requestParameters", rec["requestParameters"], `{"name":"alerts","tags":[{"key":"team","value":"ops"}]}`)
	jsonEq(t, "responseElements", rec["responseElements"], `{"topicArn":"arn:aws:sns:eu-west-1:123456789012:alerts"}`)
	jsonEq(t, "resources", rec["resources"], `[{"ARN":"arn:aws:sns:eu-west-1:123456789012:alerts","accountId":"123456789012","type":"AWS::SNS::Topic"}]`)

	resp, _ = e.do(e.req("POST", "/", "sns", h, []byte("Action=ListTopics&Version=2010-03-31"), akid, secret))
	if resp.StatusCode != 200 {
		t.Fatal(resp.Status)
	}
	_, rec = e.last()
	jsonEq(t, "ListTopics", []any{rec["eventName"], rec["readOnly"], rec["requestParameters"], rec["responseElements"]}, `["ListTopics",true,null,null]`)
}

// REST-XML: S3 bucket and object calls, recorded the way internal/s3api
// records them; object calls are data events.
func TestGatewayRESTXMLRoundTrip(t *testing.T) {
	objects := map[string][]byte{}
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request, body []byte) {
		w.Header().Set("X-Amz-Request-Id", "S3REQ")
		switch r.Method {
		case http.MethodPut:
			if r.URL.Path == "/photos" {
				w.WriteHeader(200)
				return
			}
			objects[r.URL.Path] = body
			w.Header().Set("ETag", `"abc"`)
			w.Header().Set("X-Amz-Version-Id", "v1")
		case http.MethodGet:
			b, ok := objects[r.URL.Path]
			if !ok {
				w.Header().Set("Content-Type", "application/xml")
				w.WriteHeader(404)
				w.Write([]byte(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>`))
				return
			}
			w.Write(b)
		}
	})
	e := newEnv(t, map[string]string{"s3": up.URL}, nil)
	h := map[string]string{"X-Amz-Content-Sha256": "UNSIGNED-PAYLOAD"}
	resp, _ := e.do(e.req("PUT", "/photos", "s3", h, []byte(`<CreateBucketConfiguration><LocationConstraint>eu-west-1</LocationConstraint></CreateBucketConfiguration>`), akid, secret))
	if resp.StatusCode != 200 {
		t.Fatal(resp.Status)
	}
	host := strings.TrimPrefix(e.front.URL, "http://")
	_, rec := e.last()
	jsonEq(t, "CreateBucket", []any{rec["eventSource"], rec["eventName"], rec["eventCategory"], rec["requestParameters"]},
		`["s3.amazonaws.com","CreateBucket","Management",{"bucketName":"photos","Host":"`+host+`","CreateBucketConfiguration":{"LocationConstraint":"eu-west-1"}}]`)

	resp, _ = e.do(e.req("PUT", "/photos/2024/cat%20pic.jpg", "s3", h, []byte("meow"), akid, secret))
	if resp.StatusCode != 200 || resp.Header.Get("Etag") != `"abc"` {
		t.Fatal(resp.Status, resp.Header)
	}
	if up.lastReq().RequestURI != "/photos/2024/cat%20pic.jpg" {
		t.Errorf("upstream got %q", up.lastReq().RequestURI)
	}
	_, rec = e.last()
	jsonEq(t, "PutObject", []any{rec["eventName"], rec["eventCategory"], rec["managementEvent"], rec["readOnly"], rec["requestParameters"], rec["responseElements"], rec["resources"]},
		`["PutObject","Data",false,false,{"bucketName":"photos","Host":"`+host+`","key":"2024/cat pic.jpg"},{"x-amz-version-id":"v1"},
		[{"ARN":"arn:aws:s3:::photos/2024/cat pic.jpg","accountId":"123456789012","type":"AWS::S3::Object"},{"ARN":"arn:aws:s3:::photos","accountId":"123456789012","type":"AWS::S3::Bucket"}]]`)

	resp, got := e.do(e.req("GET", "/photos/2024/cat%20pic.jpg", "s3", h, nil, akid, secret))
	if resp.StatusCode != 200 || string(got) != "meow" {
		t.Fatal(resp.Status, string(got))
	}
	_, rec = e.last()
	jsonEq(t, "GetObject", []any{rec["eventName"], rec["readOnly"], rec["responseElements"], rec["requestID"]}, `["GetObject",true,null,"S3REQ"]`)

	resp, got = e.do(e.req("GET", "/photos/missing?versionId=3", "s3", h, nil, akid, secret))
	if resp.StatusCode != 404 || !bytes.Contains(got, []byte("NoSuchKey")) {
		t.Fatal(resp.Status, string(got))
	}
	_, rec = e.last()
	jsonEq(t, "GetObject error", []any{rec["errorCode"], rec["errorMessage"], rec["requestParameters"]},
		`["NoSuchKey","The specified key does not exist.",{"bucketName":"photos","Host":"`+host+`","key":"missing","versionId":"3"}]`)
}

// REST-JSON with a model: Lambda Invoke is a data event whose payload is
// never recorded; labels and query members are.
func TestGatewayRESTJSONRoundTrip(t *testing.T) {
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request, body []byte) {
		w.Header().Set("X-Amz-Executed-Version", "$LATEST")
		w.Write([]byte(`{"result":"private"}`))
	})
	invoke := &Operation{Name: "Invoke", Method: "POST", URI: "/2015-03-31/functions/{FunctionName}/invocations", Payload: "Payload",
		Input: []Member{
			{Name: "FunctionName", Location: "uri", LocationName: "FunctionName", Type: "string"},
			{Name: "InvocationType", Location: "header", LocationName: "X-Amz-Invocation-Type", Type: "string"},
			{Name: "Qualifier", Location: "querystring", LocationName: "Qualifier", Type: "string"},
			{Name: "ClientContext", Location: "header", LocationName: "X-Amz-Client-Context", Type: "string", Sensitive: true},
			{Name: "Payload", Type: "blob"},
		},
		Output: []Member{{Name: "ExecutedVersion", Location: "header", LocationName: "X-Amz-Executed-Version"}, {Name: "Payload", Type: "blob"}}}
	models := fakeModels{"lambda": {info: ServiceInfo{SigningName: "lambda", EventSource: "lambda.amazonaws.com", Protocol: ProtoRESTJSON, APIVersion: "2015-03-31"}, ops: []*Operation{invoke}}}
	e := newEnv(t, map[string]string{"*": up.URL}, func(o *Options) { o.Models = models.lookup })
	h := map[string]string{"X-Amz-Invocation-Type": "RequestResponse", "X-Amz-Client-Context": "c2VjcmV0", "Content-Type": "application/json"}
	resp, got := e.do(e.req("POST", "/2015-03-31/functions/resize/invocations?Qualifier=prod", "lambda", h, []byte(`{"image":"private"}`), akid, secret))
	if resp.StatusCode != 200 || string(got) != `{"result":"private"}` {
		t.Fatal(resp.Status, string(got))
	}
	ent, rec := e.last()
	jsonEq(t, "Invoke", []any{rec["eventName"], rec["eventCategory"], rec["readOnly"], rec["apiVersion"], rec["requestParameters"], rec["responseElements"], rec["resources"]},
		`["Invoke","Data",false,"2015-03-31",{"functionName":"resize","invocationType":"RequestResponse","qualifier":"prod","clientContext":"HIDDEN_DUE_TO_SECURITY_REASONS"},
		{"executedVersion":"$LATEST"},[{"ARN":"arn:aws:lambda:eu-west-1:123456789012:function:resize","accountId":"123456789012","type":"AWS::Lambda::Function"}]]`)
	if ent.Meta.Category != "Data" {
		t.Errorf("category %q", ent.Meta.Category)
	}
	if strings.Contains(string(ent.Record), "private") {
		t.Errorf("the payload was recorded: %s", ent.Record)
	}

	// A request the model does not resolve is still forwarded and recorded.
	resp, _ = e.do(e.req("GET", "/2015-03-31/functions/resize/policy", "lambda", nil, nil, akid, secret))
	if resp.StatusCode != 200 {
		t.Fatal(resp.Status)
	}
	_, rec = e.last()
	jsonEq(t, "unresolved", []any{rec["eventName"], rec["readOnly"]}, `["GET /2015-03-31/functions/resize/policy",true]`)
}
