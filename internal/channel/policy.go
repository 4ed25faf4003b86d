package channel

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"
)

// Channel resource policy rules (CloudTrail User Guide, "Resource-based
// policy examples for channels"; PutResourcePolicy API reference).
const (
	MaxPolicyLength        = 8192
	MaxPolicyStatements    = 20
	MaxStatementPrincipals = 50
	// PolicyAction is the only action a channel policy may grant.
	PolicyAction = "cloudtrail-data:PutAuditEvents"
	// ExternalIDKey is the only condition key a channel policy may use.
	ExternalIDKey = "cloudtrail:ExternalId"
)

// PolicyError says why a resource policy is not valid for a channel.
type PolicyError struct{ Msg string }

func (e *PolicyError) Error() string { return e.Msg }

func policyErr(format string, args ...any) error { return &PolicyError{fmt.Sprintf(format, args...)} }

// Policy is a parsed, valid channel resource policy.
type Policy struct {
	Statements []Statement
}

// Statement is one statement of a channel policy.
type Statement struct {
	Sid         string
	Allow       bool     // Effect Allow (else Deny)
	Principals  []string // account IDs and IAM ARNs
	ExternalIDs []string // StringEquals cloudtrail:ExternalId values; nil = no condition
}

var (
	accountPrincipal = regexp.MustCompile(`^\d{12}$`)
	arnPrincipal     = regexp.MustCompile(`^arn:aws(?:-[a-z]+)*:(?:iam::(\d{12}):(?:root|user/.+|role/.+)|sts::(\d{12}):assumed-role/.+)$`)
)

// ParsePolicy validates a resource policy document for the channel with
// this ARN: at most 8192 characters; 1-20 statements; each with Effect
// Allow or Deny, 1-50 AWS principals (account IDs or IAM ARNs), the single
// action cloudtrail-data:PutAuditEvents, Resource equal to the channel ARN,
// and at most a StringEquals condition on cloudtrail:ExternalId.
func ParsePolicy(doc, channelARN string) (*Policy, error) {
	if n := utf8.RuneCountInString(doc); n > MaxPolicyLength {
		return nil, policyErr("The resource policy is %d characters long; the maximum is %d.", n, MaxPolicyLength)
	}
	var top map[string]json.RawMessage
	if err := strictUnmarshal([]byte(doc), &top); err != nil || top == nil {
		return nil, policyErr("The resource policy is not a valid JSON object.")
	}
	var p Policy
	for _, k := range slices.Sorted(maps.Keys(top)) { // stable messages
		v := top[k]
		switch k {
		case "Version":
			var s string
			if json.Unmarshal(v, &s) != nil || s != "2012-10-17" && s != "2008-10-17" {
				return nil, policyErr("The policy Version must be \"2012-10-17\" or \"2008-10-17\".")
			}
		case "Id":
			var s string
			if json.Unmarshal(v, &s) != nil {
				return nil, policyErr("The policy Id must be a string.")
			}
		case "Statement":
			raw, err := oneOrMany[map[string]json.RawMessage](v)
			if err != nil {
				return nil, policyErr("Statement must be an object or a list of objects.")
			}
			for i, st := range raw {
				s, err := parseStatement(st, channelARN, i)
				if err != nil {
					return nil, err
				}
				p.Statements = append(p.Statements, s)
			}
		default:
			return nil, policyErr("The policy element %q is not supported in a channel resource policy.", k)
		}
	}
	if n := len(p.Statements); n < 1 || n > MaxPolicyStatements {
		return nil, policyErr("The resource policy must contain 1 to %d statements; it contains %d.", MaxPolicyStatements, n)
	}
	return &p, nil
}

func parseStatement(st map[string]json.RawMessage, channelARN string, i int) (Statement, error) {
	var s Statement
	where := fmt.Sprintf("Statement %d", i+1)
	for _, k := range []string{"Effect", "Principal", "Action", "Resource"} {
		if _, ok := st[k]; !ok {
			return s, policyErr("%s has no %s.", where, k)
		}
	}
	for _, k := range slices.Sorted(maps.Keys(st)) {
		v := st[k]
		switch k {
		case "Sid":
			if json.Unmarshal(v, &s.Sid) != nil {
				return s, policyErr("%s: Sid must be a string.", where)
			}
		case "Effect":
			var e string
			_ = json.Unmarshal(v, &e)
			if e != "Allow" && e != "Deny" {
				return s, policyErr("%s: Effect must be Allow or Deny.", where)
			}
			s.Allow = e == "Allow"
		case "Principal":
			ps, err := parsePrincipals(v)
			if err != nil {
				return s, policyErr("%s: %s", where, err.Error())
			}
			s.Principals = ps
		case "Action":
			as, err := oneOrMany[string](v)
			if err != nil || len(as) == 0 {
				return s, policyErr("%s: Action must be %s.", where, PolicyAction)
			}
			for _, a := range as {
				if !strings.EqualFold(a, PolicyAction) {
					return s, policyErr("%s: the action %q is not allowed; a channel policy may only grant %s.", where, a, PolicyAction)
				}
			}
		case "Resource":
			rs, err := oneOrMany[string](v)
			if err != nil || len(rs) == 0 {
				return s, policyErr("%s: Resource must be the channel ARN %s.", where, channelARN)
			}
			for _, r := range rs {
				if r != channelARN {
					return s, policyErr("%s: the resource %q does not match the channel ARN %s.", where, r, channelARN)
				}
			}
		case "Condition":
			ids, err := parseCondition(v)
			if err != nil {
				return s, policyErr("%s: %s", where, err.Error())
			}
			s.ExternalIDs = ids
		default:
			return s, policyErr("%s: the element %q is not supported in a channel resource policy.", where, k)
		}
	}
	return s, nil
}

