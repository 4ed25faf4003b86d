package lake

import (
	"strings"
	"testing"
)

func TestSampleQueriesLoad(t *testing.T) {
	samples, err := SampleQueries()
	if err != nil {
		t.Fatal(err)
	}
	if len(samples) < 24 {
		t.Fatalf("%d sample queries, want at least 24", len(samples))
	}
	for _, s := range samples {
		if s.Name == "" || len(s.Description) < 40 || !strings.HasPrefix(s.SQL, "SELECT") || !strings.Contains(s.SQL, "FROM "+SampleTable) {
			t.Errorf("sample %+v", s)
		}
		if strings.Contains(s.SQL, "--") {
			t.Errorf("sample %q: header comment left in the SQL", s.Name)
		}
	}
}

func TestParseSampleRejects(t *testing.T) {
	for _, text := range []string{
		"SELECT 1 FROM $EDS_ID",
		"-- Name: x\nSELECT 1 FROM $EDS_ID",
		"-- Name: x\n-- Description: y\nSELECT 1 FROM t",
	} {
		if _, err := parseSample(text); err == nil {
			t.Errorf("accepted %q", text)
		}
	}
	s, err := parseSample("-- Name: N\n-- Description: one\n--   two\n\nSELECT 1\nFROM $EDS_ID\n")
	if err != nil || s.Name != "N" || s.Description != "one two" || s.SQL != "SELECT 1\nFROM $EDS_ID" {
		t.Fatalf("%+v %v", s, err)
	}
}

func TestSearchSamples(t *testing.T) {
	top := func(phrase string) SampleMatch {
		t.Helper()
		m, err := SearchSamples(phrase)
		if err != nil || len(m) == 0 {
			t.Fatalf("%q: %v %v", phrase, m, err)
		}
		for i := 1; i < len(m); i++ {
			if m[i].Relevance > m[i-1].Relevance || m[i].Relevance <= 0 || m[i].Relevance > 1 {
				t.Fatalf("%q: not sorted by relevance in (0, 1]: %v then %v", phrase, m[i-1].Relevance, m[i].Relevance)
			}
		}
		return m[0]
	}
	for phrase, want := range map[string]string{
		"console logins without MFA":                 "Console sign-ins without MFA",
		"failed sign-in attempts":                    "Failed console sign-ins",
		"what did the root user do":                  "Root user activity",
		"who deleted objects in my S3 bucket":        "S3 objects deleted by user",
		"show me security groups open to the world":  "Security groups opened to the internet",
		"scheduled KMS key deletion":                 "KMS key deletion scheduled or keys disabled",
		"Which trails were stopped":                  "CloudTrail trails stopped, deleted or changed",
		"access keys created recently":               "Access keys created",
		"buckets made public":                        "S3 buckets made public",
		"top error codes":                            "Top error codes",
		"audit events from PutAuditEvents channels":  "Integration (PutAuditEvents) events by source",
		"unauthorized calls per hour":                "Access denied errors by user and hour",
		"event data store deleted":                   "Event data store changes",
		"roles assumed through session issuers":      "Assumed role sessions by session issuer",
		"Activity of an access key AKIAIOSFODNN7EXA": "Activity of one access key",
	} {
		if got := top(phrase); got.Name != want {
			t.Errorf("%q: top result %q (%.3f), want %q", phrase, got.Name, got.Relevance, want)
		}
	}
	if got := top("Root user activity"); got.Relevance != 1 {
		t.Errorf("exact name relevance %v", got.Relevance)
	}
	// Broad phrases together reach (nearly) every sample.
	found := map[string]bool{}
	for _, phrase := range []string{"login", "root", "iam", "s3", "trail", "access denied", "error", "key", "security group", "events", "user", "activity"} {
		m, err := SearchSamples(phrase)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range m {
			found[s.Name] = true
		}
	}
	if all, _ := SampleQueries(); len(found) < len(all)-2 {
		t.Errorf("broad phrases found %d of %d samples", len(found), len(all))
	}
	for _, phrase := range []string{"zebra xylophone", "the of and"} {
		if m, err := SearchSamples(phrase); err != nil || len(m) != 0 {
			t.Errorf("%q matched %d samples (%v)", phrase, len(m), err)
		}
	}
}

func TestStem(t *testing.T) {
	for in, want := range map[string]string{
		"deleted": "delet", "deletion": "delet", "delete": "delet", "deletes": "delet",
		"policies": "policy", "keys": "key", "access": "access", "logins": "signin", "sign": "signin",
		"denied": "deni", "unauthorized": "deni", "region": "region",
	} {
		if got := stem(in); got != want {
			t.Errorf("stem(%q) = %q, want %q", in, got, want)
		}
	}
}
