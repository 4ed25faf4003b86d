package iam

import (
	"regexp"
	"strings"
	"testing"

	"github.com/cairn-audit/cairn/internal/api"
	"github.com/cairn-audit/cairn/internal/event"
)

func TestCreateUser(t *testing.T) {
	f := newFixture(t)
	root := f.rootCaller()
	res := f.do(root, form("CreateUser", "UserName", "alice", "Path", "/"))
	var out xUserResp
	mustOK(t, res, &out)
	u := out.user()
	if u.UserName != "alice" || u.Path != "/" || u.Arn != "arn:aws:iam::123456789012:user/alice" || u.CreateDate != "2026-11-21T05:00:00Z" {
		t.Fatalf("user %+v", u)
	}
	if !regexp.MustCompile(`^AIDA[A-Z2-7]{17}$`).MatchString(u.UserId) {
		t.Fatalf("user id %q", u.UserId)
	}
	if res.ReadOnly || res.EventName != "CreateUser" {
		t.Fatalf("readOnly %v event %q", res.ReadOnly, res.EventName)
	}
	if got, want := jsonOf(t, res.RequestParameters), `{"userName":"alice","path":"/"}`; got != want {
		t.Errorf("requestParameters %s, want %s", got, want)
	}
	want := `{"user":{"path":"/","userName":"alice","userId":"` + u.UserId + `","arn":"arn:aws:iam::123456789012:user/alice","createDate":"Nov 21, 2026, 5:00:00 AM"}}`
	if got := jsonOf(t, res.ResponseElements); got != want {
		t.Errorf("responseElements\n got %s\nwant %s", got, want)
	}
	if got := res.Resources; len(got) != 1 || got[0] != (event.ResourceRef{Type: "AWS::IAM::User", Name: "alice", ARN: u.Arn}) {
		t.Errorf("resources %+v", got)
	}
	if _, ok := f.store.User(f.acct, "alice"); !ok {
		t.Fatal("committed user not in store")
	}

	// Path and tags; the user is only there once committed.
	res = f.handle(root, form("CreateUser", "UserName", "Bob", "Path", "/eng/ops/",
		"Tags.member.1.Key", "team", "Tags.member.1.Value", "ops", "Tags.member.2.Key", "cost center", "Tags.member.2.Value", ""))
	mustOK(t, res, &out)
	u = out.user()
	if u.Arn != "arn:aws:iam::123456789012:user/eng/ops/Bob" || len(u.Tags) != 2 || u.Tags[1].Key != "cost center" {
		t.Fatalf("user %+v", u)
	}
	if got, want := jsonOf(t, res.RequestParameters), `{"userName":"Bob","path":"/eng/ops/","tags":[{"key":"team","value":"ops"},{"key":"cost center","value":""}]}`; got != want {
		t.Errorf("requestParameters %s, want %s", got, want)
	}
	if !strings.Contains(jsonOf(t, res.ResponseElements), `"tags":[{"key":"team","value":"ops"}`) {
		t.Errorf("responseElements without tags: %s", jsonOf(t, res.ResponseElements))
	}
	if _, ok := f.store.User(f.acct, "bob"); ok {
		t.Fatal("user visible before Commit")
	}
	res.Abort()
	if _, ok := f.store.User(f.acct, "bob"); ok {
		t.Fatal("aborted user in store")
	}
}

