package trail

import (
	"strings"
	"testing"

	"github.com/cairn-audit/cairn/internal/api"
)

func code(err error) string {
	if err == nil {
		return ""
	}
	return api.AsError(err).Code
}

func TestValidateName(t *testing.T) {
	for name, want := range map[string]string{
		"main": "", "my-trail.v1": "", "ab": "InvalidTrailNameException", strings.Repeat("a", 129): "InvalidTrailNameException",
		"-x1": "InvalidTrailNameException", "a--b": "InvalidTrailNameException", "10.0.0.1": "InvalidTrailNameException", "a b": "InvalidTrailNameException",
	} {
		if got := code(ValidateName(name)); got != want {
			t.Errorf("%q: %q, want %q", name, got, want)
		}
	}
}

func TestCheckLimit(t *testing.T) {
	mk := func(name, region string, multi bool) Trail {
		return Trail{Name: name, Account: "1", HomeRegion: region, ARN: ARN(region, "1", name), IsMultiRegionTrail: multi}
	}
	existing := []Trail{mk("a", "us-east-1", false), mk("b", "eu-west-1", false), mk("m", "us-west-2", true)}
	if err := CheckLimit(existing, mk("c", "us-east-1", false), "", 3); err != nil {
		t.Fatal(err)
	}
	// A multi-region trail counts in every region: eu-west-1 would hold 3 of 2.
	err := CheckLimit(existing, mk("n", "us-east-1", true), "", 2)
	if code(err) != "MaximumNumberOfTrailsExceededException" || !strings.Contains(err.Error(), "in eu-west-1") && !strings.Contains(err.Error(), "in us-east-1") {
		t.Fatalf("%v", err)
	}
	if code(CheckNameFree(existing, mk("m", "ap-south-1", false), "")) != "TrailAlreadyExistsException" {
		t.Fatal("a multi-region trail's name is taken everywhere")
	}
	if CheckNameFree(existing, mk("a", "ap-south-1", false), "") != nil {
		t.Fatal("a single-region name is free elsewhere")
	}
}

func TestCheckAggregations(t *testing.T) {
	ok := []Aggregation{{EventCategory: "Data", Templates: []string{TemplateAPIActivity, TemplateResourceAccess, TemplateUserActions}}}
	if err := CheckAggregations(ok); err != nil {
		t.Fatal(err)
	}
	for name, in := range map[string][]Aggregation{
		"two":       {ok[0], ok[0]},
		"category":  {{EventCategory: "Management", Templates: []string{TemplateAPIActivity}}},
		"none":      {{EventCategory: "Data"}},
		"unknown":   {{EventCategory: "Data", Templates: []string{"ALL"}}},
		"duplicate": {{EventCategory: "Data", Templates: []string{TemplateAPIActivity, TemplateAPIActivity}}},
	} {
		if code(CheckAggregations(in)) != "InvalidParameterException" {
			t.Errorf("%s accepted", name)
		}
	}
	tr := Trail{Aggregations: ok}
	c := tr.Clone()
	c.Aggregations[0].Templates[0] = "x"
	if tr.Aggregations[0].Templates[0] != TemplateAPIActivity {
		t.Fatal("Clone shares Templates")
	}
}
