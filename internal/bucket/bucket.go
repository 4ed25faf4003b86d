// Package bucket is Cairn's one interface to object storage. Trails deliver
// log files through it, the embedded S3 API serves it, and validators read it.
// Backends live in their own packages: bucket/file (the embedded store under
// the data dir, the default) and bucket/s3 (any S3-compatible endpoint through
// aws-sdk-go-v2). bucket/buckettest is the conformance suite every backend runs.
package bucket

import (
	"context"
	"errors"
	"io"
	"time"
)

// Errors every backend returns (wrapped) so callers can tell them apart with errors.Is.
var (
	ErrNoSuchBucket       = errors.New("bucket: no such bucket")
	ErrNoSuchKey          = errors.New("bucket: no such key")
	ErrBucketExists       = errors.New("bucket: bucket already exists") // owned by someone else
	ErrBucketAlreadyOwned = errors.New("bucket: bucket already owned by you")
	ErrBucketNotEmpty     = errors.New("bucket: bucket not empty")
	ErrInvalidBucketName  = errors.New("bucket: invalid bucket name")
	ErrInvalidKey         = errors.New("bucket: invalid object key")
	ErrInvalidRange       = errors.New("bucket: range not satisfiable")
	ErrAccessDenied       = errors.New("bucket: access denied")
	ErrBadDigest          = errors.New("bucket: content digest mismatch")
)

// BucketInfo describes a bucket.
type BucketInfo struct {
	Name    string
	Region  string // location constraint; "" means us-east-1
	Owner   string // owning account ID where the backend knows it ("" on external S3)
	Created time.Time
}

// CreateOptions are the optional parts of CreateBucket.
type CreateOptions struct {
	Region string // location constraint; "" means us-east-1
	Owner  string // owning account ID (the embedded store keeps it; external S3 ignores it)
	// Seq is the stream seq of the CreateBucket call; the embedded store
	// keeps it in the bucket's metadata so recovery can tell whether that
	// call took effect (file.Store.CreatedBy). 0 when not a recorded call.
	Seq uint64
}

// ObjectInfo describes a stored object.
type ObjectInfo struct {
	Key          string
	Size         int64
	ETag         string // quoted, as S3 returns it: "\"<hex md5>\"" (or "<hex>-<parts>")
	LastModified time.Time
	ContentType  string
	Metadata     map[string]string // user metadata, keys lower-case without the x-amz-meta- prefix
}

// PutOptions are the optional parts of a write.
type PutOptions struct {
	ContentType string
	Metadata    map[string]string // user metadata (x-amz-meta-*), keys lower-case
	ContentMD5  []byte            // if set, the write fails with ErrBadDigest unless the body's MD5 matches
	ETag        string            // if set, stored as the ETag instead of the body's MD5 (multipart uploads)
	Size        int64             // body length if known, -1 if not
}

// Range is an inclusive byte range; End < 0 means to the end. Suffix > 0 means the last Suffix bytes.
type Range struct {
	Start, End int64
	Suffix     int64
}

// ListOptions select a page of a bucket listing. Keys come in ascending byte order.
type ListOptions struct {
	Prefix    string
	Delimiter string
	After     string // list keys strictly after this one (v1 Marker, v2 StartAfter/continuation)
	MaxKeys   int    // 0 means 1000
}

// ListResult is one page of a listing.
type ListResult struct {
	Objects        []ObjectInfo
	CommonPrefixes []string
	Truncated      bool
	NextAfter      string // the last key or common prefix returned, to pass as After for the next page
}

// Store is object storage. Every method is safe for concurrent use. Writes
// are atomic: a reader sees the old object or the new one, never a part.
type Store interface {
	CreateBucket(ctx context.Context, name string, opts CreateOptions) error
	HeadBucket(ctx context.Context, name string) (BucketInfo, error)
	ListBuckets(ctx context.Context) ([]BucketInfo, error)
	DeleteBucket(ctx context.Context, name string) error

	Put(ctx context.Context, bucket, key string, body io.Reader, opts PutOptions) (ObjectInfo, error)
	// Get returns the object's body (the requested range of it if rng is not
	// nil) and its info; the caller closes the body.
	Get(ctx context.Context, bucket, key string, rng *Range) (io.ReadCloser, ObjectInfo, error)
	Head(ctx context.Context, bucket, key string) (ObjectInfo, error)
	Delete(ctx context.Context, bucket, key string) error // deleting a missing key is not an error
	List(ctx context.Context, bucket string, opts ListOptions) (ListResult, error)
}

// Stager is implemented by stores that can stage a write and publish it later
// (the embedded store). The S3 API uses it so that an object appears only once
// its PutObject event is durable: Commit publishes atomically, Abort discards.
type Stager interface {
	StagePut(ctx context.Context, bucket, key string, body io.Reader, opts PutOptions) (StagedPut, error)
}

// StagedPut is a write that has been fully received and made durable on the
// side but is not visible yet. Exactly one of Commit or Abort must be called.
type StagedPut interface {
	Info() ObjectInfo
	Commit() error
	Abort()
}
