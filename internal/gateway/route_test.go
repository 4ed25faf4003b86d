package gateway

import (
	"net/http"
	"strings"
	"testing"
)

func TestGatewayRoute(t *testing.T) {
	e := newEnv(t, map[string]string{"*": "http://all:1", "s3": "http://s3up:2", "sts": "http://stsup:3"}, func(o *Options) {
		o.Local = map[string]bool{"s3": true, "sts": true, "iam": true, "cloudtrail": true}
	})
	for svc, want := range map[string]string{"sqs": "all:1", "s3": "s3up:2", "sts": "stsup:3", "iam": "", "cloudtrail": "", "": ""} {
		u, ok := e.gw.Route(svc)
		if ok != (want != "") || ok && u.Host != want {
			t.Errorf("Route(%q) = %v %v, want %q", svc, u, ok, want)
		}
	}
	if _, err := ParseUpstream("http://host/path"); err == nil {
		t.Error("an upstream with a path was accepted")
	}
	if _, err := ParseUpstream("ftp://host"); err == nil {
		t.Error("an ftp upstream was accepted")
	}
}

// The front door keeps serving what Cairn serves itself: with "*" routed,
// STS (local) is answered by Cairn, not forwarded.
func TestGatewayFrontDoorKeepsLocalServices(t *testing.T) {
	forwarded := 0
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request, body []byte) { forwarded++ })
	e := newEnv(t, map[string]string{"*": up.URL}, nil)
	resp, got := e.do(e.req("POST", "/", "sts", map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, []byte("Action=GetCallerIdentity&Version=2011-06-15"), akid, secret))
	if resp.StatusCode != 200 || !strings.Contains(string(got), "<Account>"+account+"</Account>") || forwarded != 0 {
		t.Fatalf("%d %s (forwarded %d)", resp.StatusCode, got, forwarded)
	}
	_, rec := e.last()
	if rec["eventSource"] != "sts.amazonaws.com" {
		t.Errorf("recorded %v", rec["eventSource"])
	}
}

// Secrets are hidden as AWS hides them, with or without a model.
func TestGatewayRedactsSecrets(t *testing.T) {
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request, body []byte) {
		w.Write([]byte(`{"ARN":"arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf","Name":"db"}`))
	})
	e := newEnv(t, map[string]string{"*": up.URL}, nil)
	h := map[string]string{"X-Amz-Target": "secretsmanager.CreateSecret", "Content-Type": "application/x-amz-json-1.1"}
	resp, _ := e.do(e.req("POST", "/", "secretsmanager", h, []byte(`{"Name":"db","SecretString":"hunter2","Tags":[{"Key":"Password","Value":"x"}]}`), akid, secret))
	if resp.StatusCode != 200 {
		t.Fatal(resp.Status)
	}
	ent, rec := e.last()
	if strings.Contains(string(ent.Record), "hunter2") {
		t.Fatalf("the secret was recorded: %s", ent.Record)
	}
	jsonEq(t, "requestParameters", rec["requestParameters"], `{"name":"db","secretString":"HIDDEN_DUE_TO_SECURITY_REASONS","tags":[{"Key":"Password","Value":"x"}]}`)
	jsonEq(t, "resources", rec["resources"], `[{"ARN":"arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf","accountId":"123456789012","type":"AWS::SecretsManager::Secret"}]`)
}
