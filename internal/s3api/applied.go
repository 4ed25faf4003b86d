package s3api

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/cairn-audit/cairn/internal/bucket"
	"github.com/cairn-audit/cairn/internal/bucket/file"
)

// Recovery after a crash asks whether a call with a staged effect took
// effect (docs/RECORDS.md, docs/BUCKETS.md). Object writes and deletes pass
// the call's stream seq to the store when it can keep it (the embedded
// store's applied log); multipart uploads keep their own applied log in
// UploadDir (uploadsApplied).

// seqCommitter is a StagedPut that keeps the call's seq (file.Store's).
type seqCommitter interface{ CommitAt(seq uint64) error }

// seqDeleter is a store whose deletes keep the call's seq (file.Store).
type seqDeleter interface {
	DeleteAt(ctx context.Context, bucket, key string, seq uint64) error
}

// commitAt publishes a staged write, with seq where the store keeps it.
func commitAt(p bucket.StagedPut, seq uint64) error {
	if c, ok := p.(seqCommitter); ok {
		return c.CommitAt(seq)
	}
	return p.Commit()
}

// deleteAt deletes an object, with seq where the store keeps it.
func (s *Service) deleteAt(ctx context.Context, b, k string, seq uint64) error {
	if d, ok := s.store.(seqDeleter); ok {
		return d.DeleteAt(ctx, b, k, seq)
	}
	return s.store.Delete(ctx, b, k)
}

// uploadsAppliedName is the multipart uploads' applied log in UploadDir
// (upload directories are 48 hex digits).
const uploadsAppliedName = "APPLIED"

// Applied-log ops of multipart uploads. A line's Bucket is the upload ID,
// its Key the part's file name (UploadPart).
const (
	opCreateUpload   = "create"
	opUploadPart     = "part"
	opAbortUpload    = "abort"
	opCompleteUpload = "complete" // only marks later use of the upload: the object put answers for the call
)

// uploadsLog opens the uploads' applied log on first use.
type uploadsLog struct {
	once sync.Once
	log  *file.AppliedLog
	err  error
}

func (s *Service) uploadLog() (*file.AppliedLog, error) {
	u := &s.uploadsLog
	u.once.Do(func() {
		if err := os.MkdirAll(s.opts.UploadDir, 0o700); err != nil {
			u.err = fmt.Errorf("multipart uploads applied log: %w", err)
			return
		}
		u.log, u.err = file.OpenAppliedLog(filepath.Join(s.opts.UploadDir, uploadsAppliedName))
	})
	return u.log, u.err
}

// uploadOp runs effect under the upload's lock, after the line of the call
// at seq (when not 0) is durable in the uploads' applied log.
func (s *Service) uploadOp(seq uint64, op, id, name string, effect func() error) error {
	l, err := s.uploadLog()
	if err != nil {
		return err
	}
	unlock := l.LockKey(id, "")
	defer unlock()
	if seq != 0 {
		if err := l.Append(file.AppliedLine{Seq: seq, Op: op, Bucket: id, Key: name}); err != nil {
			return fmt.Errorf("upload %s: %w", id, err)
		}
	}
	return effect()
}

// UploadApplied reports whether the CreateMultipartUpload, UploadPart or
// AbortMultipartUpload call recorded at stream seq took effect: its line in
// the uploads' applied log is followed by a later line of the same upload,
// or (the upload's last line) the upload exists (create), the part file is
// in place (part) or the upload is gone (abort). No line: not applied.
func (s *Service) UploadApplied(seq uint64) (applied, known bool) {
	l, err := s.uploadLog()
	if err != nil {
		return false, false
	}
	return l.Applied(seq, func(a file.AppliedLine) string { return a.Bucket }, func(a file.AppliedLine) (bool, error) {
		_, err := s.uploads.get(a.Bucket)
		exists := err == nil
		if err != nil && !errors.Is(err, errNoUpload) {
			return false, err
		}
		switch a.Op {
		case opCreateUpload:
			return exists, nil
		case opAbortUpload:
			return !exists, nil
		case opUploadPart:
			_, err := os.Stat(filepath.Join(s.uploads.path(a.Bucket), a.Key))
			if errors.Is(err, os.ErrNotExist) {
				return false, nil
			}
			return err == nil, err
		}
		return false, nil
	})
}

// BucketDeleted reports whether the DeleteBucket call recorded at stream
// seq deleted its bucket: the bucket is gone, or was created again by a
// later call (CreateBucket and DeleteBucket are serialised from check to
// commit, so nothing else removes a bucket a DeleteBucket checked).
func BucketDeleted(createdBy func(name string) (uint64, bool, error), name string, seq uint64) (applied, known bool) {
	by, exists, err := createdBy(name)
	if err != nil {
		return false, false
	}
	if !exists || by > seq {
		return true, true
	}
	return false, by != 0 // an old bucket without its creator's seq: cannot tell
}
