package file

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/cairn-audit/cairn/internal/bucket"
	"github.com/cairn-audit/cairn/internal/fsutil"
)

// bucketMeta is the content of a bucket's metadata file.
type bucketMeta struct {
	Region  string    `json:"region,omitempty"`
	Owner   string    `json:"owner,omitempty"`
	Created time.Time `json:"created"`
	Seq     uint64    `json:"seq,omitempty"` // stream seq of the CreateBucket call
}

// normRegion maps us-east-1 to "", as S3 reports its location constraint.
func normRegion(r string) string {
	if r == "us-east-1" {
		return ""
	}
	return r
}

func (s *Store) readBucketMeta(name string) (bucket.BucketInfo, error) {
	data, err := os.ReadFile(filepath.Join(s.bucketDir(name), metaName))
	if err != nil {
		if os.IsNotExist(err) {
			return bucket.BucketInfo{}, fmt.Errorf("%w: %s", bucket.ErrNoSuchBucket, name)
		}
		return bucket.BucketInfo{}, fmt.Errorf("bucket %s: %w", name, err)
	}
	var m bucketMeta
	if err := json.Unmarshal(data, &m); err != nil {
		return bucket.BucketInfo{}, fmt.Errorf("bucket %s: corrupt metadata: %w", name, err)
	}
	return bucket.BucketInfo{Name: name, Region: m.Region, Owner: m.Owner, Created: m.Created}, nil
}

// CreateBucket creates the bucket: its directory appears complete (metadata
// file and temp directory inside) by one rename.
func (s *Store) CreateBucket(ctx context.Context, name string, opts bucket.CreateOptions) error {
	if s.closed.Load() {
		return errClosed
	}
	if err := checkBucketName(name); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if info, err := s.readBucketMeta(name); err == nil {
		if info.Owner == opts.Owner {
			return fmt.Errorf("create bucket %s: %w", name, bucket.ErrBucketAlreadyOwned)
		}
		return fmt.Errorf("create bucket %s: %w", name, bucket.ErrBucketExists)
	} else if !isNoSuchBucket(err) {
		return fmt.Errorf("create bucket: %w", err)
	}
	tmp := filepath.Join(s.root, newDirPrefix+randomName())
	if err := s.buildBucketDir(tmp, opts); err != nil {
		os.RemoveAll(tmp)
		return fmt.Errorf("create bucket %s: %w", name, err)
	}
	if err := os.Rename(tmp, s.bucketDir(name)); err != nil {
		os.RemoveAll(tmp)
		return fmt.Errorf("create bucket %s (a non-bucket entry of that name in %s?): %w", name, s.root, err)
	}
	if err := fsutil.SyncDir(s.root); err != nil {
		return fmt.Errorf("create bucket %s: %w", name, err)
	}
	return nil
}

func (s *Store) buildBucketDir(dir string, opts bucket.CreateOptions) error {
	if err := os.Mkdir(dir, dirPerm); err != nil {
		return err
	}
	if err := os.Mkdir(filepath.Join(dir, tmpDirName), dirPerm); err != nil {
		return err
	}
	data, err := json.Marshal(bucketMeta{Region: normRegion(opts.Region), Owner: opts.Owner, Created: s.now().UTC(), Seq: opts.Seq})
	if err != nil {
		return err
	}
	// Syncs dir too, which makes the temp directory's entry durable.
	return fsutil.WriteFileAtomic(filepath.Join(dir, metaName), data, filePerm)
}

// HeadBucket returns the bucket's metadata.
func (s *Store) HeadBucket(ctx context.Context, name string) (bucket.BucketInfo, error) {
	if _, err := s.checkBucket(name); err != nil {
		return bucket.BucketInfo{}, err
	}
	return s.readBucketMeta(name)
}

// ListBuckets returns every bucket in ascending name order.
func (s *Store) ListBuckets(ctx context.Context) ([]bucket.BucketInfo, error) {
	if s.closed.Load() {
		return nil, errClosed
	}
	ents, err := os.ReadDir(s.root)
	if err != nil {
		return nil, fmt.Errorf("list buckets: %w", err)
	}
	var out []bucket.BucketInfo
	for _, e := range ents { // ReadDir sorts by name
		if !e.IsDir() || checkBucketName(e.Name()) != nil {
			continue
		}
		info, err := s.readBucketMeta(e.Name())
		if isNoSuchBucket(err) {
			continue // a directory that is not a bucket
		}
		if err != nil {
			return nil, fmt.Errorf("list buckets: %w", err)
		}
		out = append(out, info)
	}
	return out, nil
}

// DeleteBucket deletes an empty bucket. Staged but uncommitted writes do not
// count as content; committing them afterwards fails with ErrNoSuchBucket.
func (s *Store) DeleteBucket(ctx context.Context, name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	dir, err := s.checkBucket(name)
	if err != nil {
		return fmt.Errorf("delete bucket: %w", err)
	}
	res, err := s.list(ctx, dir, bucket.ListOptions{MaxKeys: 1})
	if err != nil {
		return fmt.Errorf("delete bucket %s: %w", name, err)
	}
	if len(res.Objects) > 0 {
		return fmt.Errorf("delete bucket %s: %w", name, bucket.ErrBucketNotEmpty)
	}
	trash := filepath.Join(s.root, trashPrefix+randomName())
	if err := os.Rename(dir, trash); err != nil {
		return fmt.Errorf("delete bucket %s: %w", name, err)
	}
	s.forgetDurable(dir)
	if err := fsutil.SyncDir(s.root); err != nil {
		return fmt.Errorf("delete bucket %s: %w", name, err)
	}
	if err := os.RemoveAll(trash); err != nil {
		return fmt.Errorf("bucket %s deleted, but removing %s failed (retried at next open): %w", name, trash, err)
	}
	return nil
}

// forgetDurable drops dir and everything under it from the durable set.
func (s *Store) forgetDurable(dir string) {
	s.durable.Range(func(k, _ any) bool {
		if p := k.(string); p == dir || strings.HasPrefix(p, dir+string(filepath.Separator)) {
			s.durable.Delete(k)
		}
		return true
	})
}

func isNoSuchBucket(err error) bool { return errors.Is(err, bucket.ErrNoSuchBucket) }

func randomName() string {
	var b [8]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// CreatedBy reports the stream seq of the CreateBucket call that created the
// bucket (written with it, atomically), 0 if unknown; exists is false when
// there is no such bucket.
func (s *Store) CreatedBy(name string) (seq uint64, exists bool, err error) {
	data, err := os.ReadFile(filepath.Join(s.bucketDir(name), metaName))
	if os.IsNotExist(err) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("bucket %s: %w", name, err)
	}
	var m bucketMeta
	if err := json.Unmarshal(data, &m); err != nil {
		return 0, true, fmt.Errorf("bucket %s: corrupt metadata: %w", name, err)
	}
	return m.Seq, true, nil
}
