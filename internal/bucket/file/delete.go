package file

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/cairn-audit/cairn/internal/fsutil"
)

// Delete removes the object, then the directories its removal left empty
// (never the bucket directory). Deleting a missing key is not an error.
func (s *Store) Delete(ctx context.Context, bucketName, key string) error {
	return s.DeleteAt(ctx, bucketName, key, 0)
}

// DeleteAt deletes like Delete; seq, the stream seq of the call deleting
// the object (0: none), is first made durable in the applied log, so that
// ObjectApplied can tell after a crash whether the delete took effect.
func (s *Store) DeleteAt(ctx context.Context, bucketName, key string, seq uint64) error {
	unlock := s.applied.LockKey(bucketName, key) // before mu, as in staged.CommitAt
	defer unlock()
	s.mu.RLock()
	defer s.mu.RUnlock()
	dir, path, err := s.objectPath(bucketName, key)
	if err != nil {
		return fmt.Errorf("delete %s/%s: %w", bucketName, key, err)
	}
	if seq != 0 {
		if err := s.applied.Append(AppliedLine{Seq: seq, Op: "delete", Bucket: bucketName, Key: key}); err != nil {
			return fmt.Errorf("delete %s/%s: %w", bucketName, key, err)
		}
	}
	if err := os.Remove(path); err != nil {
		if os.IsNotExist(err) {
			return nil
		}
		return fmt.Errorf("delete %s/%s: %w", bucketName, key, err)
	}
	parent := filepath.Dir(path)
	if err := syncExisting(parent, dir); err != nil {
		return fmt.Errorf("delete %s/%s: %w", bucketName, key, err)
	}
	for parent != dir {
		// Forget first: a directory made again after our rmdir must be synced again.
		s.durable.Delete(parent)
		if err := os.Remove(parent); err != nil {
			if errors.Is(err, os.ErrNotExist) || isNotEmpty(err) {
				return nil
			}
			return fmt.Errorf("object %s/%s deleted, but removing empty %s: %w", bucketName, key, parent, err)
		}
		parent = filepath.Dir(parent)
		if err := syncExisting(parent, dir); err != nil {
			return fmt.Errorf("object %s/%s deleted: %w", bucketName, key, err)
		}
	}
	return nil
}

// syncExisting fsyncs dir or, if a concurrent Delete removed it, its closest
// existing ancestor up to the bucket directory top: the removal of dir is
// then what must be made durable.
func syncExisting(dir, top string) error {
	for {
		err := fsutil.SyncDir(dir)
		if err == nil || !errors.Is(err, os.ErrNotExist) || dir == top {
			return err
		}
		dir = filepath.Dir(dir)
	}
}
