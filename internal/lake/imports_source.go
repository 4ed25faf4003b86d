package lake

import (
	"fmt"
	"regexp"
	"strings"
	"time"
)

// maxImportURI is the longest S3LocationUri accepted.
const maxImportURI = 1024

var importBucketName = regexp.MustCompile(`^[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9]$`)

// ParseImportURI splits an S3LocationUri, s3://bucket[/prefix], into the
// bucket and the key prefix ("" for the whole bucket). Errors wrap
// ErrInvalidImport.
func ParseImportURI(uri string) (bucketName, prefix string, err error) {
	rest, ok := strings.CutPrefix(uri, "s3://")
	if !ok || len(uri) > maxImportURI {
		return "", "", fmt.Errorf("%w: S3LocationUri %q is not an s3://bucket[/prefix] URI of at most %d characters", ErrInvalidImport, uri, maxImportURI)
	}
	bucketName, prefix, _ = strings.Cut(rest, "/")
	if !importBucketName.MatchString(bucketName) || strings.Contains(bucketName, "..") {
		return "", "", fmt.Errorf("%w: S3LocationUri %q does not name a valid bucket", ErrInvalidImport, uri)
	}
	return bucketName, prefix, nil
}

// importWindow bounds the eventTime of imported events (inclusive; zero for
// unbounded) and, with the delivery lag, the log files worth reading.
type importWindow struct {
	start, end time.Time
	lag        time.Duration
}

// hasEvent reports whether an event at t is to be imported.
func (w importWindow) hasEvent(t time.Time) bool {
	return (w.start.IsZero() || !t.Before(w.start)) && (w.end.IsZero() || !t.After(w.end))
}

// mayDeliver reports whether files delivered in [from, to) may hold events
// of the window: an event is delivered after it happened, and at most lag
// after.
func (w importWindow) mayDeliver(from, to time.Time) bool {
	if !w.start.IsZero() && !to.After(w.start) {
		return false
	}
	return w.end.IsZero() || !from.After(w.end.Add(w.lag))
}

// logKeyTime is the delivery time in a log file's name, to the minute.
const logKeyTime = "20060102T1504Z"

// fileMayHold reports whether the log file key may hold events of the
// window, by the delivery time in its name
// (<account>_CloudTrail_<region>_<YYYYMMDDTHHmmZ>_<unique>.json.gz). A name
// without one may hold anything.
func (w importWindow) fileMayHold(key string) bool {
	name := key[strings.LastIndexByte(key, '/')+1:]
	for part := range strings.SplitSeq(name, "_") {
		if len(part) != len(logKeyTime) {
			continue
		}
		if t, err := time.Parse(logKeyTime, part); err == nil {
			return w.mayDeliver(t, t.Add(time.Minute))
		}
	}
	return true
}
