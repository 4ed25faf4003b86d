package cloudtrail

import (
	"testing"

	"github.com/cairn-audit/cairn/internal/trail"
)

func TestParseCloudTrailARN(t *testing.T) {
	good := map[string]ctARN{
		"arn:aws:cloudtrail:us-east-2:123456789012:trail/MyTrail":         {"aws", "us-east-2", "123456789012", "trail", "MyTrail"},
		"arn:aws-cn:cloudtrail:cn-north-1:123456789012:eventdatastore/ab": {"aws-cn", "cn-north-1", "123456789012", "eventdatastore", "ab"},
		"arn:aws-us-gov:cloudtrail:us-gov-west-1:123456789012:channel/01": {"aws-us-gov", "us-gov-west-1", "123456789012", "channel", "01"},
	}
	for s, want := range good {
		if got, ok := parseCloudTrailARN(s); !ok || got != want {
			t.Errorf("%s: %+v %v", s, got, ok)
		}
	}
	for _, s := range []string{"", "arn:aws:cloudtrail:us-east-2:123456789012:trail/", "arn:aws:cloudtrail:us-east-2:12345:trail/x",
		"arn:aws:cloudtrail::123456789012:trail/x", "arn:aws:s3:us-east-2:123456789012:trail/x", "arn:aws:cloudtrail:us-east-2:123456789012:widget/x",
		"arn:aws:cloudtrail:us-east-2:123456789012:trail"} {
		if _, ok := parseCloudTrailARN(s); ok {
			t.Errorf("%q parsed", s)
		}
	}
}

func TestValidateTrailName(t *testing.T) {
	for _, n := range []string{"abc", "My.Trail_1-x", "a1b", "1.2.3", "192.168.5.4a"} {
		if err := trail.ValidateName(n); err != nil {
			t.Errorf("%q: %v", n, err)
		}
	}
	for _, n := range []string{"ab", "-ab", "ab-", "a..b", "a._b", "a b", "ümlaut", "192.168.5.4"} {
		if err := trail.ValidateName(n); err == nil {
			t.Errorf("%q accepted", n)
		}
	}
}
