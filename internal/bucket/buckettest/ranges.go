package buckettest

import (
	"fmt"
	"testing"

	"github.com/cairn-audit/cairn/internal/bucket"
)

func (s *suite) ranges(t *testing.T) {
	st := s.fresh(t)
	ctx := t.Context()
	put(t, st, "ten", "0123456789", bucket.PutOptions{})
	for _, c := range []struct {
		rng  bucket.Range
		want string
	}{
		{bucket.Range{Start: 0, End: 0}, "0"},
		{bucket.Range{Start: 0, End: 9}, "0123456789"},
		{bucket.Range{Start: 3, End: 6}, "3456"},
		{bucket.Range{Start: 9, End: 9}, "9"},
		{bucket.Range{Start: 5, End: -1}, "56789"}, // open end
		{bucket.Range{Start: 8, End: 100}, "89"},   // end clamped
		{bucket.Range{Suffix: 3}, "789"},
		{bucket.Range{Suffix: 10}, "0123456789"},
		{bucket.Range{Suffix: 100}, "0123456789"}, // suffix longer than the object
	} {
		body, info := get(t, st, "ten", &c.rng)
		if body != c.want {
			t.Fatalf("Get range %+v = %q, want %q", c.rng, body, c.want)
		}
		if info.Size != 10 { // the full size, for Content-Range
			t.Fatalf("Get range %+v: info.Size %d, want the full size 10", c.rng, info.Size)
		}
	}
	for _, rng := range []bucket.Range{
		{Start: 10, End: -1}, {Start: 10, End: 20}, {Start: 11, End: 12}, {Start: 3, End: 2},
	} {
		_, _, err := st.Get(ctx, testBucket, "ten", &rng)
		wantErr(t, fmt.Sprintf("Get range %+v", rng), err, bucket.ErrInvalidRange)
	}
	_, _, err := st.Get(ctx, testBucket, "missing", &bucket.Range{Start: 0, End: 1})
	wantErr(t, "Get range of a missing key", err, bucket.ErrNoSuchKey)
}

func (s *suite) rangesEmptyObject(t *testing.T) {
	st := s.fresh(t)
	put(t, st, "empty", "", bucket.PutOptions{})
	_, _, err := st.Get(t.Context(), testBucket, "empty", &bucket.Range{Start: 0, End: 0})
	wantErr(t, "Get bytes=0-0 of an empty object", err, bucket.ErrInvalidRange)
	// RFC 9110: a suffix range with a non-zero length is satisfiable; it is
	// the whole (empty) representation.
	if body, info := get(t, st, "empty", &bucket.Range{Suffix: 5}); body != "" || info.Size != 0 {
		t.Fatalf("Get bytes=-5 of an empty object: %q, %s", body, fmtInfo(info))
	}
}