func parsePrincipals(v json.RawMessage) ([]string, error) {
	var m map[string]json.RawMessage
	if json.Unmarshal(v, &m) != nil || m == nil {
		return nil, fmt.Errorf("the Principal element must be {\"AWS\": [account IDs or IAM ARNs]}")
	}
	var out []string
	for k, pv := range m {
		if k != "AWS" {
			return nil, fmt.Errorf("the principal type %q is not supported; use AWS account IDs or IAM ARNs", k)
		}
		ps, err := oneOrMany[string](pv)
		if err != nil {
			return nil, fmt.Errorf("the Principal element's AWS value must be a string or a list of strings")
		}
		for _, p := range ps {
			if !accountPrincipal.MatchString(p) && !arnPrincipal.MatchString(p) {
				return nil, fmt.Errorf("the principal %q is not an AWS account ID or IAM ARN", p)
			}
		}
		out = append(out, ps...)
	}
	if n := len(out); n < 1 || n > MaxStatementPrincipals {
		return nil, fmt.Errorf("a statement must have 1 to %d principals; it has %d", MaxStatementPrincipals, n)
	}
	return out, nil
}

func parseCondition(v json.RawMessage) ([]string, error) {
	var ops map[string]map[string]json.RawMessage
	if json.Unmarshal(v, &ops) != nil {
		return nil, fmt.Errorf("the Condition element must be {\"StringEquals\": {\"%s\": ...}}", ExternalIDKey)
	}
	var ids []string
	for op, keys := range ops {
		if op != "StringEquals" {
			return nil, fmt.Errorf("the condition operator %q is not supported; only StringEquals on %s is", op, ExternalIDKey)
		}
		for k, kv := range keys {
			if !strings.EqualFold(k, ExternalIDKey) {
				return nil, fmt.Errorf("the condition key %q is not supported; only %s is", k, ExternalIDKey)
			}
			vs, err := oneOrMany[string](kv)
			if err != nil || len(vs) == 0 {
				return nil, fmt.Errorf("%s must be a string or a list of strings", ExternalIDKey)
			}
			ids = append(ids, vs...)
		}
	}
	if len(ids) == 0 {
		return nil, fmt.Errorf("the Condition element must name %s", ExternalIDKey)
	}
	return ids, nil
}

// oneOrMany decodes a policy value that is either one T or a list of T.
func oneOrMany[T any](v json.RawMessage) ([]T, error) {
	v = bytes.TrimSpace(v)
	if len(v) > 0 && v[0] == '[' {
		var out []T
		err := json.Unmarshal(v, &out)
		return out, err
	}
	var one T
	if err := json.Unmarshal(v, &one); err != nil {
		return nil, err
	}
	return []T{one}, nil
}

func strictUnmarshal(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return fmt.Errorf("trailing data")
	}
	return nil
}

// Caller is who calls PutAuditEvents, as far as a policy is concerned.
type Caller struct {
	Account string // 12-digit account ID
	ARN     string // the principal's ARN (arn:aws:iam::<acct>:root for the root user)
}

// Allows decides whether caller may put events into a channel owned by
// owner, given the externalId it sent ("" if none). p may be nil (no
// policy). The owner is allowed unless a Deny statement matches; anyone
// else needs a matching Allow statement and no matching Deny. A statement
// with an ExternalId condition matches only a call sending one of its values.
func (p *Policy) Allows(caller Caller, owner, externalID string) bool {
	var allowed bool
	if p != nil {
		for _, s := range p.Statements {
			if !s.matches(caller, externalID) {
				continue
			}
			if !s.Allow {
				return false
			}
			allowed = true
		}
	}
	return allowed || caller.Account == owner
}

func (s Statement) matches(caller Caller, externalID string) bool {
	if s.ExternalIDs != nil && (externalID == "" || !slices.Contains(s.ExternalIDs, externalID)) {
		return false
	}
	for _, p := range s.Principals {
		if p == caller.Account || p == caller.ARN {
			return true
		}
		if m := arnPrincipal.FindStringSubmatch(p); m != nil && m[1] == caller.Account && strings.HasSuffix(p, ":root") {
			return true
		}
	}
	return false
}
