package s3api

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/cairn-audit/cairn/internal/api"
	"github.com/cairn-audit/cairn/internal/bucket"
)

func checkKey(key string) error {
	if len(key) > maxKeyBytes {
		return errKeyTooLong()
	}
	return nil
}

// putObject stages the body in Handle (read to its end, so verified) and
// publishes it at Commit.
func (s *Service) putObject(ctx context.Context, rq *request) (*api.Result, error) {
	if err := checkKey(rq.key); err != nil {
		return nil, err
	}
	if _, err := s.ownBucket(ctx, rq); err != nil {
		return nil, err
	}
	body, size, err := rq.objectBody(s.opts.MaxObjectSize)
	if err != nil {
		return nil, err
	}
	opts, err := putOptions(rq.c.Header, size)
	if err != nil {
		return nil, err
	}
	staged, err := s.stagePut(ctx, rq.bucket, rq.key, body, opts)
	if err != nil {
		return nil, err
	}
	res := emptyResult(http.StatusOK, rq.c.RequestID)
	res.Header.Set("ETag", staged.Info().ETag)
	echoChecksum(rq.c.Header, res.Header)
	res.Commit = func() error { return commitAt(staged, res.Seq) }
	res.Abort = staged.Abort
	return res, nil
}

// echoChecksum returns the x-amz-checksum-* header the client sent (verified).
func echoChecksum(req, resp http.Header) {
	for k, vs := range req {
		if _, ok := cutPrefixFold(k, "x-amz-checksum-"); ok && len(vs) > 0 && !strings.EqualFold(k, "x-amz-checksum-type") {
			resp[k] = vs
		}
	}
}

// getObject answers with the object (or the requested range) streamed.
func (s *Service) getObject(ctx context.Context, rq *request) (*api.Result, error) {
	return s.readObject(ctx, rq, false)
}

func (s *Service) headObject(ctx context.Context, rq *request) (*api.Result, error) {
	return s.readObject(ctx, rq, true)
}

func (s *Service) readObject(ctx context.Context, rq *request, head bool) (*api.Result, error) {
	if _, err := s.ownBucket(ctx, rq); err != nil {
		return nil, err
	}
	rng := parseRange(rq.c.Header.Get("Range"))
	var body io.ReadCloser
	var info bucket.ObjectInfo
	var err error
	if head {
		info, err = s.store.Head(ctx, rq.bucket, rq.key)
	} else {
		body, info, err = s.store.Get(ctx, rq.bucket, rq.key, rng)
	}
	if err != nil {
		return nil, err
	}
	closeBody := func() {
		if body != nil {
			body.Close()
		}
	}
	if status, cond := checkConditions(rq.c.Header, "", info); status != 0 {
		closeBody()
		if status == http.StatusPreconditionFailed {
			return nil, errPreconditionFailed(cond)
		}
		res := emptyResult(status, rq.c.RequestID)
		res.Header.Set("ETag", info.ETag)
		res.Header.Set("Last-Modified", info.LastModified.UTC().Format(http.TimeFormat))
		return res, nil
	}
	res := emptyResult(http.StatusOK, rq.c.RequestID)
	setObjectHeaders(res.Header, info)
	length := info.Size
	if rng != nil {
		first, last, ok := span(rng, info.Size)
		if !ok {
			closeBody()
			return nil, bucket.ErrInvalidRange
		}
		res.Status, length = http.StatusPartialContent, last-first+1
		res.Header.Set("Content-Range", contentRange(first, last, info.Size))
	}
	res.Header.Set("Content-Length", fmt.Sprint(length))
	for param, header := range responseOverrides {
		if v := rq.c.Query.Get(param); v != "" {
			res.Header.Set(header, v)
		}
	}
	if body != nil {
		res.BodyStream = readCloser{io.LimitReader(body, length), body}
	}
	return res, nil
}

// responseOverrides are the query parameters (presigned GETs) that set
// response headers.
var responseOverrides = map[string]string{
	"response-content-type":        "Content-Type",
	"response-content-language":    "Content-Language",
	"response-expires":             "Expires",
	"response-cache-control":       "Cache-Control",
	"response-content-disposition": "Content-Disposition",
	"response-content-encoding":    "Content-Encoding",
}

type readCloser struct {
	io.Reader
	io.Closer
}

