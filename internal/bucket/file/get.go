package file

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/cairn-audit/cairn/internal/bucket"
)

// objectPath returns the bucket's directory and key's object file in it.
func (s *Store) objectPath(bucketName, key string) (dir, path string, err error) {
	if err := bucket.CheckKey(key); err != nil {
		return "", "", err
	}
	if dir, err = s.checkBucket(bucketName); err != nil {
		return "", "", err
	}
	return dir, filepath.Join(append([]string{dir}, keyElems(key)...)...), nil
}

// openObject opens key's object file and reads its metadata.
func (s *Store) openObject(bucketName, key string) (*os.File, *meta, error) {
	_, path, err := s.objectPath(bucketName, key)
	if err != nil {
		return nil, nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		if os.IsNotExist(err) {
			if _, berr := s.checkBucket(bucketName); berr != nil {
				return nil, nil, berr
			}
			return nil, nil, bucket.ErrNoSuchKey
		}
		return nil, nil, err
	}
	m, err := readMeta(f)
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	return f, m, nil
}

// Get returns the object's body, or the bytes of rng (HTTP semantics: End is
// inclusive and clamped to the object, a Suffix is the last bytes, a start at
// or past the end is ErrInvalidRange). The returned info's Size is always the
// full object size.
func (s *Store) Get(ctx context.Context, bucketName, key string, rng *bucket.Range) (io.ReadCloser, bucket.ObjectInfo, error) {
	f, m, err := s.openObject(bucketName, key)
	if err != nil {
		return nil, bucket.ObjectInfo{}, fmt.Errorf("get %s/%s: %w", bucketName, key, err)
	}
	off, n, err := resolveRange(rng, m.Size)
	if err != nil {
		f.Close()
		return nil, bucket.ObjectInfo{}, fmt.Errorf("get %s/%s: %w", bucketName, key, err)
	}
	return &objectReader{SectionReader: io.NewSectionReader(f, off, n), f: f}, m.info(), nil
}

// Head returns the object's info.
func (s *Store) Head(ctx context.Context, bucketName, key string) (bucket.ObjectInfo, error) {
	f, m, err := s.openObject(bucketName, key)
	if err != nil {
		return bucket.ObjectInfo{}, fmt.Errorf("head %s/%s: %w", bucketName, key, err)
	}
	f.Close()
	return m.info(), nil
}
