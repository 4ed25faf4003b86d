package bucket

import (
	"context"
	"fmt"
	"io"
	"unicode/utf8"
)

// CheckKey accepts any S3 object key: 1 to 1024 bytes of UTF-8. Backends
// check it themselves, since some S3-compatible servers accept more.
func CheckKey(key string) error {
	switch {
	case key == "":
		return fmt.Errorf("%w: empty key", ErrInvalidKey)
	case len(key) > 1024:
		return fmt.Errorf("%w: key is %d bytes, the limit is 1024", ErrInvalidKey, len(key))
	case !utf8.ValidString(key):
		return fmt.Errorf("%w: key is not valid UTF-8", ErrInvalidKey)
	}
	return nil
}

// ContextReader returns a reader that stops a copy once ctx is done.
func ContextReader(ctx context.Context, r io.Reader) io.Reader { return ctxReader{ctx, r} }

type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
