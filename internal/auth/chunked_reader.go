package auth

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"
	"strings"

	"github.com/cairn-audit/cairn/internal/api"
	"github.com/cairn-audit/cairn/internal/identity"
)

// Bounds of the aws-chunked framing.
const (
	maxChunkLine  = 4096    // a chunk header or trailer line, CRLF included
	maxChunkSize  = 1 << 40 // larger sizes are refused before any arithmetic on them
	maxTrailers   = 16      // trailing header lines
	chunkBufBytes = 64 << 10
)

// chunkOptions configure an aws-chunked decoder.
type chunkOptions struct {
	signed    bool                // chunks carry chunk-signature (verified with auth)
	trailer   bool                // trailing headers follow the last chunk
	declared  int64               // x-amz-decoded-content-length, -1 if not sent
	checksum  *checksumAlg        // checksum the trailer must carry (x-amz-trailer), nil if none
	auth      *StreamAuth         // signing context (signed only)
	principal *identity.Principal // for signature failures (signed only)
}

// chunkReader decodes an aws-chunked body:
//
//	<hex size>[;chunk-signature=<sig>]\r\n<data>\r\n ... 0[;chunk-signature=<sig>]\r\n
//
// followed either by \r\n, or (trailer variants) by "name:value\r\n" lines
// (x-amz-trailer-signature last when signed) and \r\n. Signatures chain from
// the seed: each chunk's string to sign holds the previous signature.
type chunkReader struct {
	br   *bufio.Reader
	opts chunkOptions

	prev     string    // previous signature in the chain
	want     string    // the current chunk's declared signature
	left     int64     // bytes of the current chunk not yet returned
	inChunk  bool      // a data chunk has been started and not yet closed
	chunkSum hash.Hash // SHA-256 of the current chunk (signed)
	sum      hash.Hash // the trailer checksum being computed, nil if none
	total    int64     // decoded bytes so far
	err      error     // sticky; io.EOF once the body is complete and verified
}

func newChunkReader(body io.Reader, opts chunkOptions) *chunkReader {
	c := &chunkReader{br: bufio.NewReaderSize(body, chunkBufBytes), opts: opts}
	if opts.signed {
		c.prev, c.chunkSum = opts.auth.seed, sha256.New()
	}
	if opts.checksum != nil {
		c.sum = opts.checksum.new()
	}
	return c
}