func TestCreateUserErrors(t *testing.T) {
	f := newFixture(t)
	root := f.rootCaller()
	f.do(root, form("CreateUser", "UserName", "alice"))
	long := strings.Repeat("a", 65)
	for _, tc := range []struct {
		name   string
		form   []string
		status int
		code   string
		msg    string
		params string
	}{
		{"duplicate ignoring case", []string{"UserName", "ALICE"}, 409, "EntityAlreadyExists", "User with name ALICE already exists.", `{"userName":"ALICE"}`},
		{"missing name", nil, 400, "ValidationError", "1 validation error detected: Value null at 'userName' failed to satisfy constraint: Member must not be null", "null"},
		{"bad characters", []string{"UserName", "al ice"}, 400, "ValidationError", `1 validation error detected: Value 'al ice' at 'userName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w+=,.@-]+`, `{"userName":"al ice"}`},
		{"too long", []string{"UserName", long}, 400, "ValidationError", "1 validation error detected: Value '" + long + "' at 'userName' failed to satisfy constraint: Member must have length less than or equal to 64", ""},
		{"empty name", []string{"UserName", ""}, 400, "ValidationError", `2 validation errors detected: Value '' at 'userName' failed to satisfy constraint: Member must have length greater than or equal to 1; Value '' at 'userName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w+=,.@-]+`, ""},
		{"path without trailing slash", []string{"UserName", "x", "Path", "/eng"}, 400, "ValidationError", `1 validation error detected: Value '/eng' at 'path' failed to satisfy constraint: Member must satisfy regular expression pattern: (\u002F)|(\u002F[\u0021-\u007E]+\u002F)`, `{"userName":"x","path":"/eng"}`},
		{"tag without value", []string{"UserName", "x", "Tags.member.1.Key", "k"}, 400, "ValidationError", "1 validation error detected: Value null at 'tags.1.member.value' failed to satisfy constraint: Member must not be null", ""},
		{"bad tag key", []string{"UserName", "x", "Tags.member.1.Key", "a*b", "Tags.member.1.Value", "v"}, 400, "ValidationError", `1 validation error detected: Value 'a*b' at 'tags.1.member.key' failed to satisfy constraint: Member must satisfy regular expression pattern: [\p{L}\p{Z}\p{N}_.:/=+\-@]+`, ""},
		{"duplicate tag keys", []string{"UserName", "x", "Tags.member.1.Key", "Team", "Tags.member.1.Value", "a", "Tags.member.2.Key", "team", "Tags.member.2.Value", "b"}, 400, "InvalidInput", "Duplicate tag keys found. Please note that Tag keys are case insensitive.", ""},
		{"permissions boundary", []string{"UserName", "x", "PermissionsBoundary", "arn:aws:iam::aws:policy/PowerUserAccess"}, 404, "NoSuchEntity", "Scope ARN: arn:aws:iam::aws:policy/PowerUserAccess does not exist or is not attachable.", `{"userName":"x","permissionsBoundary":"arn:aws:iam::aws:policy/PowerUserAccess"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := f.handle(root, form("CreateUser", tc.form...))
			mustErr(t, res, tc.status, tc.code, tc.msg)
			if res.EventName != "CreateUser" || res.ReadOnly {
				t.Errorf("event %q readOnly %v", res.EventName, res.ReadOnly)
			}
			if tc.params != "" {
				if got := jsonOf(t, res.RequestParameters); got != tc.params {
					t.Errorf("requestParameters %s, want %s", got, tc.params)
				}
			}
			if res.ResponseElements != nil {
				t.Errorf("error with responseElements %v", res.ResponseElements)
			}
		})
	}
	if n := len(f.store.Users(f.acct, "")); n != 1 {
		t.Fatalf("%d users after failed creates", n)
	}
	// The duplicate records the user as a resource.
	res := f.handle(root, form("CreateUser", "UserName", "alice"))
	if len(res.Resources) != 1 || res.Resources[0].Name != "alice" {
		t.Fatalf("resources %+v", res.Resources)
	}
}

func TestGetUser(t *testing.T) {
	f := newFixture(t)
	root := f.rootCaller()
	f.do(root, form("CreateUser", "UserName", "Alice", "Path", "/eng/", "Tags.member.1.Key", "k", "Tags.member.1.Value", "v"))
	alice, _ := f.store.User(f.acct, "alice")

	var out xUserResp
	res := f.do(root, form("GetUser", "UserName", "alice"))
	mustOK(t, res, &out)
	if u := out.user(); u.UserName != "Alice" || u.Path != "/eng/" || u.UserId != alice.UserID || len(u.Tags) != 1 {
		t.Fatalf("GetUser alice = %+v", u)
	}
	if !res.ReadOnly || res.ResponseElements != nil || jsonOf(t, res.RequestParameters) != `{"userName":"alice"}` || res.Commit != nil {
		t.Fatalf("event fields: ro %v resp %v params %s", res.ReadOnly, res.ResponseElements, jsonOf(t, res.RequestParameters))
	}
	if len(res.Resources) != 1 || res.Resources[0].ARN != alice.ARN() || res.Resources[0].Name != "Alice" {
		t.Fatalf("resources %+v", res.Resources)
	}

	// Root without UserName: the root user shape.
	out = xUserResp{}
	res = f.do(root, form("GetUser"))
	mustOK(t, res, &out)
	if u := out.user(); u.UserId != f.acct || u.Arn != "arn:aws:iam::123456789012:root" || u.UserName != "" || u.Path != "" || u.CreateDate == "" {
		t.Fatalf("root GetUser = %+v", u)
	}
	if strings.Contains(string(res.Body), "<UserName>") || res.RequestParameters != nil || len(res.Resources) != 0 {
		t.Fatalf("root GetUser body %s params %v resources %v", res.Body, res.RequestParameters, res.Resources)
	}

	// An IAM user without UserName: itself.
	out = xUserResp{}
	mustOK(t, f.do(f.userCaller("alice"), form("GetUser")), &out)
	if out.user().UserId != alice.UserID {
		t.Fatalf("self GetUser = %+v", out.user())
	}

	res = f.do(root, form("GetUser", "UserName", "nobody"))
	mustErr(t, res, 404, "NoSuchEntity", "The user with name nobody cannot be found.")
	if !res.ReadOnly || len(res.Resources) != 1 || res.Resources[0].Name != "nobody" {
		t.Fatalf("not found: readOnly %v resources %+v", res.ReadOnly, res.Resources)
	}
}

func TestListUsersPaging(t *testing.T) {
	f := newFixture(t)
	root := f.rootCaller()

	var out xListUsers
	res := f.do(root, form("ListUsers"))
	mustOK(t, res, &out)
	if !strings.Contains(string(res.Body), "<Users></Users>") || out.IsTruncated || res.RequestParameters != nil || !res.ReadOnly {
		t.Fatalf("empty list body %s", res.Body)
	}

	names := []string{"erin", "Bob", "dave", "alice", "Carol"}
	for _, n := range names {
		path := "/"
		if n == "dave" || n == "Bob" {
			path = "/ops/"
		}
		f.do(root, form("CreateUser", "UserName", n, "Path", path))
	}
	var got []string
	marker := ""
	pages := 0
	for {
		args := []string{"MaxItems", "2"}
		if marker != "" {
			args = append(args, "Marker", marker)
		}
		out = xListUsers{}
		res := f.do(root, form("ListUsers", args...))
		mustOK(t, res, &out)
		pages++
		for _, u := range out.Users {
			got = append(got, u.UserName)
			if len(u.Tags) != 0 || u.UserId == "" || u.CreateDate != "2026-11-21T05:00:00Z" {
				t.Errorf("listed user %+v", u)
			}
		}
		if marker != "" {
			if p := jsonOf(t, res.RequestParameters); p != `{"marker":"`+marker+`","maxItems":2}` {
				t.Errorf("requestParameters %s", p)
			}
		}
		if !out.IsTruncated {
			if out.Marker != "" {
				t.Error("marker on last page")
			}
			break
		}
		marker = out.Marker
		if pages > 10 {
			t.Fatal("paging does not end")
		}
	}
	if want := "alice Bob Carol dave erin"; strings.Join(got, " ") != want || pages != 3 {
		t.Fatalf("paged %v in %d pages, want %s in 3", got, pages, want)
	}

	out = xListUsers{}
	mustOK(t, f.do(root, form("ListUsers", "PathPrefix", "/ops")), &out)
	if len(out.Users) != 2 || out.Users[0].UserName != "Bob" || out.Users[1].UserName != "dave" {
		t.Fatalf("PathPrefix /ops: %+v", out.Users)
	}

	for _, tc := range []struct{ args []string }{
		{[]string{"MaxItems", "0"}},
		{[]string{"MaxItems", "1001"}},
		{[]string{"MaxItems", "ten"}},
		{[]string{"PathPrefix", "ops"}},
		{[]string{"Marker", "!!!"}},
	} {
		mustErr(t, f.do(root, form("ListUsers", tc.args...)), 400, "ValidationError", "")
	}
}

func TestDeleteUser(t *testing.T) {
	f := newFixture(t)
	root := f.rootCaller()
	f.do(root, form("CreateUser", "UserName", "alice"))
	alice, _ := f.store.User(f.acct, "alice")
	f.do(root, form("CreateAccessKey", "UserName", "alice"))

	res := f.do(root, form("DeleteUser", "UserName", "alice"))
	mustErr(t, res, 409, "DeleteConflict", "Cannot delete entity, must delete access keys first.")
	if len(res.Resources) != 1 || res.Resources[0].ARN != alice.ARN() {
		t.Fatalf("resources %+v", res.Resources)
	}
	keys, _ := f.store.AccessKeys(f.acct, "alice")
	f.do(root, form("DeleteAccessKey", "UserName", "alice", "AccessKeyId", keys[0].ID))

	// Aborted delete: the user stays.
	res = f.handle(root, form("DeleteUser", "UserName", "ALICE"))
	mustOK(t, res, nil)
	res.Abort()
	if _, ok := f.store.User(f.acct, "alice"); !ok {
		t.Fatal("aborted DeleteUser deleted the user")
	}
	res = f.do(root, form("DeleteUser", "UserName", "ALICE"))
	mustOK(t, res, nil)
	if res.ResponseElements != nil || res.ReadOnly || jsonOf(t, res.RequestParameters) != `{"userName":"ALICE"}` {
		t.Fatalf("event fields %v %v %s", res.ResponseElements, res.ReadOnly, jsonOf(t, res.RequestParameters))
	}
	if len(res.Resources) != 1 || res.Resources[0] != (event.ResourceRef{Type: "AWS::IAM::User", Name: "alice", ARN: alice.ARN()}) {
		t.Fatalf("resources %+v", res.Resources)
	}
	if _, ok := f.store.User(f.acct, "alice"); ok {
		t.Fatal("user still there")
	}
	mustErr(t, f.do(root, form("DeleteUser", "UserName", "alice")), 404, "NoSuchEntity", "The user with name alice cannot be found.")
}

func TestUnknownAction(t *testing.T) {
	f := newFixture(t)
	res := f.do(f.rootCaller(), form("CreateRole", "RoleName", "r"))
	mustErr(t, res, 400, "InvalidAction", "Could not find operation CreateRole for version 2010-05-08")
	if res.EventName != "CreateRole" {
		t.Fatalf("event name %q", res.EventName)
	}
}

func TestServiceIdentity(t *testing.T) {
	s := New(nil)
	if s.SigningName() != "iam" || s.EventSource() != "iam.amazonaws.com" || !s.Global() {
		t.Fatal("service identity")
	}
	if q, ok := s.Protocol().(api.Query); !ok || q.Namespace != "https://iam.amazonaws.com/doc/2010-05-08/" {
		t.Fatalf("protocol %#v", s.Protocol())
	}
}
