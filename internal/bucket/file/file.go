// Package file is Cairn's embedded object store: buckets are directories under
// one root (inside the data dir), objects are files inside them, one file per
// object holding the body and its metadata. Every write goes to a temp file in
// the bucket, is fsync'd, renamed into place and the directory fsync'd, so a
// reader or a crash sees the old object or the new one, never a part. The
// on-disk format is described in docs/BUCKETS.md.
//
// Get with a Range returns only the requested bytes, but the ObjectInfo it
// returns always carries the full object size, from which callers compute
// Content-Range.
package file

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cairn-audit/cairn/internal/bucket"
	"github.com/cairn-audit/cairn/internal/fsutil"
)

// Names inside the root and inside each bucket directory. None is a valid
// bucket name or an encoded key element (those never start with '.').
const (
	lockName     = "LOCK"
	metaName     = ".cairn-bucket.json" // bucket metadata
	tmpDirName   = ".cairn-tmp"         // in-flight and staged writes
	newDirPrefix = ".cairn-new-"        // a bucket being created
	trashPrefix  = ".cairn-trash-"      // a bucket being deleted

	dirPerm  = 0o700
	filePerm = 0o600
)

// Options tune a Store; the zero value is ready to use.
type Options struct {
	// Logger receives notices about recovery work done at Open (stale temp
	// files removed). Default: slog.Default().
	Logger *slog.Logger
	// Now stamps LastModified and bucket creation times. Default: time.Now.
	Now func() time.Time
}

// Store is the embedded object store. It implements bucket.Store and
// bucket.Stager and is safe for concurrent use. Only one Store (in any
// process) may have a directory open at a time.
type Store struct {
	root   string
	logger *slog.Logger
	now    func() time.Time
	lock   *os.File
	closed atomic.Bool

	// mu orders bucket creation and deletion (write lock) against object
	// writes being published (read lock), so DeleteBucket never removes a
	// bucket an object is being renamed into.
	mu sync.RWMutex

	// durable records directories whose entry in their parent is known to be
	// fsync'd, so that publishing an object syncs each ancestor at most once.
	durable sync.Map // path → struct{}

	applied *AppliedLog // applied.go
}

var (
	_ bucket.Store  = (*Store)(nil)
	_ bucket.Stager = (*Store)(nil)
)

var errClosed = errors.New("file bucket store: closed")

// Open opens (creating it if needed) the store rooted at dir and takes its
// lock. Temp files and half-created or half-deleted buckets a crash left
// behind are removed.
func Open(dir string, opts Options) (*Store, error) {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if err := os.MkdirAll(dir, dirPerm); err != nil {
		return nil, fmt.Errorf("file bucket store: %w", err)
	}
	lock, err := fsutil.LockDir(dir, lockName, filePerm)
	if err != nil {
		return nil, fmt.Errorf("file bucket store: %w", err)
	}
	s := &Store{root: dir, logger: opts.Logger, now: opts.Now, lock: lock}
	if err := s.checkCaseSensitive(); err != nil {
		lock.Close()
		return nil, err
	}
	if err := s.recover(); err != nil {
		lock.Close()
		return nil, fmt.Errorf("file bucket store %s: %w", dir, err)
	}
	if s.applied, err = OpenAppliedLog(filepath.Join(dir, appliedName)); err != nil {
		lock.Close()
		return nil, fmt.Errorf("file bucket store %s: %w", dir, err)
	}
	return s, nil
}

// Close releases the directory lock. The Store must not be used afterwards.
func (s *Store) Close() error {
	if s.closed.Swap(true) {
		return nil
	}
	if err := s.applied.Close(); err != nil {
		s.lock.Close()
		return fmt.Errorf("file bucket store: close applied log: %w", err)
	}
	if err := s.lock.Close(); err != nil {
		return fmt.Errorf("file bucket store: release lock: %w", err)
	}
	return nil
}

// checkCaseSensitive refuses a file system that folds case: keys "A" and "a"
// would share a file.
func (s *Store) checkCaseSensitive() error {
	a, err := os.Stat(filepath.Join(s.root, lockName))
	if err != nil {
		return fmt.Errorf("file bucket store: %w", err)
	}
	b, err := os.Stat(filepath.Join(s.root, strings.ToLower(lockName)))
	if err == nil && os.SameFile(a, b) {
		return fmt.Errorf("file bucket store: %s is on a case-insensitive file system; object keys need a case-sensitive one", s.root)
	}
	return nil
}

// recover removes what interrupted writes, creations and deletions left.
func (s *Store) recover() error {
	ents, err := os.ReadDir(s.root)
	if err != nil {
		return err
	}
	removed := 0
	for _, e := range ents {
		name := e.Name()
		path := filepath.Join(s.root, name)
		switch {
		case strings.HasPrefix(name, newDirPrefix), strings.HasPrefix(name, trashPrefix):
			if err := os.RemoveAll(path); err != nil {
				return fmt.Errorf("remove leftover %s: %w", path, err)
			}
			removed++
		case e.IsDir() && checkBucketName(name) == nil:
			tmpDir := filepath.Join(path, tmpDirName)
			tmps, err := os.ReadDir(tmpDir)
			if os.IsNotExist(err) {
				err = os.Mkdir(tmpDir, dirPerm)
			}
			if err != nil {
				return err
			}
			for _, t := range tmps {
				if err := os.RemoveAll(filepath.Join(path, tmpDirName, t.Name())); err != nil {
					return fmt.Errorf("remove stale temp: %w", err)
				}
				removed++
			}
		}
	}
	if removed > 0 {
		s.logger.Info("file bucket store: removed leftovers of interrupted writes", "dir", s.root, "count", removed)
		return fsutil.SyncDir(s.root)
	}
	return nil
}

func (s *Store) bucketDir(name string) string { return filepath.Join(s.root, name) }

// checkBucket returns the bucket's directory, or ErrNoSuchBucket.
func (s *Store) checkBucket(name string) (string, error) {
	if s.closed.Load() {
		return "", errClosed
	}
	if checkBucketName(name) != nil { // no such name can exist
		return "", fmt.Errorf("%w: %s", bucket.ErrNoSuchBucket, name)
	}
	dir := s.bucketDir(name)
	if _, err := os.Stat(filepath.Join(dir, metaName)); err != nil {
		if os.IsNotExist(err) {
			return "", fmt.Errorf("%w: %s", bucket.ErrNoSuchBucket, name)
		}
		return "", fmt.Errorf("bucket %s: %w", name, err)
	}
	return dir, nil
}
