// Package buckettest is the conformance suite every bucket.Store backend
// runs: Run(t, newStore) checks the contract documented in package bucket,
// with randomized listings cross-checked against an in-memory model. A
// backend that deviates from S3 in a known, accepted way (an S3 emulator such
// as moto) says so with RunWith and Deviations; the embedded store runs the
// strict suite.
package buckettest

import (
	"testing"

	"github.com/cairn-audit/cairn/internal/bucket"
)

// Deviations are the accepted differences of a backend from the strict
// contract. Every field false (the zero value) is the strict suite.
type Deviations struct {
	// LooseBucketNames: the server accepts some names S3's rules forbid (moto
	// only checks the length), so an invalid name may create a bucket.
	LooseBucketNames bool
	// SingleOwner: CreateOptions.Owner is ignored (one account per endpoint),
	// so ErrBucketExists cannot be provoked and BucketInfo.Owner is "".
	SingleOwner bool
	// ServerETag: PutOptions.ETag is ignored; the server computes the ETag.
	ServerETag bool
	// CoarseTimes: LastModified as seen by Put, Head, Get and List may differ
	// by up to a second (HTTP dates carry seconds), and HeadBucket may report
	// a zero Created time.
	CoarseTimes bool
	// NoNewlineKeys: keys holding a line feed cannot be stored (moto's URL
	// routing does not match them), so the tricky keys leave them out.
	NoNewlineKeys bool
}

// Run runs the strict conformance suite. newStore must return a new, empty
// store (no buckets) each time it is called; it runs once per subtest.
func Run(t *testing.T, newStore func(t *testing.T) bucket.Store) {
	RunWith(t, newStore, Deviations{})
}

// RunWith runs the suite, allowing the deviations in dev.
func RunWith(t *testing.T, newStore func(t *testing.T) bucket.Store, dev Deviations) {
	s := &suite{newStore: newStore, dev: dev}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { c.fn(s, t) })
	}
}

type suite struct {
	newStore func(t *testing.T) bucket.Store
	dev      Deviations
}

// cases is every conformance case, in the order they run.
var cases = []struct {
	name string
	fn   func(s *suite, t *testing.T)
}{
	// Buckets (buckets.go).
	{"BucketLifecycle", (*suite).bucketLifecycle},
	{"CreateBucketTwice", (*suite).createBucketTwice},
	{"BucketNames", (*suite).bucketNames},
	{"MissingBucket", (*suite).missingBucket},
	{"DeleteBucketNotEmpty", (*suite).deleteBucketNotEmpty},
	// Objects (objects.go).
	{"RoundTrip", (*suite).roundTrip},
	{"DefaultContentType", (*suite).defaultContentType},
	{"EmptyObject", (*suite).emptyObject},
	{"ETagOption", (*suite).etagOption},
	{"ContentMD5", (*suite).contentMD5},
	{"SizeMismatch", (*suite).sizeMismatch},
	{"UnknownSize", (*suite).unknownSize},
	{"CanceledPut", (*suite).canceledPut},
	{"Overwrite", (*suite).overwrite},
	{"Delete", (*suite).deleteObject},
	{"InvalidKeys", (*suite).invalidKeys},
	{"TrickyKeys", (*suite).trickyKeys},
	// Ranges (ranges.go).
	{"Ranges", (*suite).ranges},
	{"RangesEmptyObject", (*suite).rangesEmptyObject},
	// Big and concurrent writes (stress.go).
	{"LargeObject", (*suite).largeObject},
	{"ConcurrentPutsOneKey", (*suite).concurrentPuts},
	// Staged writes, for stores that implement bucket.Stager (stager.go).
	{"StagedPut", (*suite).stagedPut},
	// Listing (list.go, model.go).
	{"ListOrder", (*suite).listOrder},
	{"ListPrefix", (*suite).listPrefix},
	{"ListDelimiter", (*suite).listDelimiter},
	{"ListPagination", (*suite).listPagination},
	{"ListAfter", (*suite).listAfter},
	{"ListEmpty", (*suite).listEmpty},
	{"ListObjectInfo", (*suite).listObjectInfo},
	{"ListRandomModel", (*suite).listRandomModel},
}
