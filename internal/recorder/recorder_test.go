package recorder

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/cairn-audit/cairn/internal/api"
	"github.com/cairn-audit/cairn/internal/event"
	"github.com/cairn-audit/cairn/internal/identity"
)

type svc struct {
	name   string
	global bool
}

func (s svc) SigningName() string                           { return s.name }
func (s svc) EventSource() string                           { return s.name + ".amazonaws.com" }
func (s svc) Global() bool                                  { return s.global }
func (s svc) Protocol() api.Protocol                        { return api.JSON{} }
func (s svc) Handle(context.Context, *api.Call) *api.Result { return nil }

type memStream struct {
	payloads [][]byte
	err      error
}

func (m *memStream) Append(_ context.Context, p []byte) (uint64, error) {
	if m.err != nil {
		return 0, m.err
	}
	m.payloads = append(m.payloads, p)
	return uint64(len(m.payloads)), nil
}

var at = time.Date(2026, 11, 21, 5, 6, 7, 890_000_000, time.UTC)

func user() identity.Principal {
	return identity.Principal{Type: identity.TypeIAMUser, AccountID: "123456789012", ARN: "arn:aws:iam::123456789012:user/alice",
		PrincipalID: "AIDAEXAMPLE", UserName: "alice", AccessKeyID: "AKIAEXAMPLE"}
}

func decode(t *testing.T, e event.Entry) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(e.Record, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestRecordIsDurableAndComplete(t *testing.T) {
	st := &memStream{}
	r := New(st, func() time.Time { return at })
	res := &api.Result{EventName: "CreateUser", RequestParameters: map[string]string{"userName": "bob"},
		ResponseElements: json.RawMessage(`{"user":{"userName":"bob"}}`),
		Resources:        []event.ResourceRef{{Type: "AWS::IAM::User", Name: "bob", ARN: "arn:aws:iam::123456789012:user/bob"}, {Type: "AWS::IAM::AccessKey", Name: "AKIAX"}}}
	e, err := r.Record(context.Background(), Input{Service: svc{"iam", true}, Caller: user(), Region: "eu-west-1", SourceIP: "10.1.2.3",
		UserAgent: strings.Repeat("u", 2000), RequestID: "req-1", Result: res})
	if err != nil {
		t.Fatal(err)
	}
	if e.Seq != 1 || len(st.payloads) != 1 {
		t.Fatalf("seq %d, %d payloads", e.Seq, len(st.payloads))
	}
	var back event.Entry
	if err := back.UnmarshalBinary(st.payloads[0]); err != nil || string(back.Record) != string(e.Record) {
		t.Fatalf("payload does not decode to the record: %v", err)
	}
	m := decode(t, e)
	want := map[string]any{
		"eventVersion": "1.11", "eventTime": "2026-11-21T05:06:07Z", "eventSource": "iam.amazonaws.com", "eventName": "CreateUser",
		"awsRegion": "us-east-1", "sourceIPAddress": "10.1.2.3", "requestID": "req-1", "readOnly": false, "eventType": "AwsApiCall",
		"managementEvent": true, "recipientAccountId": "123456789012", "eventCategory": "Management",
	}
	for k, v := range want {
		if m[k] != v {
			t.Errorf("%s = %v, want %v", k, m[k], v)
		}
	}
	if len(m["userAgent"].(string)) != 1024 {
		t.Errorf("userAgent not truncated to 1 KB")
	}
	if res := m["resources"].([]any); len(res) != 1 || res[0].(map[string]any)["ARN"] != "arn:aws:iam::123456789012:user/bob" {
		t.Errorf("resources %v (only resources with an ARN belong in the record)", m["resources"])
	}
	if len(e.Meta.Resources) != 2 || e.Meta.Username != "alice" || e.Meta.Region != "us-east-1" || !e.Meta.Time.Equal(at.Truncate(time.Second)) {
		t.Errorf("meta %+v", e.Meta)
	}
	if _, ok := m["tlsDetails"]; ok {
		t.Error("tlsDetails without TLS")
	}
	if id, _ := m["eventID"].(string); len(id) != 36 || id != e.Meta.EventID {
		t.Errorf("eventID %q", id)
	}
}

func TestRecordShapes(t *testing.T) {
	r := New(&memStream{}, func() time.Time { return at })
	build := func(res *api.Result, tlsState *tls.ConnectionState) map[string]any {
		e, err := r.Build(Input{Service: svc{"cloudtrail", false}, Caller: user(), Region: "eu-west-1", Result: res, TLS: tlsState, Host: "ct.example"})
		if err != nil {
			t.Fatal(err)
		}
		return decode(t, e)
	}
	m := build(&api.Result{EventName: "LookupEvents", ReadOnly: true}, &tls.ConnectionState{Version: tls.VersionTLS13, CipherSuite: tls.TLS_AES_128_GCM_SHA256})
	if m["awsRegion"] != "eu-west-1" || m["requestParameters"] != nil || m["responseElements"] != nil || m["readOnly"] != true {
		t.Errorf("regional read: %v", m)
	}
	if _, present := m["requestParameters"]; !present {
		t.Error("requestParameters must be present (null) even when empty")
	}
	if td := m["tlsDetails"].(map[string]any); td["tlsVersion"] != "TLSv1.3" || td["cipherSuite"] != "TLS_AES_128_GCM_SHA256" || td["clientProvidedHostHeader"] != "ct.example" {
		t.Errorf("tlsDetails %v", td)
	}
	m = build(&api.Result{EventName: "GetObject", ReadOnly: true, DataEvent: true, RequestParameters: map[string]string{"big": strings.Repeat("x", 200*1024)}}, nil)
	if m["eventCategory"] != "Data" || m["managementEvent"] != false || m["requestParameters"] != nil {
		t.Errorf("data event with oversized parameters: category %v management %v params present %v", m["eventCategory"], m["managementEvent"], m["requestParameters"] != nil)
	}
	m = build(&api.Result{EventName: "GetUser", ErrorCode: "NoSuchEntity", ErrorMessage: strings.Repeat("m", 3000)}, nil)
	if m["errorCode"] != "NoSuchEntity" || len(m["errorMessage"].(string)) != 1024 {
		t.Errorf("error fields %v", m["errorCode"])
	}
}

func TestRecordFailsWhenStreamFails(t *testing.T) {
	r := New(&memStream{err: errors.New("disk full")}, nil)
	_, err := r.Record(context.Background(), Input{Service: svc{"sts", true}, Caller: user(), Result: &api.Result{EventName: "GetCallerIdentity", Status: http.StatusOK}})
	if err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("err = %v", err)
	}
}
