package buckettest

import (
	"strings"
	"testing"
	"time"

	"github.com/cairn-audit/cairn/internal/bucket"
)

func (s *suite) bucketLifecycle(t *testing.T) {
	st := s.newStore(t)
	ctx := t.Context()
	if bs, err := st.ListBuckets(ctx); err != nil || len(bs) != 0 {
		t.Fatalf("ListBuckets on a new store: %v, %v", bs, err)
	}
	before := time.Now()
	if err := st.CreateBucket(ctx, "cairn-two", bucket.CreateOptions{Region: "eu-west-1", Owner: "111122223333"}); err != nil {
		t.Fatal(err)
	}
	// us-east-1 is reported as "", like S3's location constraint.
	if err := st.CreateBucket(ctx, "cairn-one", bucket.CreateOptions{Region: "us-east-1", Owner: "111122223333"}); err != nil {
		t.Fatal(err)
	}
	for name, region := range map[string]string{"cairn-one": "", "cairn-two": "eu-west-1"} {
		info, err := st.HeadBucket(ctx, name)
		if err != nil {
			t.Fatalf("HeadBucket(%s): %v", name, err)
		}
		if info.Name != name || info.Region != region {
			t.Fatalf("HeadBucket(%s) = %+v, want region %q", name, info, region)
		}
		if !s.dev.SingleOwner && info.Owner != "111122223333" {
			t.Fatalf("HeadBucket(%s).Owner = %q", name, info.Owner)
		}
		if !(s.dev.CoarseTimes && info.Created.IsZero()) {
			s.recent(t, "HeadBucket Created", info.Created, before)
		}
	}
	bs, err := st.ListBuckets(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(bs) != 2 || bs[0].Name != "cairn-one" || bs[1].Name != "cairn-two" {
		t.Fatalf("ListBuckets = %+v, want cairn-one, cairn-two", bs)
	}
	for _, b := range bs {
		s.recent(t, "ListBuckets Created", b.Created, before)
	}
	if bs[1].Region != "eu-west-1" {
		t.Fatalf("ListBuckets region of cairn-two = %q", bs[1].Region)
	}
	if err := st.DeleteBucket(ctx, "cairn-one"); err != nil {
		t.Fatal(err)
	}
	_, err = st.HeadBucket(ctx, "cairn-one")
	wantErr(t, "HeadBucket after delete", err, bucket.ErrNoSuchBucket)
	wantErr(t, "DeleteBucket twice", st.DeleteBucket(ctx, "cairn-one"), bucket.ErrNoSuchBucket)
	if bs, err := st.ListBuckets(ctx); err != nil || len(bs) != 1 || bs[0].Name != "cairn-two" {
		t.Fatalf("ListBuckets after delete = %+v, %v", bs, err)
	}
	// A deleted name can be created again, and starts empty.
	if err := st.CreateBucket(ctx, "cairn-one", bucket.CreateOptions{}); err != nil {
		t.Fatalf("re-create: %v", err)
	}
	if res, err := st.List(ctx, "cairn-one", bucket.ListOptions{}); err != nil || len(res.Objects) != 0 {
		t.Fatalf("List of re-created bucket: %+v, %v", res, err)
	}
}

func (s *suite) createBucketTwice(t *testing.T) {
	st := s.newStore(t)
	ctx := t.Context()
	if err := st.CreateBucket(ctx, "cairn-dup", bucket.CreateOptions{Owner: "111122223333"}); err != nil {
		t.Fatal(err)
	}
	err := st.CreateBucket(ctx, "cairn-dup", bucket.CreateOptions{Owner: "111122223333"})
	wantErr(t, "CreateBucket by its owner", err, bucket.ErrBucketAlreadyOwned)
	if !s.dev.SingleOwner {
		err = st.CreateBucket(ctx, "cairn-dup", bucket.CreateOptions{Owner: "444455556666"})
		wantErr(t, "CreateBucket by another owner", err, bucket.ErrBucketExists)
	}
	if info, err := st.HeadBucket(ctx, "cairn-dup"); err != nil || (!s.dev.SingleOwner && info.Owner != "111122223333") {
		t.Fatalf("HeadBucket after failed re-creates: %+v, %v", info, err)
	}
}

var (
	validBucketNames = []string{
		"abc", "a.b-c", "1-2", "my.bucket.name", "192.168.1.1a", "a1.2.3.4",
		strings.Repeat("a", 63), "aws-cloudtrail-logs-111122223333-0a1b2c3d",
	}
	invalidBucketNames = []string{
		"ab", strings.Repeat("a", 64), "Abc", "a_b", "-abc", "abc-", ".abc", "abc.",
		"a..b", "a.-b", "a-.b", "192.168.1.1", "10.0.0.255", "xn--abc", "abc-s3alias", "ab c",
	}
)

func (s *suite) bucketNames(t *testing.T) {
	st := s.newStore(t)
	ctx := t.Context()
	for _, name := range validBucketNames {
		if err := st.CreateBucket(ctx, name, bucket.CreateOptions{}); err != nil {
			t.Fatalf("CreateBucket(%q): %v", name, err)
		}
	}
	for _, name := range invalidBucketNames {
		err := st.CreateBucket(ctx, name, bucket.CreateOptions{})
		if s.dev.LooseBucketNames && err == nil {
			// moto only checks the length; clean up what it accepted.
			if err := st.DeleteBucket(ctx, name); err != nil {
				t.Fatalf("DeleteBucket(%q) after a loose create: %v", name, err)
			}
			continue
		}
		wantErr(t, "CreateBucket("+name+")", err, bucket.ErrInvalidBucketName)
	}
	bs, err := st.ListBuckets(ctx)
	if err != nil || len(bs) != len(validBucketNames) {
		t.Fatalf("ListBuckets = %d buckets, %v; want %d", len(bs), err, len(validBucketNames))
	}
}

func (s *suite) missingBucket(t *testing.T) {
	st := s.fresh(t)
	ctx := t.Context()
	const b = "cairn-missing"
	_, err := st.HeadBucket(ctx, b)
	wantErr(t, "HeadBucket", err, bucket.ErrNoSuchBucket)
	wantErr(t, "DeleteBucket", st.DeleteBucket(ctx, b), bucket.ErrNoSuchBucket)
	_, err = st.Put(ctx, b, "k", strings.NewReader("x"), bucket.PutOptions{Size: 1})
	wantErr(t, "Put", err, bucket.ErrNoSuchBucket)
	_, _, err = st.Get(ctx, b, "k", nil)
	wantErr(t, "Get", err, bucket.ErrNoSuchBucket)
	_, err = st.Head(ctx, b, "k")
	wantErr(t, "Head", err, bucket.ErrNoSuchBucket)
	wantErr(t, "Delete", st.Delete(ctx, b, "k"), bucket.ErrNoSuchBucket)
	_, err = st.List(ctx, b, bucket.ListOptions{})
	wantErr(t, "List", err, bucket.ErrNoSuchBucket)
	// A missing key in an existing bucket is a different error.
	_, err = st.Head(ctx, testBucket, "k")
	wantErr(t, "Head missing key", err, bucket.ErrNoSuchKey)
	_, _, err = st.Get(ctx, testBucket, "k", nil)
	wantErr(t, "Get missing key", err, bucket.ErrNoSuchKey)
}

func (s *suite) deleteBucketNotEmpty(t *testing.T) {
	st := s.fresh(t)
	ctx := t.Context()
	put(t, st, "a/b/c", "x", bucket.PutOptions{})
	wantErr(t, "DeleteBucket", st.DeleteBucket(ctx, testBucket), bucket.ErrBucketNotEmpty)
	if _, err := st.HeadBucket(ctx, testBucket); err != nil {
		t.Fatalf("bucket gone after refused delete: %v", err)
	}
	if err := st.Delete(ctx, testBucket, "a/b/c"); err != nil {
		t.Fatal(err)
	}
	if err := st.DeleteBucket(ctx, testBucket); err != nil {
		t.Fatalf("DeleteBucket once empty: %v", err)
	}
}
