package s3api

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"

	"github.com/cairn-audit/cairn/internal/bucket"
)

// stagePut writes an object that appears only when the returned StagedPut
// is committed: through the store's bucket.Stager, or else by spooling the
// body to a temp file that Commit writes to the store (see the package doc
// for the weaker guarantee of the latter).
func (s *Service) stagePut(ctx context.Context, b, k string, body io.Reader, opts bucket.PutOptions) (bucket.StagedPut, error) {
	if st, ok := s.store.(bucket.Stager); ok {
		return st.StagePut(ctx, b, k, body, opts)
	}
	return s.spool(ctx, b, k, body, opts)
}

// spooled is a body held in a temp file until Commit writes it to the store.
type spooled struct {
	s      *Service
	bucket string
	path   string
	opts   bucket.PutOptions
	info   bucket.ObjectInfo
	once   sync.Once
}

func (s *Service) spool(ctx context.Context, b, k string, body io.Reader, opts bucket.PutOptions) (*spooled, error) {
	dir := filepath.Join(s.opts.UploadDir, "spool")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("spool %s/%s: %w", b, k, err)
	}
	f, err := os.CreateTemp(dir, "put-*")
	if err != nil {
		return nil, fmt.Errorf("spool %s/%s: %w", b, k, err)
	}
	h := md5.New()
	n, err := io.Copy(io.MultiWriter(f, h), body)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil && opts.Size >= 0 && n != opts.Size {
		err = fmt.Errorf("body is %d bytes, %d were announced: %w", n, opts.Size, io.ErrUnexpectedEOF)
	}
	sum := h.Sum(nil)
	if err == nil && opts.ContentMD5 != nil && !bytes.Equal(sum, opts.ContentMD5) {
		err = bucket.ErrBadDigest
	}
	if err != nil {
		os.Remove(f.Name())
		return nil, fmt.Errorf("spool %s/%s: %w", b, k, err)
	}
	etag := opts.ETag
	if etag == "" {
		etag = `"` + hex.EncodeToString(sum) + `"`
	}
	opts.Size = n
	info := bucket.ObjectInfo{Key: k, Size: n, ETag: etag, ContentType: opts.ContentType, Metadata: opts.Metadata, LastModified: s.opts.Now().UTC()}
	return &spooled{s: s, bucket: b, path: f.Name(), opts: opts, info: info}, nil
}

func (p *spooled) Info() bucket.ObjectInfo { return p.info }

// Commit writes the spooled body to the store.
func (p *spooled) Commit() error {
	err := fmt.Errorf("spooled put %s/%s: already committed or aborted", p.bucket, p.info.Key)
	p.once.Do(func() {
		defer os.Remove(p.path)
		var f *os.File
		if f, err = os.Open(p.path); err != nil {
			return
		}
		defer f.Close()
		_, err = p.s.store.Put(context.Background(), p.bucket, p.info.Key, f, p.opts)
	})
	return err
}

// Abort discards the spooled body.
func (p *spooled) Abort() {
	p.once.Do(func() { os.Remove(p.path) })
}
