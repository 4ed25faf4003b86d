package cloudtrail

import (
	"regexp"
	"strings"

	"github.com/cairn-audit/cairn/internal/api"
)

// CloudTrail resource ARNs: arn:<partition>:cloudtrail:<region>:<account>:<type>/<id>.
var ctARNPattern = regexp.MustCompile(`^arn:(aws(?:-[a-z]+)*):cloudtrail:([a-z]{2}(?:-[a-z]+)+-\d+):(\d{12}):([a-z]+)/(.+)$`)

// ARN resource types of CloudTrail.
const (
	typeTrail          = "trail"
	typeEventDataStore = "eventdatastore"
	typeChannel        = "channel"
	typeDashboard      = "dashboard"
)

// ctARN is a parsed CloudTrail resource ARN.
type ctARN struct {
	Partition, Region, Account, Type, ID string
}

// parseCloudTrailARN parses a CloudTrail resource ARN of a known type.
func parseCloudTrailARN(s string) (ctARN, bool) {
	m := ctARNPattern.FindStringSubmatch(s)
	if m == nil {
		return ctARN{}, false
	}
	a := ctARN{Partition: m[1], Region: m[2], Account: m[3], Type: m[4], ID: m[5]}
	switch a.Type {
	case typeTrail, typeEventDataStore, typeChannel, typeDashboard:
		return a, true
	}
	return ctARN{}, false
}

func isARN(s string) bool { return strings.HasPrefix(s, "arn:") }

// errInvalidTrailARN is CloudTrailARNInvalidException for s.
func errInvalidTrailARN(s string) error {
	return api.Errorf("CloudTrailARNInvalidException", "%s is not a valid trail ARN. The format of a trail ARN is arn:aws:cloudtrail:us-east-2:123456789012:trail/MyTrail.", s)
}

// parseTrailARN parses a trail ARN whose name is a valid trail name.
func parseTrailARN(s string) (ctARN, error) {
	a, ok := parseCloudTrailARN(s)
	if !ok || a.Type != typeTrail || validateTrailName(a.ID) != nil {
		return ctARN{}, errInvalidTrailARN(s)
	}
	return a, nil
}

var (
	trailNameShape = regexp.MustCompile(`^[A-Za-z0-9]+(?:[._-][A-Za-z0-9]+)*$`)
	trailNameChars = regexp.MustCompile(`^[A-Za-z0-9._-]*$`)
	ipv4Shape      = regexp.MustCompile(`^\d+\.\d+\.\d+\.\d+$`)
	alnum          = func(b byte) bool { return b >= '0' && b <= '9' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' }
)

// validateTrailName checks CloudTrail's trail name rules: 3-128 ASCII
// letters, digits, '.', '_' and '-', starting and ending alphanumeric, no two
// punctuation characters in a row, not an IPv4 address.
func validateTrailName(name string) error {
	const code = "InvalidTrailNameException"
	switch {
	case len(name) < 3:
		return api.Errorf(code, "Trail name too short. Minimum allowed length: 3 characters. Specified name length: %d characters.", len(name))
	case len(name) > 128:
		return api.Errorf(code, "Trail name too long. Maximum allowed length: 128 characters. Specified name length: %d characters.", len(name))
	case !alnum(name[0]):
		return api.Errorf(code, "Trail name must starts with a letter or number.")
	case !alnum(name[len(name)-1]):
		return api.Errorf(code, "Trail name must ends with a letter or number.")
	case !trailNameChars.MatchString(name):
		return api.Errorf(code, "Trail name or ARN can only contain uppercase letters, lowercase letters, numbers, periods (.), hyphens (-), and underscores (_).")
	case !trailNameShape.MatchString(name):
		return api.Errorf(code, "Trail name must not contain adjacent periods (.), hyphens (-) or underscores (_), as in my-_namespace or my--namespace.")
	case ipv4Shape.MatchString(name):
		return api.Errorf(code, "Trail name must not be in IP address format, such as 192.168.5.4.")
	}
	return nil
}
