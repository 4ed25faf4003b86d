package iam

import (
	"regexp"
	"strings"
	"testing"

	"github.com/cairn-audit/cairn/internal/event"
	"github.com/cairn-audit/cairn/internal/identity"
)

func TestCreateAccessKey(t *testing.T) {
	f := newFixture(t)
	root := f.rootCaller()
	f.do(root, form("CreateUser", "UserName", "alice"))
	alice, _ := f.store.User(f.acct, "alice")

	res := f.handle(root, form("CreateAccessKey", "UserName", "alice"))
	var out xCreateKey
	mustOK(t, res, &out)
	k := out.Key
	if !regexp.MustCompile(`^AKIA[A-Z2-7]{16}$`).MatchString(k.AccessKeyId) || len(k.SecretAccessKey) != 40 || k.Status != "Active" || k.UserName != "alice" || k.CreateDate != "2026-11-21T05:00:00Z" {
		t.Fatalf("key %+v", k)
	}
	if _, ok := f.store.LookupKey(k.AccessKeyId); ok {
		t.Fatal("key usable before Commit")
	}
	if err := res.Commit(); err != nil {
		t.Fatal(err)
	}
	sk, ok := f.store.LookupKey(k.AccessKeyId)
	if !ok || sk.Secret != k.SecretAccessKey || !sk.Active || sk.Principal.UserName != "alice" || sk.Principal.PrincipalID != alice.UserID {
		t.Fatalf("LookupKey = %+v %v", sk, ok)
	}
	if got, want := jsonOf(t, res.RequestParameters), `{"userName":"alice"}`; got != want {
		t.Errorf("requestParameters %s", got)
	}
	resp := jsonOf(t, res.ResponseElements)
	if want := `{"accessKey":{"userName":"alice","accessKeyId":"` + k.AccessKeyId + `","status":"Active","createDate":"Nov 21, 2026, 5:00:00 AM"}}`; resp != want {
		t.Errorf("responseElements\n got %s\nwant %s", resp, want)
	}
	if strings.Contains(resp, k.SecretAccessKey) || strings.Contains(strings.ToLower(resp), "secret") {
		t.Fatal("responseElements contain the secret")
	}
	wantRes := []event.ResourceRef{{Type: "AWS::IAM::User", Name: "alice", ARN: alice.ARN()}, {Type: "AWS::IAM::AccessKey", Name: k.AccessKeyId}}
	if len(res.Resources) != 2 || res.Resources[0] != wantRes[0] || res.Resources[1] != wantRes[1] {
		t.Fatalf("resources %+v", res.Resources)
	}

	// Second key is fine, third exceeds the quota.
	f.do(root, form("CreateAccessKey", "UserName", "alice"))
	res = f.do(root, form("CreateAccessKey", "UserName", "alice"))
	mustErr(t, res, 409, "LimitExceeded", "Cannot exceed quota for AccessKeysPerUser: 2")
	if len(res.Resources) != 1 || res.Resources[0].Type != "AWS::IAM::User" {
		t.Fatalf("limit resources %+v", res.Resources)
	}
	mustErr(t, f.do(root, form("CreateAccessKey", "UserName", "nobody")), 404, "NoSuchEntity", "The user with name nobody cannot be found.")

	// Root without UserName: a root key, no user name anywhere.
	out = xCreateKey{}
	res = f.do(root, form("CreateAccessKey"))
	mustOK(t, res, &out)
	if out.Key.UserName != "" || res.RequestParameters != nil || len(res.Resources) != 1 || res.Resources[0].Type != "AWS::IAM::AccessKey" {
		t.Fatalf("root key %+v params %v resources %+v", out.Key, res.RequestParameters, res.Resources)
	}
	if sk, ok := f.store.LookupKey(out.Key.AccessKeyId); !ok || sk.Principal.Type != identity.TypeRoot {
		t.Fatalf("root key lookup %+v", sk)
	}
	mustErr(t, f.do(root, form("CreateAccessKey")), 409, "LimitExceeded", "Cannot exceed quota for AccessKeysPerUser: 2")
}

