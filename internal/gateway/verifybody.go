package gateway

import (
	"bytes"
	"io"
	"net/http"

	"github.com/cairn-audit/cairn/internal/auth"
)

// verifiedBody passes a streamed body upstream byte for byte (aws-chunked
// framing and all) while auth.StreamAuth.Body decodes and verifies it: the
// declared hash at the end, each chunk's signature, the trailer's. Raw
// bytes are handed on only as the decoder consumes them, the last one only
// once the decoder has verified the whole body; when verification fails the
// read fails, so the upstream never receives the complete request (the
// transport aborts it).
type verifiedBody struct {
	dec     io.Reader // the verifying decoder, reading through tap
	tap     *tap
	scratch []byte
	err     error // the decoder's final error: io.EOF when verified
}

// tap is the raw body, keeping what the decoder has read for forwarding.
type tap struct {
	r       io.Reader
	pending bytes.Buffer
}

func (t *tap) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	t.pending.Write(p[:n])
	return n, err
}

func newVerifiedBody(r *http.Request, sa *auth.StreamAuth, raw io.Reader) (io.Reader, error) {
	t := &tap{r: raw}
	dec, _, err := sa.Body(r, t)
	if err != nil {
		return nil, err
	}
	return &verifiedBody{dec: dec, tap: t, scratch: make([]byte, 32<<10)}, nil
}

func (v *verifiedBody) Read(p []byte) (int, error) {
	// The last byte is held back until the decoder has verified the whole
	// body: a body that fails verification anywhere never reaches the
	// upstream complete, even when the decoder read ahead of its checks.
	for v.err == nil && v.tap.pending.Len() <= 1 {
		if _, err := v.dec.Read(v.scratch); err != nil {
			v.err = err
		}
	}
	if v.err != nil && v.err != io.EOF {
		v.tap.pending.Reset() // the bytes that failed verification are not sent
		return 0, v.err
	}
	n := v.tap.pending.Len()
	if v.err == nil {
		n-- // held back
	}
	if n == 0 {
		return 0, io.EOF // verified, all sent
	}
	return v.tap.pending.Read(p[:min(len(p), n)])
}
