package s3api

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/cairn-audit/cairn/internal/bucket"
)

// parseRange reads a Range header of one byte range ("bytes=a-b", "bytes=a-",
// "bytes=-n"). Like S3 it ignores headers it cannot use (malformed, several
// ranges): nil means the whole object.
func parseRange(h string) *bucket.Range {
	spec, ok := strings.CutPrefix(strings.TrimSpace(h), "bytes=")
	if !ok || strings.Contains(spec, ",") {
		return nil
	}
	first, last, ok := strings.Cut(strings.TrimSpace(spec), "-")
	if !ok {
		return nil
	}
	num := func(s string) (int64, bool) {
		n, err := strconv.ParseInt(s, 10, 64)
		return n, err == nil && n >= 0 && s != "" && s[0] != '+'
	}
	if first == "" {
		n, ok := num(last)
		if !ok {
			return nil
		}
		if n == 0 {
			return &bucket.Range{Start: 1, End: 0} // "bytes=-0" is never satisfiable
		}
		return &bucket.Range{Suffix: n}
	}
	start, ok := num(first)
	if !ok {
		return nil
	}
	if last == "" {
		return &bucket.Range{Start: start, End: -1}
	}
	end, ok := num(last)
	if !ok || end < start {
		return nil
	}
	return &bucket.Range{Start: start, End: end}
}

// span resolves a range against an object's size: the first and last byte
// sent, ok false when the range is not satisfiable.
func span(rng *bucket.Range, size int64) (first, last int64, ok bool) {
	if rng.Suffix > 0 {
		if size == 0 {
			return 0, 0, false
		}
		return max(size-rng.Suffix, 0), size - 1, true
	}
	if rng.Start >= size || rng.End >= 0 && rng.End < rng.Start {
		return 0, 0, false
	}
	last = size - 1
	if rng.End >= 0 && rng.End < last {
		last = rng.End
	}
	return rng.Start, last, true
}

func contentRange(first, last, size int64) string {
	return fmt.Sprintf("bytes %d-%d/%d", first, last, size)
}

// checkConditions applies If-Match, If-Unmodified-Since, If-None-Match and
// If-Modified-Since (in RFC 7232's order) to an object: it returns the status
// to answer with instead of the object (412 or 304), 0 to answer normally.
// The prefix selects the header family ("" or "X-Amz-Copy-Source-").
func checkConditions(h http.Header, prefix string, info bucket.ObjectInfo) (int, string) {
	modified := info.LastModified.Truncate(time.Second)
	notModified := http.StatusNotModified
	if prefix != "" {
		notModified = http.StatusPreconditionFailed // a copy fails instead
	}
	if v := h.Get(prefix + "If-Match"); v != "" {
		if !etagMatches(v, info.ETag) {
			return http.StatusPreconditionFailed, "If-Match"
		}
	} else if t, ok := httpTime(h.Get(prefix + "If-Unmodified-Since")); ok && modified.After(t) {
		return http.StatusPreconditionFailed, "If-Unmodified-Since"
	}
	if v := h.Get(prefix + "If-None-Match"); v != "" {
		if etagMatches(v, info.ETag) {
			return notModified, "If-None-Match"
		}
	} else if t, ok := httpTime(h.Get(prefix + "If-Modified-Since")); ok && !modified.After(t) {
		return notModified, "If-Modified-Since"
	}
	return 0, ""
}

func httpTime(v string) (time.Time, bool) {
	if v == "" {
		return time.Time{}, false
	}
	t, err := http.ParseTime(v)
	return t, err == nil
}

// etagMatches reports whether an If-Match / If-None-Match list names etag ("*" matches any).
func etagMatches(list, etag string) bool {
	want := strings.Trim(etag, `"`)
	for _, v := range strings.Split(list, ",") {
		v = strings.TrimPrefix(strings.TrimSpace(v), "W/")
		if v == "*" || strings.Trim(v, `"`) == want {
			return true
		}
	}
	return false
}
