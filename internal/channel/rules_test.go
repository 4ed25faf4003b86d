package channel

import (
	"strings"
	"testing"

	"github.com/cairn-audit/cairn/internal/api"
)

func TestRules(t *testing.T) {
	code := func(err error) string {
		if err == nil {
			return ""
		}
		return api.AsError(err).Code
	}
	for _, tc := range []struct {
		name string
		err  error
		want string
	}{
		{"name", ValidateName("app-audit"), ""},
		{"short name", ValidateName("ab"), "InvalidParameterException"},
		{"custom", ValidateSource(SourceCustom), ""},
		{"partner", ValidateSource("Partner"), "InvalidSourceException"},
		{"empty source", ValidateSource(""), "InvalidParameterException"},
		{"count 0", CheckDestinationCount(0), "InvalidParameterException"},
		{"count 201", CheckDestinationCount(201), "InvalidParameterException"},
		{"destination", CheckDestination(DestinationEventDataStore, "abc"), ""},
		{"bad type", CheckDestination("S3", "abc"), "InvalidParameterException"},
		{"bad location", CheckDestination(DestinationAWSService, strings.Repeat("a", 1025)), "InvalidParameterException"},
	} {
		if got := code(tc.err); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}
