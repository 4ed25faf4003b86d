package cloudtrail

import (
	"regexp"
	"strings"

	"github.com/cairn-audit/cairn/internal/cloudtrail/cterr"
	"github.com/cairn-audit/cairn/internal/trail"
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
	return cterr.CloudTrailARNInvalid.New("%s is not a valid trail ARN. The format of a trail ARN is arn:aws:cloudtrail:us-east-2:123456789012:trail/MyTrail.", s)
}

// parseTrailARN parses a trail ARN whose name is a valid trail name.
func parseTrailARN(s string) (ctARN, error) {
	a, ok := parseCloudTrailARN(s)
	if !ok || a.Type != typeTrail || trail.ValidateName(a.ID) != nil {
		return ctARN{}, errInvalidTrailARN(s)
	}
	return a, nil
}
