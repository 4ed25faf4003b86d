package s3

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/smithy-go"

	"github.com/cairn-audit/cairn/internal/bucket"
	"github.com/cairn-audit/cairn/internal/bucket/buckettest"
)

// motoDeviations are the ways moto (and S3 itself) differ from the embedded
// store's contract that the suite accepts.
var motoDeviations = buckettest.Deviations{
	LooseBucketNames: true, // moto checks only the length of bucket names
	SingleOwner:      true, // one account per endpoint: Owner is ignored
	ServerETag:       true, // S3 computes ETags; PutOptions.ETag cannot be set
	CoarseTimes:      true, // HTTP dates carry seconds; HeadBucket has no creation time
	NoNewlineKeys:    true, // moto's URL routing answers 404 for a key holding "\n"
}

func newMotoStore(t *testing.T, endpoint string) *Store {
	t.Helper()
	s, err := New(context.Background(), Options{
		Endpoint: endpoint, AccessKeyID: "testing", SecretAccessKey: "testing", TempDir: t.TempDir(),
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestConformance(t *testing.T) {
	endpoint := buckettest.StartMoto(t)
	buckettest.RunWith(t, func(t *testing.T) bucket.Store {
		buckettest.ResetMoto(t, endpoint)
		return newMotoStore(t, endpoint)
	}, motoDeviations)
}

func TestErrorsNameTheirContext(t *testing.T) {
	endpoint := buckettest.StartMoto(t)
	s := newMotoStore(t, endpoint)
	ctx := context.Background()
	_, err := s.Head(ctx, "cairn-missing", "some/key")
	if !errors.Is(err, bucket.ErrNoSuchBucket) || !strings.Contains(err.Error(), "cairn-missing/some/key") {
		t.Fatalf("Head in a missing bucket: %v", err)
	}
	_, _, err = s.Get(ctx, "cairn-missing", "k", nil)
	var api smithy.APIError
	if !errors.Is(err, bucket.ErrNoSuchBucket) || !errors.As(err, &api) || api.ErrorCode() != "NoSuchBucket" {
		t.Fatalf("Get in a missing bucket keeps neither the sentinel nor the S3 error: %v", err)
	}
	if _, err := New(ctx, Options{Endpoint: "127.0.0.1:9000", AccessKeyID: "a", SecretAccessKey: "b"}); err == nil {
		t.Fatal("New accepted an endpoint without a scheme")
	}
	if _, err := New(ctx, Options{Endpoint: endpoint}); err == nil {
		t.Fatal("New accepted missing credentials")
	}
}

func TestRangeHeader(t *testing.T) {
	for _, c := range []struct {
		rng  bucket.Range
		want string
	}{
		{bucket.Range{Start: 0, End: 0}, "bytes=0-0"},
		{bucket.Range{Start: 5, End: -1}, "bytes=5-"},
		{bucket.Range{Suffix: 7}, "bytes=-7"},
	} {
		if got, err := rangeHeader(&c.rng); err != nil || got != c.want {
			t.Errorf("rangeHeader(%+v) = %q, %v; want %q", c.rng, got, err, c.want)
		}
	}
	for _, rng := range []bucket.Range{{Start: -1, End: 3}, {Start: 4, End: 3}, {Suffix: -2}} {
		if _, err := rangeHeader(&rng); !errors.Is(err, bucket.ErrInvalidRange) {
			t.Errorf("rangeHeader(%+v): %v", rng, err)
		}
	}
	if n, err := contentRangeTotal("bytes 3-4/10"); n != 10 || err != nil {
		t.Errorf("contentRangeTotal: %d, %v", n, err)
	}
}

func TestValidPrefix(t *testing.T) {
	for in, want := range map[string]string{"": "", "abc": "abc", "aé": "aé", "a\xc3": "a", "a\xffé": "a", "\xc3\xa9\xc3": "é"} {
		if got := validPrefix(in); got != want {
			t.Errorf("validPrefix(%q) = %q, want %q", in, got, want)
		}
	}
}