func TestAccessKeysAsIAMUser(t *testing.T) {
	f := newFixture(t)
	root := f.rootCaller()
	f.do(root, form("CreateUser", "UserName", "bob"))
	bob := f.userCaller("bob")

	var out xCreateKey
	res := f.do(bob, form("CreateAccessKey"))
	mustOK(t, res, &out)
	if out.Key.UserName != "bob" || res.RequestParameters != nil || len(res.Resources) != 2 || res.Resources[0].Name != "bob" {
		t.Fatalf("self key %+v params %v resources %+v", out.Key, res.RequestParameters, res.Resources)
	}
	var list xListKeys
	res = f.do(bob, form("ListAccessKeys"))
	mustOK(t, res, &list)
	if list.UserName != "bob" || len(list.Keys) != 1 || list.Keys[0].AccessKeyId != out.Key.AccessKeyId || list.Keys[0].SecretAccessKey != "" {
		t.Fatalf("list %+v", list)
	}
	// The root key is not bob's.
	mustErr(t, f.do(bob, form("DeleteAccessKey", "AccessKeyId", f.root.AccessKeyID)), 404, "NoSuchEntity", "The Access Key with id "+f.root.AccessKeyID+" cannot be found.")
	if _, ok := f.store.LookupKey(f.root.AccessKeyID); !ok {
		t.Fatal("root key gone")
	}
}

