package file

import (
	"fmt"
	"strings"

	"github.com/cairn-audit/cairn/internal/bucket"
)

// checkBucketName applies S3's bucket naming rules for new buckets.
func checkBucketName(name string) error {
	bad := func(why string) error {
		return fmt.Errorf("%w: %q: %s", bucket.ErrInvalidBucketName, name, why)
	}
	if len(name) < 3 || len(name) > 63 {
		return bad("must be 3 to 63 characters long")
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '-') {
			return bad("only lowercase letters, digits, dots and hyphens are allowed")
		}
	}
	if !alnum(name[0]) || !alnum(name[len(name)-1]) {
		return bad("must begin and end with a letter or digit")
	}
	switch {
	case strings.Contains(name, ".."):
		return bad("must not contain two adjacent dots")
	case strings.Contains(name, ".-") || strings.Contains(name, "-."):
		return bad("a dot must not be next to a hyphen")
	case strings.HasPrefix(name, "xn--"):
		return bad("must not start with xn--")
	case strings.HasSuffix(name, "-s3alias"):
		return bad("must not end with -s3alias")
	case ipShaped(name):
		return bad("must not be formatted as an IP address")
	}
	return nil
}

func alnum(c byte) bool { return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' }

// ipShaped reports whether name looks like a dotted-quad IPv4 address.
func ipShaped(name string) bool {
	parts := strings.Split(name, ".")
	if len(parts) != 4 {
		return false
	}
	for _, p := range parts {
		if p == "" || len(p) > 3 {
			return false
		}
		for i := 0; i < len(p); i++ {
			if p[i] < '0' || p[i] > '9' {
				return false
			}
		}
	}
	return true
}
