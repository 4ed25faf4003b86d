package s3api

import (
	"bytes"
	"crypto/md5"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/cairn-audit/cairn/internal/auth"
	"github.com/cairn-audit/cairn/internal/bucket"
)

// rawBody is the request body as the front door hands it over.
func (rq *request) rawBody() (io.Reader, int64) {
	if rq.c.BodyStream != nil {
		return rq.c.BodyStream, rq.c.BodyLength
	}
	return bytes.NewReader(rq.c.Body), int64(len(rq.c.Body))
}

// smallBody reads a small (XML) request body, verifying Content-MD5 when
// sent and, with bodyChecksum, an x-amz-checksum-* header.
func (rq *request) smallBody(bodyChecksum bool) ([]byte, error) {
	r, _ := rq.rawBody()
	if bodyChecksum {
		var err error
		if r, err = auth.VerifyChecksumHeader(rq.c.Header, r); err != nil {
			return nil, err
		}
	}
	b, err := io.ReadAll(io.LimitReader(r, maxXMLBody+1))
	if err != nil {
		return nil, fmt.Errorf("read request body: %w", err)
	}
	if len(b) > maxXMLBody {
		return nil, newError(http.StatusBadRequest, "MaxMessageLengthExceeded", "Your request was too big.")
	}
	want, err := contentMD5(rq.c.Header)
	if err != nil {
		return nil, err
	}
	if want != nil {
		if sum := md5.Sum(b); !bytes.Equal(sum[:], want) {
			return nil, errBadDigest()
		}
	}
	return b, nil
}

// objectBody is the body of a PutObject or UploadPart, checked against an
// x-amz-checksum-* header if one was sent, and its length (-1 if unknown).
// A body without a known length fails once it exceeds max.
func (rq *request) objectBody(max int64) (io.Reader, int64, error) {
	r, n := rq.rawBody()
	if n > max {
		return nil, 0, errEntityTooLarge(max)
	}
	if n < 0 {
		r = &limitReader{r: r, left: max, max: max}
	}
	r, err := auth.VerifyChecksumHeader(rq.c.Header, r)
	if err != nil {
		return nil, 0, err
	}
	return r, n, nil
}

// limitReader fails with EntityTooLarge once more than left bytes are read.
type limitReader struct {
	r    io.Reader
	left int64
	max  int64
}

func (l *limitReader) Read(p []byte) (int, error) {
	if int64(len(p)) > l.left+1 {
		p = p[:l.left+1]
	}
	n, err := l.r.Read(p)
	if l.left -= int64(n); l.left < 0 {
		return 0, errEntityTooLarge(l.max)
	}
	return n, err
}

// contentMD5 parses the Content-MD5 header, nil if absent.
func contentMD5(h http.Header) ([]byte, error) {
	v := h.Get("Content-Md5")
	if v == "" {
		return nil, nil
	}
	b, err := base64.StdEncoding.DecodeString(v)
	if err != nil || len(b) != md5.Size {
		return nil, errInvalidDigest()
	}
	return b, nil
}

// userMetadata collects the x-amz-meta-* headers, names lower case without the prefix.
func userMetadata(h http.Header) (map[string]string, error) {
	var md map[string]string
	size := 0
	for k, vs := range h {
		name, ok := cutPrefixFold(k, "x-amz-meta-")
		if !ok || len(vs) == 0 {
			continue
		}
		if md == nil {
			md = make(map[string]string)
		}
		name = strings.ToLower(name)
		md[name] = vs[0]
		size += len(name) + len(vs[0])
	}
	if size > maxMetadataBytes {
		return nil, newError(http.StatusBadRequest, "MetadataTooLarge", "Your metadata headers exceed the maximum allowed metadata size.",
			xmlField{"Size", fmt.Sprint(size)}, xmlField{"MaxSizeAllowed", fmt.Sprint(maxMetadataBytes)})
	}
	return md, nil
}

func cutPrefixFold(s, prefix string) (string, bool) {
	if len(s) < len(prefix) || !strings.EqualFold(s[:len(prefix)], prefix) {
		return "", false
	}
	return s[len(prefix):], true
}

// putOptions are the write options a PutObject (or CreateMultipartUpload) sends as headers.
func putOptions(h http.Header, size int64) (bucket.PutOptions, error) {
	md, err := userMetadata(h)
	if err != nil {
		return bucket.PutOptions{}, err
	}
	sum, err := contentMD5(h)
	if err != nil {
		return bucket.PutOptions{}, err
	}
	return bucket.PutOptions{ContentType: h.Get("Content-Type"), Metadata: md, ContentMD5: sum, Size: size}, nil
}

// setObjectHeaders sets the headers describing an object on a GET or HEAD response.
func setObjectHeaders(h http.Header, info bucket.ObjectInfo) {
	h.Set("Last-Modified", info.LastModified.UTC().Format(http.TimeFormat))
	h.Set("ETag", info.ETag)
	ct := info.ContentType
	if ct == "" {
		ct = "binary/octet-stream"
	}
	h.Set("Content-Type", ct)
	h.Set("Accept-Ranges", "bytes")
	for k, v := range info.Metadata {
		h["X-Amz-Meta-"+k] = []string{v}
	}
}
