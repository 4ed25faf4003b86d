package buckettest

import (
	"strings"
	"testing"

	"github.com/cairn-audit/cairn/internal/bucket"
)

func (s *suite) stagedPut(t *testing.T) {
	st := s.fresh(t)
	sg, ok := st.(bucket.Stager)
	if !ok {
		t.Skip("the store does not implement bucket.Stager")
	}
	ctx := t.Context()
	stage := func(key, body string) bucket.StagedPut {
		t.Helper()
		p, err := sg.StagePut(ctx, testBucket, key, strings.NewReader(body), bucket.PutOptions{Size: int64(len(body)), ContentType: "text/plain"})
		if err != nil {
			t.Fatalf("StagePut(%q): %v", key, err)
		}
		return p
	}

	// Not visible until committed.
	p := stage("a/staged", "staged body")
	_, err := st.Head(ctx, testBucket, "a/staged")
	wantErr(t, "Head before Commit", err, bucket.ErrNoSuchKey)
	s.wantKeys(t, st, bucket.ListOptions{})
	info := p.Info()
	if info.Key != "a/staged" || info.Size != 11 || info.ETag != etagOf([]byte("staged body")) || info.ContentType != "text/plain" {
		t.Fatalf("staged Info %s", fmtInfo(info))
	}
	if err := p.Commit(); err != nil {
		t.Fatal(err)
	}
	s.sameInfo(t, "Head after Commit", head(t, st, "a/staged"), info)
	s.wantKeys(t, st, bucket.ListOptions{}, "a/staged")
	if err := p.Commit(); err == nil {
		t.Fatal("second Commit succeeded")
	}

	// Abort discards, and an overwrite shows the old version until Commit.
	p = stage("a/staged", "replacement")
	q := stage("b/aborted", "never")
	q.Abort()
	q.Abort() // harmless
	if err := q.Commit(); err == nil {
		t.Fatal("Commit after Abort succeeded")
	}
	if body, _ := get(t, st, "a/staged", nil); body != "staged body" {
		t.Fatalf("overwrite visible before Commit: %q", body)
	}
	if err := p.Commit(); err != nil {
		t.Fatal(err)
	}
	if body, _ := get(t, st, "a/staged", nil); body != "replacement" {
		t.Fatalf("after Commit: %q", body)
	}
	s.wantKeys(t, st, bucket.ListOptions{}, "a/staged")

	// A bucket holding only staged writes is empty; the staged write then
	// cannot be committed into the deleted bucket.
	if err := st.Delete(ctx, testBucket, "a/staged"); err != nil {
		t.Fatal(err)
	}
	p = stage("late", "late")
	if err := st.DeleteBucket(ctx, testBucket); err != nil {
		t.Fatalf("DeleteBucket with only a staged write: %v", err)
	}
	wantErr(t, "Commit into a deleted bucket", p.Commit(), bucket.ErrNoSuchBucket)
}
