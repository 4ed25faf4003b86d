package s3api

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/cairn-audit/cairn/internal/bucket"
	"github.com/cairn-audit/cairn/internal/bucket/file"
)

// UploadApplied answers for multipart calls: false for a seq whose commit
// never ran (or whose line is durable but whose effect never happened),
// true once it ran, also when a later call (abort, complete) removed the
// upload; across a reopen.
func TestUploadAppliedAnswersExactly(t *testing.T) {
	dir := t.TempDir()
	opts := Options{UploadDir: dir, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	s := New(newMemStore(t), opts)
	create := func(seq uint64, id string) {
		t.Helper()
		if err := s.uploadOp(seq, opCreateUpload, id, "", func() error { return s.uploads.create(id, uploadMeta{Bucket: "bkt", Key: "k"}) }); err != nil {
			t.Fatal(err)
		}
	}
	a, b, c := newUploadID(), newUploadID(), newUploadID()
	create(40, a)
	part, err := s.uploads.stagePart(a, 1, bytes.NewReader([]byte("part")), 4, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.uploadOp(41, opUploadPart, a, part.name(), part.commit); err != nil {
		t.Fatal(err)
	}
	never, err := s.uploads.stagePart(a, 2, bytes.NewReader([]byte("never")), 5, nil)
	if err != nil {
		t.Fatal(err)
	}
	never.abort() // seq 42: the part's commit never ran
	create(43, b)
	if err := s.uploadOp(44, opAbortUpload, b, "", func() error { return s.uploads.remove(b) }); err != nil {
		t.Fatal(err)
	}
	// seq 45: the create's line is durable, the process died before the upload was written.
	l, _ := s.uploadLog()
	if err := l.Append(appliedLineFor(45, opCreateUpload, c)); err != nil {
		t.Fatal(err)
	}
	want := map[uint64]bool{40: true, 41: true, 42: false, 43: true, 44: true, 45: false, 46: false}
	check := func(s *Service) {
		t.Helper()
		for seq, w := range want {
			if got, known := s.UploadApplied(seq); got != w || !known {
				t.Errorf("UploadApplied(%d) = %v, %v; want %v, true", seq, got, known, w)
			}
		}
	}
	check(s)
	l.Close()
	check(New(newMemStore(t), opts))
}

// BucketDeleted: a DeleteBucket took effect when its bucket is gone or was
// created again by a later call.
func TestBucketDeletedAnswers(t *testing.T) {
	st := fileStore(t).(interface {
		bucket.Store
		CreatedBy(string) (uint64, bool, error)
	})
	ctx := context.Background()
	if err := st.CreateBucket(ctx, "kept-bucket", bucket.CreateOptions{Seq: 5}); err != nil {
		t.Fatal(err)
	}
	if err := st.CreateBucket(ctx, "again-bucket", bucket.CreateOptions{Seq: 9}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name      string
		seq       uint64
		applied   bool
		wantKnown bool
	}{{"kept-bucket", 6, false, true}, {"again-bucket", 7, true, true}, {"gone-bucket", 8, true, true}} {
		if a, k := BucketDeleted(st.CreatedBy, c.name, c.seq); a != c.applied || k != c.wantKnown {
			t.Errorf("BucketDeleted(%s, %d) = %v, %v; want %v, %v", c.name, c.seq, a, k, c.applied, c.wantKnown)
		}
	}
}

func appliedLineFor(seq uint64, op, id string) file.AppliedLine {
	return file.AppliedLine{Seq: seq, Op: op, Bucket: id}
}
