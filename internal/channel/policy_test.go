package channel

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

const chARN = "arn:aws:cloudtrail:us-east-1:111111111111:channel/0b3c1e3a-1111-4000-8000-000000000001"

func doc(stmts ...string) string {
	return `{"Version":"2012-10-17","Statement":[` + strings.Join(stmts, ",") + `]}`
}

func stmt(effect, principals, extra string) string {
	return fmt.Sprintf(`{"Sid":"s","Effect":%q,"Principal":{"AWS":%s},"Action":"cloudtrail-data:PutAuditEvents","Resource":%q%s}`, effect, principals, chARN, extra)
}

func TestParsePolicyValid(t *testing.T) {
	p, err := ParsePolicy(doc(stmt("Allow", `["222222222222","arn:aws:iam::333333333333:root","arn:aws:iam::444444444444:user/bob"]`,
		`,"Condition":{"StringEquals":{"cloudtrail:ExternalId":"secret-1"}}`)), chARN)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Statements) != 1 || len(p.Statements[0].Principals) != 3 || p.Statements[0].ExternalIDs[0] != "secret-1" || !p.Statements[0].Allow {
		t.Fatalf("%+v", p)
	}
	// A single statement object, a single principal string and a list of actions are fine too.
	if _, err := ParsePolicy(`{"Statement":{"Effect":"Deny","Principal":{"AWS":"222222222222"},"Action":["cloudtrail-data:PutAuditEvents"],"Resource":"`+chARN+`"}}`, chARN); err != nil {
		t.Fatal(err)
	}
}

func TestParsePolicyInvalid(t *testing.T) {
	many := func(n int, s string) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = s
		}
		return out
	}
	principals := `["` + strings.Join(many(51, "222222222222"), `","`) + `"]`
	ok := stmt("Allow", `"222222222222"`, "")
	cases := map[string]struct{ doc, msg string }{
		"not json":          {`{"Statement":`, "not a valid JSON object"},
		"array":             {`[]`, "not a valid JSON object"},
		"too long":          {doc(ok) + strings.Repeat(" ", MaxPolicyLength), "maximum is 8192"},
		"no statements":     {doc(), "1 to 20 statements"},
		"21 statements":     {doc(many(21, ok)...), "1 to 20 statements"},
		"bad version":       {`{"Version":"2020-01-01","Statement":[` + ok + `]}`, "Version"},
		"unknown top key":   {`{"Statement":[` + ok + `],"Foo":1}`, `"Foo"`},
		"bad effect":        {doc(stmt("Maybe", `"222222222222"`, "")), "Effect must be Allow or Deny"},
		"no principal":      {doc(`{"Effect":"Allow","Action":"cloudtrail-data:PutAuditEvents","Resource":"` + chARN + `"}`), "has no Principal"},
		"no resource":       {doc(`{"Effect":"Allow","Principal":{"AWS":"222222222222"},"Action":"cloudtrail-data:PutAuditEvents"}`), "has no Resource"},
		"wildcard":          {doc(stmt("Allow", `"*"`, "")), "not an AWS account ID or IAM ARN"},
		"service principal": {doc(strings.Replace(ok, `{"AWS":"222222222222"}`, `{"Service":"x.amazonaws.com"}`, 1)), `principal type "Service"`},
		"51 principals":     {doc(stmt("Allow", principals, "")), "1 to 50 principals"},
		"no principals":     {doc(stmt("Allow", `[]`, "")), "1 to 50 principals"},
		"other action":      {doc(strings.Replace(ok, "cloudtrail-data:PutAuditEvents", "cloudtrail:*", 1)), `"cloudtrail:*" is not allowed`},
		"other resource":    {doc(strings.Replace(ok, chARN, chARN+"x", 1)), "does not match the channel ARN"},
		"other condition":   {doc(stmt("Allow", `"222222222222"`, `,"Condition":{"StringLike":{"cloudtrail:ExternalId":"a*"}}`)), `"StringLike"`},
		"other key":         {doc(stmt("Allow", `"222222222222"`, `,"Condition":{"StringEquals":{"aws:SourceIp":"1.2.3.4"}}`)), `"aws:SourceIp"`},
		"not action":        {doc(strings.Replace(ok, `"Action"`, `"NotAction"`, 1)), "has no Action"},
		"not principal":     {doc(ok[:len(ok)-1] + `,"NotPrincipal":{"AWS":"1"}}`), `"NotPrincipal"`},
	}
	for name, c := range cases {
		_, err := ParsePolicy(c.doc, chARN)
		var pe *PolicyError
		if !errors.As(err, &pe) || !strings.Contains(pe.Msg, c.msg) {
			t.Errorf("%s: got %v, want a PolicyError containing %q", name, err, c.msg)
		}
	}
}

func TestPolicyAllows(t *testing.T) {
	owner := Caller{Account: "111111111111", ARN: "arn:aws:iam::111111111111:root"}
	partner := Caller{Account: "222222222222", ARN: "arn:aws:iam::222222222222:root"}
	bob := Caller{Account: "444444444444", ARN: "arn:aws:iam::444444444444:user/bob"}
	alice := Caller{Account: "444444444444", ARN: "arn:aws:iam::444444444444:user/alice"}
	var none *Policy
	if !none.Allows(owner, owner.Account, "") || none.Allows(partner, owner.Account, "") {
		t.Fatal("without a policy only the owner may put events")
	}
	p, err := ParsePolicy(doc(
		stmt("Allow", `["222222222222"]`, `,"Condition":{"StringEquals":{"cloudtrail:ExternalId":["x1","x2"]}}`),
		stmt("Allow", `"arn:aws:iam::444444444444:user/bob"`, ""),
	), chARN)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		who  Caller
		ext  string
		want bool
	}{
		{owner, "", true}, {partner, "", false}, {partner, "nope", false}, {partner, "x2", true},
		{bob, "", true}, {alice, "", false},
	} {
		if got := p.Allows(c.who, owner.Account, c.ext); got != c.want {
			t.Errorf("%s with externalId %q: %v, want %v", c.who.ARN, c.ext, got, c.want)
		}
	}
	deny, _ := ParsePolicy(doc(stmt("Deny", `"arn:aws:iam::111111111111:root"`, "")), chARN)
	if deny.Allows(owner, owner.Account, "") {
		t.Fatal("an explicit Deny does not stop the owner")
	}
}
