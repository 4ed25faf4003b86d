package auth

import (
	"crypto/sha1"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"hash"
	"hash/crc32"
	"hash/crc64"
	"io"
	"net/http"
	"strings"

	"github.com/cairn-audit/cairn/internal/api"
)

// checksumAlg is one of the flexible checksums S3 accepts (x-amz-checksum-*),
// sent base64-encoded, big-endian for the CRCs.
type checksumAlg struct {
	name   string // as S3 names it in messages: CRC32, CRC32C, CRC64NVME, SHA1, SHA256
	header string // lower case: x-amz-checksum-crc32, ...
	size   int    // digest bytes
	new    func() hash.Hash
}

var (
	crc32cTable = crc32.MakeTable(crc32.Castagnoli)
	// crc64NVMETable is CRC-64/NVME (polynomial 0xAD93D23594C93659), in the
	// bit-reversed form hash/crc64 takes. hash/crc64 pre- and post-inverts
	// like CRC-64/NVME does, so the standard check value holds (see tests).
	crc64NVMETable = crc64.MakeTable(0x9A6C9329AC4BC9B5)
)

var checksumAlgs = []*checksumAlg{
	{"CRC32", "x-amz-checksum-crc32", 4, func() hash.Hash { return crc32.NewIEEE() }},
	{"CRC32C", "x-amz-checksum-crc32c", 4, func() hash.Hash { return crc32.New(crc32cTable) }},
	{"CRC64NVME", "x-amz-checksum-crc64nvme", 8, func() hash.Hash { return crc64.New(crc64NVMETable) }},
	{"SHA1", "x-amz-checksum-sha1", sha1.Size, sha1.New},
	{"SHA256", "x-amz-checksum-sha256", sha256.Size, sha256.New},
}

// checksumByHeader returns the algorithm whose header is name (any case), nil if none.
func checksumByHeader(name string) *checksumAlg {
	for _, a := range checksumAlgs {
		if strings.EqualFold(name, a.header) {
			return a
		}
	}
	return nil
}

// decode parses a base64 checksum value of the algorithm's size.
func (a *checksumAlg) decode(v string) ([]byte, bool) {
	b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(v))
	if err != nil || len(b) != a.size {
		return nil, false
	}
	return b, true
}

func (a *checksumAlg) invalid() *api.Error {
	return &api.Error{Code: "InvalidRequest", Status: http.StatusBadRequest,
		Message: fmt.Sprintf("Value for %s header is invalid.", a.header)}
}

func (a *checksumAlg) mismatch() *api.Error {
	return &api.Error{Code: "BadDigest", Status: http.StatusBadRequest,
		Message: fmt.Sprintf("The %s you specified did not match the calculated checksum.", a.name)}
}

// VerifyChecksumHeader wraps body so that the read reaching its end fails
// with BadDigest (*api.Error) unless the body matches the x-amz-checksum-*
// header of h (CRC32, CRC32C, CRC64NVME, SHA1 or SHA256). Without such a
// header body is returned as is. Use it only where the header describes the
// request body (PutObject, UploadPart), not where it describes something else
// (CompleteMultipartUpload's whole-object checksum).
func VerifyChecksumHeader(h http.Header, body io.Reader) (io.Reader, error) {
	var alg *checksumAlg
	var value string
	for k, vs := range h {
		a := checksumByHeader(k)
		if a == nil || len(vs) == 0 {
			continue
		}
		if alg != nil {
			return nil, &api.Error{Code: "InvalidRequest", Status: http.StatusBadRequest,
				Message: "Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed."}
		}
		alg, value = a, vs[0]
	}
	if alg == nil {
		return body, nil
	}
	want, ok := alg.decode(value)
	if !ok {
		return nil, alg.invalid()
	}
	return &checksumReader{r: body, alg: alg, h: alg.new(), want: want}, nil
}

// checksumReader fails the read that reaches the end of r unless r's checksum is want.
type checksumReader struct {
	r    io.Reader
	alg  *checksumAlg
	h    hash.Hash
	want []byte
	err  error
}

func (c *checksumReader) Read(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	n, err := c.r.Read(p)
	c.h.Write(p[:n])
	if err == io.EOF && subtle.ConstantTimeCompare(c.h.Sum(nil), c.want) != 1 {
		err = c.alg.mismatch()
	}
	if err != nil {
		c.err = err
	}
	return n, err
}