func TestListUpdateDeleteAccessKeys(t *testing.T) {
	f := newFixture(t)
	root := f.rootCaller()
	f.do(root, form("CreateUser", "UserName", "alice"))
	var k1, k2 xCreateKey
	mustOK(t, f.do(root, form("CreateAccessKey", "UserName", "alice")), &k1)
	mustOK(t, f.do(root, form("CreateAccessKey", "UserName", "alice")), &k2)

	var list xListKeys
	res := f.do(root, form("ListAccessKeys", "UserName", "alice", "MaxItems", "1"))
	mustOK(t, res, &list)
	if !list.IsTruncated || list.Marker == "" || len(list.Keys) != 1 || !res.ReadOnly || res.ResponseElements != nil {
		t.Fatalf("page 1 %+v", list)
	}
	if p := jsonOf(t, res.RequestParameters); p != `{"userName":"alice","maxItems":1}` {
		t.Errorf("requestParameters %s", p)
	}
	first := list.Keys[0].AccessKeyId
	list = xListKeys{}
	mustOK(t, f.do(root, form("ListAccessKeys", "UserName", "alice", "MaxItems", "1", "Marker", k1Marker(t, f, root))), &list)
	if list.IsTruncated || len(list.Keys) != 1 || list.Keys[0].AccessKeyId == first {
		t.Fatalf("page 2 %+v (first %s)", list, first)
	}
	// Root's keys, listed without UserName.
	list = xListKeys{}
	mustOK(t, f.do(root, form("ListAccessKeys")), &list)
	if len(list.Keys) != 1 || list.Keys[0].AccessKeyId != f.root.AccessKeyID || list.Keys[0].UserName != "" {
		t.Fatalf("root keys %+v", list)
	}
	mustErr(t, f.do(root, form("ListAccessKeys", "UserName", "nobody")), 404, "NoSuchEntity", "The user with name nobody cannot be found.")

	id := k1.Key.AccessKeyId
	res = f.do(root, form("UpdateAccessKey", "UserName", "alice", "AccessKeyId", id, "Status", "Inactive"))
	mustOK(t, res, nil)
	if p := jsonOf(t, res.RequestParameters); p != `{"userName":"alice","accessKeyId":"`+id+`","status":"Inactive"}` {
		t.Errorf("requestParameters %s", p)
	}
	if res.ResponseElements != nil || res.ReadOnly || len(res.Resources) != 2 || res.Resources[1] != (event.ResourceRef{Type: "AWS::IAM::AccessKey", Name: id}) {
		t.Fatalf("update event: %v %v %+v", res.ResponseElements, res.ReadOnly, res.Resources)
	}
	if sk, _ := f.store.LookupKey(id); sk.Active {
		t.Fatal("key still active")
	}
	list = xListKeys{}
	mustOK(t, f.do(root, form("ListAccessKeys", "UserName", "alice")), &list)
	statuses := map[string]string{}
	for _, k := range list.Keys {
		statuses[k.AccessKeyId] = k.Status
	}
	if len(statuses) != 2 || statuses[id] != "Inactive" || statuses[k2.Key.AccessKeyId] != "Active" {
		t.Fatalf("after update %+v", list.Keys)
	}

	for _, tc := range []struct {
		name   string
		args   []string
		status int
		code   string
		msg    string
	}{
		{"bad status", []string{"UserName", "alice", "AccessKeyId", id, "Status", "Disabled"}, 400, "ValidationError", "1 validation error detected: Value 'Disabled' at 'status' failed to satisfy constraint: Member must satisfy enum value set: [Active, Inactive, Expired]"},
		{"expired", []string{"UserName", "alice", "AccessKeyId", id, "Status", "Expired"}, 400, "InvalidInput", ""},
		{"missing both", []string{"UserName", "alice"}, 400, "ValidationError", "2 validation errors detected: Value null at 'accessKeyId' failed to satisfy constraint: Member must not be null; Value null at 'status' failed to satisfy constraint: Member must not be null"},
		{"short key id", []string{"AccessKeyId", "AKIA", "Status", "Active"}, 400, "ValidationError", "1 validation error detected: Value 'AKIA' at 'accessKeyId' failed to satisfy constraint: Member must have length greater than or equal to 16"},
		{"unknown key", []string{"UserName", "alice", "AccessKeyId", "AKIAAAAAAAAAAAAAAAAA", "Status", "Active"}, 404, "NoSuchEntity", "The Access Key with id AKIAAAAAAAAAAAAAAAAA cannot be found."},
		{"key of another owner", []string{"AccessKeyId", id, "Status", "Active"}, 404, "NoSuchEntity", "The Access Key with id " + id + " cannot be found."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mustErr(t, f.do(root, form("UpdateAccessKey", tc.args...)), tc.status, tc.code, tc.msg)
		})
	}
	if sk, _ := f.store.LookupKey(id); sk.Active {
		t.Fatal("failed updates changed the key")
	}

	res = f.handle(root, form("DeleteAccessKey", "UserName", "alice", "AccessKeyId", id))
	mustOK(t, res, nil)
	res.Abort()
	if _, ok := f.store.LookupKey(id); !ok {
		t.Fatal("aborted delete removed the key")
	}
	res = f.do(root, form("DeleteAccessKey", "UserName", "alice", "AccessKeyId", id))
	mustOK(t, res, nil)
	if p := jsonOf(t, res.RequestParameters); p != `{"userName":"alice","accessKeyId":"`+id+`"}` || res.ResponseElements != nil {
		t.Errorf("requestParameters %s", p)
	}
	if _, ok := f.store.LookupKey(id); ok {
		t.Fatal("deleted key still authenticates")
	}
	mustErr(t, f.do(root, form("DeleteAccessKey", "UserName", "alice", "AccessKeyId", id)), 404, "NoSuchEntity", "The Access Key with id "+id+" cannot be found.")
}

// k1Marker is the marker page 1 of alice's keys returned.
func k1Marker(t *testing.T, f *fixture, root identity.Principal) string {
	var list xListKeys
	mustOK(t, f.do(root, form("ListAccessKeys", "UserName", "alice", "MaxItems", "1")), &list)
	return list.Marker
}
