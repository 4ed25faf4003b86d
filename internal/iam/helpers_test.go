package iam

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"net/url"
	"testing"
	"time"

	"github.com/cairn-audit/cairn/internal/api"
	"github.com/cairn-audit/cairn/internal/identity"
)

var callTime0 = time.Date(2026, 11, 21, 5, 0, 0, 0, time.UTC)

type fixture struct {
	t     *testing.T
	store *identity.Store
	svc   *Service
	root  identity.Credentials
	acct  string
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	st, err := identity.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	root, _, err := st.Bootstrap("123456789012", "", "")
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{t: t, store: st, svc: New(st), root: root, acct: root.AccountID}
}

// rootCaller is the account's root user, as authentication would set it.
func (f *fixture) rootCaller() identity.Principal {
	k, ok := f.store.LookupKey(f.root.AccessKeyID)
	if !ok {
		f.t.Fatal("root key missing")
	}
	return k.Principal
}

// userCaller is an IAM user signing with one of its keys.
func (f *fixture) userCaller(name string) identity.Principal {
	u, ok := f.store.User(f.acct, name)
	if !ok {
		f.t.Fatalf("no user %s", name)
	}
	p := u.Principal()
	p.AccessKeyID = "AKIAEXAMPLEUSERKEY00"
	return p
}

// form builds a Query request body from alternating name, value pairs.
func form(action string, kv ...string) url.Values {
	v := url.Values{"Action": {action}, "Version": {APIVersion}}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Add(kv[i], kv[i+1])
	}
	return v
}

// handle runs a call without committing.
func (f *fixture) handle(caller identity.Principal, v url.Values) *api.Result {
	f.t.Helper()
	c := &api.Call{RequestID: "req-1", Time: callTime0, Region: "us-east-1", Caller: caller, Method: "POST", Path: "/", Body: []byte(v.Encode())}
	res := f.svc.Handle(context.Background(), c)
	if res.EventName == "" {
		f.t.Fatalf("%s: no EventName", v.Get("Action"))
	}
	return res
}

// do runs a call and commits it as the front door does once the event is durable.
func (f *fixture) do(caller identity.Principal, v url.Values) *api.Result {
	f.t.Helper()
	res := f.handle(caller, v)
	if res.Commit != nil {
		if err := res.Commit(); err != nil {
			f.t.Fatalf("%s: Commit: %v", v.Get("Action"), err)
		}
	}
	return res
}

// mustOK decodes a successful response's <OpResult> into out.
func mustOK(t *testing.T, res *api.Result, out any) {
	t.Helper()
	if res.Status != 200 || res.ErrorCode != "" {
		t.Fatalf("%s: status %d %s %s\n%s", res.EventName, res.Status, res.ErrorCode, res.ErrorMessage, res.Body)
	}
	var env struct {
		XMLName   xml.Name
		RequestID string `xml:"ResponseMetadata>RequestId"`
	}
	if err := xml.Unmarshal(res.Body, &env); err != nil {
		t.Fatalf("%s: bad XML: %v\n%s", res.EventName, err, res.Body)
	}
	if env.XMLName.Local != res.EventName+"Response" || env.XMLName.Space != Namespace || env.RequestID != "req-1" {
		t.Fatalf("envelope %v request id %q\n%s", env.XMLName, env.RequestID, res.Body)
	}
	if out != nil {
		if err := xml.Unmarshal(res.Body, out); err != nil {
			t.Fatalf("decode: %v", err)
		}
	}
}

type errorResponse struct {
	XMLName   xml.Name `xml:"ErrorResponse"`
	Type      string   `xml:"Error>Type"`
	Code      string   `xml:"Error>Code"`
	Message   string   `xml:"Error>Message"`
	RequestID string   `xml:"RequestId"`
}

// mustErr checks an error response: status, code, message (if non-empty),
// and that the body says the same as the event fields.
func mustErr(t *testing.T, res *api.Result, status int, code, msg string) {
	t.Helper()
	var e errorResponse
	if err := xml.Unmarshal(res.Body, &e); err != nil {
		t.Fatalf("bad error XML: %v\n%s", err, res.Body)
	}
	if res.Status != status || e.Code != code || res.ErrorCode != code || e.Message != res.ErrorMessage || e.RequestID != "req-1" {
		t.Fatalf("got %d %s (%s) %q, want %d %s\n%s", res.Status, e.Code, res.ErrorCode, e.Message, status, code, res.Body)
	}
	if msg != "" && e.Message != msg {
		t.Fatalf("message\n got %q\nwant %q", e.Message, msg)
	}
	if res.Commit != nil || res.Abort != nil {
		t.Fatal("error result carries a staged change")
	}
}

func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// XML result shapes as a client reads them.
type (
	xUser struct {
		Path, UserName, UserId, Arn, CreateDate string
		Tags                                    []struct{ Key, Value string } `xml:"Tags>member"`
	}
	xUserResp struct {
		User  xUser `xml:"CreateUserResult>User"`
		User2 xUser `xml:"GetUserResult>User"`
	}
	xListUsers struct {
		Users       []xUser `xml:"ListUsersResult>Users>member"`
		IsTruncated bool    `xml:"ListUsersResult>IsTruncated"`
		Marker      string  `xml:"ListUsersResult>Marker"`
	}
	xKey struct {
		UserName, AccessKeyId, Status, SecretAccessKey, CreateDate string
	}
	xCreateKey struct {
		Key xKey `xml:"CreateAccessKeyResult>AccessKey"`
	}
	xListKeys struct {
		UserName    string `xml:"ListAccessKeysResult>UserName"`
		Keys        []xKey `xml:"ListAccessKeysResult>AccessKeyMetadata>member"`
		IsTruncated bool   `xml:"ListAccessKeysResult>IsTruncated"`
		Marker      string `xml:"ListAccessKeysResult>Marker"`
	}
)

func (r xUserResp) user() xUser {
	if r.User.Arn != "" {
		return r.User
	}
	return r.User2
}
