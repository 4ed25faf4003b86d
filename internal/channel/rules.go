package channel

import (
	"regexp"

	"github.com/cairn-audit/cairn/internal/cloudtrail/cterr"
)

// The rules of a channel's settings, with CloudTrail's error codes and
// messages (the API handlers call them; they are the only copy). Limits are
// the model's.
const (
	MaxDestinations = 200
	minLocation     = 3
	maxLocation     = 1024
	maxSource       = 256
)

var (
	nameShape     = regexp.MustCompile(`^[a-zA-Z0-9._\-]{3,128}$`)
	locationChars = regexp.MustCompile(`^[a-zA-Z0-9._/\-:*]+$`)
)

// ValidateName checks a channel name: 3 to 128 letters, numbers, '.', '_' and '-'.
func ValidateName(name string) error {
	if !nameShape.MatchString(name) {
		return cterr.InvalidParameter.New("Channel name %q is not valid: it must be 3 to 128 characters of letters, numbers, periods (.), underscores (_) and hyphens (-).", name)
	}
	return nil
}

// ValidateSource accepts the Custom source only: Cairn has no partner
// integrations, so partner source names are InvalidSourceException.
func ValidateSource(v string) error {
	switch {
	case v == "" || len(v) > maxSource:
		return cterr.InvalidParameter.New("Source must be 1 to %d characters long.", maxSource)
	case v != SourceCustom:
		return cterr.InvalidSource.New("The source %q is not valid: Cairn supports the Custom source only (partner sources are not available).", v)
	}
	return nil
}

// CheckDestinationCount allows 1 to MaxDestinations destinations.
func CheckDestinationCount(n int) error {
	if n < 1 || n > MaxDestinations {
		return cterr.InvalidParameter.New("A channel needs 1 to %d destinations; %d were given.", MaxDestinations, n)
	}
	return nil
}

// CheckDestination checks a destination's type and the format of its location.
func CheckDestination(typ, loc string) error {
	if typ != DestinationEventDataStore && typ != DestinationAWSService {
		return cterr.InvalidParameter.New("Destination type %q is not valid: use EVENT_DATA_STORE or AWS_SERVICE.", typ)
	}
	if len(loc) < minLocation || len(loc) > maxLocation || !locationChars.MatchString(loc) {
		return cterr.InvalidParameter.New("Destination location %q is not valid: it must be 3 to 1024 letters, numbers and . _ / - : * characters.", loc)
	}
	return nil
}

// ErrDuplicateDestination refuses a destination named twice.
func ErrDuplicateDestination(typ, loc string) error {
	return cterr.InvalidParameter.New("Destination %s %s appears more than once.", typ, loc)
}