func (c *chunkReader) Read(p []byte) (int, error) {
	for c.err == nil && c.left == 0 {
		c.err = c.advance()
	}
	if c.err != nil {
		return 0, c.err
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.br.Read(p)
	if n > 0 {
		c.left -= int64(n)
		c.total += int64(n)
		if c.chunkSum != nil {
			c.chunkSum.Write(p[:n])
		}
		if c.sum != nil {
			c.sum.Write(p[:n])
		}
	}
	if err != nil {
		if errors.Is(err, io.EOF) {
			err = truncated()
		}
		c.err = err
	}
	return n, err
}

// advance closes the chunk just read (if any) and opens the next one. At the
// last chunk it reads and verifies the trailer and returns io.EOF.
func (c *chunkReader) advance() error {
	if c.inChunk {
		if err := c.expect("\r\n"); err != nil {
			return err
		}
		if err := c.verifyChunk(); err != nil {
			return err
		}
		c.inChunk = false
	}
	size, sig, err := c.header()
	if err != nil {
		return err
	}
	c.want = sig
	if c.chunkSum != nil {
		c.chunkSum.Reset()
	}
	if size == 0 {
		if err := c.verifyChunk(); err != nil {
			return err
		}
		return c.finish()
	}
	if c.opts.declared >= 0 && size > c.opts.declared-c.total {
		return malformedBody("The chunks hold more data than x-amz-decoded-content-length declares.")
	}
	c.left, c.inChunk = size, true
	return nil
}

// header reads a chunk header line: its size and, when signed, its signature.
func (c *chunkReader) header() (int64, string, error) {
	line, err := c.line()
	if errors.Is(err, errEndOfBody) {
		return 0, "", truncated()
	}
	if err != nil {
		return 0, "", err
	}
	sizeText, ext, _ := strings.Cut(line, ";")
	size, ok := parseChunkSize(sizeText)
	if !ok {
		return 0, "", malformedBody(fmt.Sprintf("Invalid chunk size %q.", clip(sizeText)))
	}
	var sig string
	for ext != "" {
		var item string
		item, ext, _ = strings.Cut(ext, ";")
		if v, ok := strings.CutPrefix(item, "chunk-signature="); ok {
			sig = v
		}
	}
	if c.opts.signed && len(sig) != 64 {
		return 0, "", malformedBody("A chunk of a signed aws-chunked body has no valid chunk-signature.")
	}
	return size, sig, nil
}

func parseChunkSize(s string) (int64, bool) {
	if s == "" || len(s) > 16 {
		return 0, false
	}
	var n int64
	for i := 0; i < len(s); i++ {
		d, ok := unhex(s[i])
		if !ok {
			return 0, false
		}
		n = n<<4 | int64(d)
		if n > maxChunkSize {
			return 0, false
		}
	}
	return n, true
}

// verifyChunk checks the signature of the chunk just read (signed only).
func (c *chunkReader) verifyChunk() error {
	if !c.opts.signed {
		return nil
	}
	var sum [32]byte
	got := c.opts.auth.chunkSignature(c.prev, c.chunkSum.Sum(sum[:0]))
	if !signatureEqual(got, c.want) {
		return newError(KindBadSignature, msgBadSignature, c.opts.principal)
	}
	c.prev = c.want
	return nil
}

// finish reads what follows the last chunk, verifies it and returns io.EOF.
func (c *chunkReader) finish() error {
	if c.opts.declared >= 0 && c.total != c.opts.declared {
		return &api.Error{Code: "IncompleteBody", Status: http.StatusBadRequest,
			Message: fmt.Sprintf("You did not provide the number of bytes specified by the x-amz-decoded-content-length header (%d declared, %d sent).", c.opts.declared, c.total)}
	}
	var trailers []string // "name:value", name lower case, value trimmed
	var sig string
	for {
		line, err := c.line()
		if errors.Is(err, errEndOfBody) {
			break // some clients end the body without the final empty line
		}
		if err != nil {
			return err
		}
		if line == "" {
			break
		}
		if !c.opts.trailer || sig != "" || len(trailers) >= maxTrailers {
			return malformedTrailer()
		}
		name, value, ok := strings.Cut(line, ":")
		name, value = strings.ToLower(strings.TrimSpace(name)), strings.TrimSpace(value)
		if !ok || name == "" {
			return malformedTrailer()
		}
		if name == "x-amz-trailer-signature" {
			sig = value
			continue
		}
		trailers = append(trailers, name+":"+value)
	}
	if _, err := c.br.ReadByte(); err != io.EOF {
		if err == nil {
			return malformedBody("Unexpected data after the last chunk.")
		}
		return err
	}
	if c.opts.signed && c.opts.trailer {
		var canon bytes.Buffer
		for _, t := range trailers {
			canon.WriteString(t)
			canon.WriteByte('\n')
		}
		if sig == "" {
			return malformedTrailer()
		}
		if !signatureEqual(c.opts.auth.trailerSignature(c.prev, canon.Bytes()), sig) {
			return newError(KindBadSignature, msgBadSignature, c.opts.principal)
		}
	}
	return c.checkTrailerChecksum(trailers)
}

// checkTrailerChecksum verifies the checksum x-amz-trailer announced.
func (c *chunkReader) checkTrailerChecksum(trailers []string) error {
	alg := c.opts.checksum
	if alg == nil {
		return io.EOF
	}
	for _, t := range trailers {
		name, value, _ := strings.Cut(t, ":")
		if name != alg.header {
			continue
		}
		want, ok := alg.decode(value)
		if !ok {
			return alg.invalid()
		}
		if subtle.ConstantTimeCompare(c.sum.Sum(nil), want) != 1 {
			return alg.mismatch()
		}
		return io.EOF
	}
	return malformedTrailer()
}

// errEndOfBody is line's report of a clean end of the body before a line.
var errEndOfBody = errors.New("end of body")

// line reads one CRLF-terminated line, without its CRLF.
func (c *chunkReader) line() (string, error) {
	b, err := c.br.ReadSlice('\n')
	switch {
	case err == io.EOF && len(b) == 0:
		return "", errEndOfBody
	case err == io.EOF:
		return "", truncated()
	case errors.Is(err, bufio.ErrBufferFull):
		return "", malformedBody("A chunk header or trailer line is too long.")
	case err != nil:
		return "", err
	}
	if len(b) > maxChunkLine || len(b) < 2 || b[len(b)-2] != '\r' {
		return "", malformedBody("A chunk header or trailer line is malformed.")
	}
	return string(b[:len(b)-2]), nil
}

// expect reads the literal s.
func (c *chunkReader) expect(s string) error {
	for i := 0; i < len(s); i++ {
		b, err := c.br.ReadByte()
		if err == io.EOF {
			return truncated()
		}
		if err != nil {
			return err
		}
		if b != s[i] {
			return malformedBody("A chunk is not followed by CRLF.")
		}
	}
	return nil
}

func truncated() *api.Error {
	return &api.Error{Code: "IncompleteBody", Status: http.StatusBadRequest, Message: "The request body ended before the last chunk."}
}

func malformedBody(msg string) *api.Error {
	return &api.Error{Code: "IncompleteBody", Status: http.StatusBadRequest, Message: "Malformed aws-chunked body: " + msg}
}

func malformedTrailer() *api.Error {
	return &api.Error{Code: "MalformedTrailerError", Status: http.StatusBadRequest,
		Message: "The request contained trailing data that was not well-formed or did not conform to our published schema."}
}