// deleteObject checks the bucket in Handle and deletes at Commit (deleting
// a missing key succeeds, as on S3).
func (s *Service) deleteObject(ctx context.Context, rq *request) (*api.Result, error) {
	if _, err := s.ownBucket(ctx, rq); err != nil {
		return nil, err
	}
	res := emptyResult(http.StatusNoContent, rq.c.RequestID)
	res.Commit = func() error {
		return s.deleteAt(context.WithoutCancel(ctx), rq.bucket, rq.key, res.Seq)
	}
	return res, nil
}

// copyObject stages a copy of the source (which the caller's account must
// own too) and publishes it at Commit.
func (s *Service) copyObject(ctx context.Context, rq *request) (*api.Result, error) {
	if err := checkKey(rq.key); err != nil {
		return nil, err
	}
	src := rq.c.Header.Get("X-Amz-Copy-Source")
	rq.setParam("x-amz-copy-source", src)
	sb, sk, err := parseCopySource(src)
	if err != nil {
		return nil, err
	}
	rq.extra = append(rq.extra, objectResource(sb, sk))
	if sb != rq.bucket {
		rq.extra = append(rq.extra, bucketResource(sb))
	}
	if _, err := s.ownBucket(ctx, rq); err != nil {
		return nil, err
	}
	if _, err := s.ownNamed(ctx, rq, sb); err != nil {
		return nil, err
	}
	directive := strings.ToUpper(headerDefault(rq.c.Header.Get("X-Amz-Metadata-Directive"), "COPY"))
	if directive != "COPY" && directive != "REPLACE" {
		return nil, errInvalidArgument("x-amz-metadata-directive", directive, "Unknown metadata directive.")
	}
	if sb == rq.bucket && sk == rq.key && directive == "COPY" {
		return nil, newError(http.StatusBadRequest, "InvalidRequest",
			"This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.")
	}
	body, info, err := s.store.Get(ctx, sb, sk, nil)
	if errors.Is(err, bucket.ErrNoSuchKey) {
		return nil, errNoSuchKey(sk)
	}
	if err != nil {
		return nil, err
	}
	defer body.Close()
	if status, cond := checkConditions(rq.c.Header, "X-Amz-Copy-Source-", info); status != 0 {
		return nil, errPreconditionFailed("x-amz-copy-source-" + strings.ToLower(cond))
	}
	opts := bucket.PutOptions{ContentType: info.ContentType, Metadata: info.Metadata, Size: info.Size}
	if directive == "REPLACE" {
		if opts.Metadata, err = userMetadata(rq.c.Header); err != nil {
			return nil, err
		}
		opts.ContentType = rq.c.Header.Get("Content-Type")
	}
	staged, err := s.stagePut(ctx, rq.bucket, rq.key, body, opts)
	if err != nil {
		return nil, err
	}
	out := copyObjectResult{ETag: staged.Info().ETag, LastModified: xmlTime(staged.Info().LastModified)}
	res, err := xmlResult(http.StatusOK, out, rq.c.RequestID)
	if err != nil {
		staged.Abort()
		return nil, err
	}
	res.Commit = func() error { return commitAt(staged, res.Seq) }
	res.Abort = staged.Abort
	return res, nil
}

type copyObjectResult struct {
	XMLName      struct{} `xml:"http://s3.amazonaws.com/doc/2006-03-01/ CopyObjectResult"`
	LastModified string   `xml:"LastModified"`
	ETag         string   `xml:"ETag"`
}

// parseCopySource reads x-amz-copy-source: "[/]bucket/key[?versionId=...]", URL-encoded.
func parseCopySource(v string) (string, string, error) {
	bad := errInvalidArgument("x-amz-copy-source", v, "Copy Source must mention the source bucket and key: sourcebucket/sourcekey.")
	v, version, _ := strings.Cut(v, "?versionId=")
	if version != "" && version != "null" {
		return "", "", errNotImplemented("CopyObject from an object version")
	}
	dec, err := url.PathUnescape(v)
	if err != nil {
		return "", "", bad
	}
	b, k, ok := strings.Cut(strings.TrimPrefix(dec, "/"), "/")
	if !ok || b == "" || k == "" {
		return "", "", bad
	}
	return b, k, nil
}

func headerDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}
