package s3

import (
	"bytes"
	"context"
	"crypto/md5"
	"fmt"
	"io"
	"os"

	"github.com/cairn-audit/cairn/internal/bucket"
)

// uploadBody is a Put's body made fit for the SDK: seekable (so it can be
// signed and resent on retry) and of known length, never held in memory.
type uploadBody struct {
	io.ReadSeeker
	size    int64
	cleanup func()
}

// prepareBody checks body against opts (length, Content-MD5) and returns it
// seekable. A body that cannot seek is spooled to a temp file; a seeker is
// used in place, from its current offset.
func (s *Store) prepareBody(ctx context.Context, body io.Reader, opts bucket.PutOptions) (*uploadBody, error) {
	if rs, ok := body.(io.ReadSeeker); ok {
		return seekerBody(rs, opts)
	}
	f, err := os.CreateTemp(s.tempDir, "cairn-s3-put-*")
	if err != nil {
		return nil, fmt.Errorf("spool body: %w", err)
	}
	ub := &uploadBody{ReadSeeker: f, cleanup: func() { f.Close(); os.Remove(f.Name()) }}
	r := body
	if opts.Size >= 0 {
		r = io.LimitReader(body, opts.Size+1)
	}
	h := md5.New()
	n, err := io.Copy(io.MultiWriter(f, h), bucket.ContextReader(ctx, r))
	if err == nil {
		err = checkBody(n, h.Sum(nil), opts)
	}
	if err == nil {
		_, err = f.Seek(0, io.SeekStart)
	}
	if err != nil {
		ub.cleanup()
		return nil, err
	}
	ub.size = n
	return ub, nil
}

func seekerBody(rs io.ReadSeeker, opts bucket.PutOptions) (*uploadBody, error) {
	start, err := rs.Seek(0, io.SeekCurrent)
	if err != nil {
		return nil, fmt.Errorf("seek body: %w", err)
	}
	end, err := rs.Seek(0, io.SeekEnd)
	if err != nil {
		return nil, fmt.Errorf("seek body: %w", err)
	}
	size := end - start
	var sum []byte
	if opts.ContentMD5 != nil { // checked here too: not every S3 emulator does
		if _, err := rs.Seek(start, io.SeekStart); err != nil {
			return nil, fmt.Errorf("seek body: %w", err)
		}
		h := md5.New()
		if _, err := io.Copy(h, rs); err != nil {
			return nil, fmt.Errorf("read body: %w", err)
		}
		sum = h.Sum(nil)
	}
	if err := checkBody(size, sum, opts); err != nil {
		return nil, err
	}
	if _, err := rs.Seek(start, io.SeekStart); err != nil {
		return nil, fmt.Errorf("seek body: %w", err)
	}
	return &uploadBody{ReadSeeker: rs, size: size, cleanup: func() {}}, nil
}

// checkBody checks a body's length and MD5 (if computed) against opts.
func checkBody(n int64, sum []byte, opts bucket.PutOptions) error {
	if opts.Size >= 0 && n != opts.Size {
		if n > opts.Size {
			return fmt.Errorf("body is longer than the %d bytes announced", opts.Size)
		}
		return fmt.Errorf("body is %d bytes, %d were announced", n, opts.Size)
	}
	if opts.ContentMD5 != nil && sum != nil && !bytes.Equal(sum, opts.ContentMD5) {
		return fmt.Errorf("%w: body MD5 is %x, Content-MD5 says %x", bucket.ErrBadDigest, sum, opts.ContentMD5)
	}
	return nil
}
