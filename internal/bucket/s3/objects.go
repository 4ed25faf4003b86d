package s3

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/cairn-audit/cairn/internal/bucket"
)

// Put uploads the object with PutObject. A body that cannot seek (or whose
// length is unknown) is first spooled to a temp file. The ETag is the
// server's; PutOptions.ETag is ignored. LastModified is the response's Date.
func (s *Store) Put(ctx context.Context, bucketName, key string, body io.Reader, opts bucket.PutOptions) (bucket.ObjectInfo, error) {
	if err := bucket.CheckKey(key); err != nil {
		return bucket.ObjectInfo{}, fmt.Errorf("s3: put %s/%s: %w", bucketName, key, err)
	}
	ub, err := s.prepareBody(ctx, body, opts)
	if err != nil {
		return bucket.ObjectInfo{}, fmt.Errorf("s3: put %s/%s: %w", bucketName, key, err)
	}
	defer ub.cleanup()
	in := &s3.PutObjectInput{
		Bucket:        aws.String(bucketName),
		Key:           aws.String(key),
		Body:          ub,
		ContentLength: aws.Int64(ub.size),
		Metadata:      opts.Metadata,
	}
	ct := opts.ContentType
	if ct == "" {
		ct = "binary/octet-stream" // S3's default (the SDK would send application/octet-stream)
	}
	in.ContentType = aws.String(ct)
	if opts.ContentMD5 != nil {
		in.ContentMD5 = aws.String(base64.StdEncoding.EncodeToString(opts.ContentMD5))
	}
	out, err := s.client.PutObject(ctx, in)
	if err != nil {
		return bucket.ObjectInfo{}, wrap(err, "put %s/%s", bucketName, key)
	}
	return bucket.ObjectInfo{
		Key: key, Size: ub.size, ETag: aws.ToString(out.ETag), ContentType: ct,
		Metadata: lowerKeys(opts.Metadata), LastModified: responseDate(out.ResultMetadata),
	}, nil
}

// responseDate is the Date header of the response, or now.
func responseDate(md middleware.Metadata) time.Time {
	if resp, ok := awsmiddleware.GetRawResponse(md).(*smithyhttp.Response); ok {
		if t, err := http.ParseTime(resp.Header.Get("Date")); err == nil {
			return t.UTC()
		}
	}
	return time.Now().UTC().Truncate(time.Second)
}

// Get returns the object's body, or the bytes of rng. ObjectInfo.Size is the
// full object size (taken from Content-Range for a range).
func (s *Store) Get(ctx context.Context, bucketName, key string, rng *bucket.Range) (io.ReadCloser, bucket.ObjectInfo, error) {
	fail := func(err error) (io.ReadCloser, bucket.ObjectInfo, error) {
		return nil, bucket.ObjectInfo{}, fmt.Errorf("s3: get %s/%s: %w", bucketName, key, err)
	}
	if err := bucket.CheckKey(key); err != nil {
		return fail(err)
	}
	in := &s3.GetObjectInput{Bucket: aws.String(bucketName), Key: aws.String(key)}
	if rng != nil {
		h, err := rangeHeader(rng)
		if err != nil {
			return fail(err)
		}
		in.Range = aws.String(h)
	}
	out, err := s.client.GetObject(ctx, in)
	if err != nil {
		return nil, bucket.ObjectInfo{}, wrap(err, "get %s/%s", bucketName, key)
	}
	size := aws.ToInt64(out.ContentLength)
	if cr := aws.ToString(out.ContentRange); cr != "" {
		total, err := contentRangeTotal(cr)
		if err != nil {
			out.Body.Close()
			return fail(err)
		}
		size = total
	}
	return out.Body, bucket.ObjectInfo{
		Key: key, Size: size, ETag: aws.ToString(out.ETag), LastModified: aws.ToTime(out.LastModified),
		ContentType: aws.ToString(out.ContentType), Metadata: lowerKeys(out.Metadata),
	}, nil
}

// rangeHeader renders rng as an HTTP Range header, refusing what HTTP would
// ignore (so that every backend answers ErrInvalidRange alike).
func rangeHeader(rng *bucket.Range) (string, error) {
	switch {
	case rng.Suffix > 0:
		return "bytes=-" + strconv.FormatInt(rng.Suffix, 10), nil
	case rng.Suffix < 0 || rng.Start < 0:
		return "", fmt.Errorf("%w: negative range", bucket.ErrInvalidRange)
	case rng.End < 0:
		return fmt.Sprintf("bytes=%d-", rng.Start), nil
	case rng.End < rng.Start:
		return "", fmt.Errorf("%w: range end %d before start %d", bucket.ErrInvalidRange, rng.End, rng.Start)
	}
	return fmt.Sprintf("bytes=%d-%d", rng.Start, rng.End), nil
}

// contentRangeTotal parses the complete length out of "bytes a-b/total".
func contentRangeTotal(cr string) (int64, error) {
	i := strings.LastIndexByte(cr, '/')
	if i < 0 {
		return 0, fmt.Errorf("bad Content-Range %q", cr)
	}
	n, err := strconv.ParseInt(cr[i+1:], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("bad Content-Range %q", cr)
	}
	return n, nil
}

// Head returns the object's info. S3 answers a HEAD for a missing key and a
// missing bucket alike (404, no body), so a 404 is told apart by HeadBucket.
func (s *Store) Head(ctx context.Context, bucketName, key string) (bucket.ObjectInfo, error) {
	if err := bucket.CheckKey(key); err != nil {
		return bucket.ObjectInfo{}, fmt.Errorf("s3: head %s/%s: %w", bucketName, key, err)
	}
	out, err := s.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucketName), Key: aws.String(key)})
	if err != nil {
		if httpStatus(err) == http.StatusNotFound {
			if berr := s.headBucket(ctx, bucketName); berr != nil {
				return bucket.ObjectInfo{}, fmt.Errorf("s3: head %s/%s: %w", bucketName, key, berr)
			}
			return bucket.ObjectInfo{}, fmt.Errorf("s3: head %s/%s: %w: %w", bucketName, key, bucket.ErrNoSuchKey, err)
		}
		return bucket.ObjectInfo{}, wrap(err, "head %s/%s", bucketName, key)
	}
	return bucket.ObjectInfo{
		Key: key, Size: aws.ToInt64(out.ContentLength), ETag: aws.ToString(out.ETag), LastModified: aws.ToTime(out.LastModified),
		ContentType: aws.ToString(out.ContentType), Metadata: lowerKeys(out.Metadata),
	}, nil
}

// Delete deletes the object; a missing key is not an error (S3's answer).
func (s *Store) Delete(ctx context.Context, bucketName, key string) error {
	if err := bucket.CheckKey(key); err != nil {
		return fmt.Errorf("s3: delete %s/%s: %w", bucketName, key, err)
	}
	if _, err := s.client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(bucketName), Key: aws.String(key)}); err != nil {
		return wrap(err, "delete %s/%s", bucketName, key)
	}
	return nil
}

// lowerKeys returns m with lower-case keys, nil if empty.
func lowerKeys(m map[string]string) map[string]string {
	if len(m) == 0 {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[strings.ToLower(k)] = v
	}
	return out
}
