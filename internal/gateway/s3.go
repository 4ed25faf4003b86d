package gateway

import (
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/cairn-audit/cairn/internal/event"
	"github.com/cairn-audit/cairn/internal/s3api"
)

// S3 is recorded the way internal/s3api records it: requestParameters are
// bucketName, Host, key (object-level calls) and every query parameter but
// the signature's; resources are the object and its bucket.

// s3Target is the bucket and key a request addresses: virtual-host style when
// the Host names a bucket (<bucket>.s3.<...>), path-style otherwise.
func s3Target(host, path string) (bucket, key string, virtual bool) {
	path = strings.TrimPrefix(path, "/")
	h := strings.ToLower(host)
	if hh, _, err := net.SplitHostPort(h); err == nil {
		h = hh
	}
	if net.ParseIP(strings.Trim(h, "[]")) == nil {
		for _, mark := range []string{".s3.", ".s3-"} {
			if i := strings.Index(h, mark); i > 0 {
				return h[:i], path, true
			}
		}
	}
	bucket, key, _ = strings.Cut(path, "/")
	return bucket, key, false
}

// s3EventNames are the eventNames CloudTrail records where they differ from
// the API operation's name.
var s3EventNames = map[string]string{
	"ListObjectsV2":                      "ListObjects",
	"GetBucketLifecycleConfiguration":    "GetBucketLifecycle",
	"PutBucketLifecycleConfiguration":    "PutBucketLifecycle",
	"GetBucketNotificationConfiguration": "GetBucketNotification",
	"PutBucketNotificationConfiguration": "PutBucketNotification",
	"GetPublicAccessBlock":               "GetBucketPublicAccessBlock",
	"PutPublicAccessBlock":               "PutBucketPublicAccessBlock",
	"DeletePublicAccessBlock":            "DeleteBucketPublicAccessBlock",
}

// s3Operation names the S3 operation of a request the model did not resolve,
// with the embedded S3 API's own routing.
func s3Operation(method, bucket, key string, q url.Values, h http.Header) string {
	return s3api.OperationName(method, bucket, key, q, h)
}

// s3Streams reports whether an S3 request's body must stream: everything but
// a small bucket-level body (CreateBucket's configuration, a bucket policy).
func s3Streams(r *http.Request, key string) bool {
	return key != "" || r.ContentLength < 0 || r.ContentLength > maxS3BucketBody
}

// maxS3BucketBody bounds the bucket-level request bodies buffered to record them.
const maxS3BucketBody = 64 << 10

// s3Params are an S3 call's requestParameters.
func s3Params(host, bucket, key string, q url.Values, h http.Header, objectLevel bool) map[string]any {
	m := make(map[string]any, len(q)+4)
	for k, vs := range q {
		if strings.HasPrefix(strings.ToLower(k), "x-amz-") || len(vs) == 0 {
			continue
		}
		m[k] = vs[0]
	}
	if bucket != "" {
		m["bucketName"] = bucket
	}
	if host != "" {
		m["Host"] = host
	}
	if key != "" && objectLevel {
		m["key"] = key
	}
	if src := h.Get("X-Amz-Copy-Source"); src != "" {
		m["x-amz-copy-source"] = src
	}
	return m
}

// s3Resources are the object (object-level calls) and its bucket, and a
// copy's source object.
func s3Resources(bucket, key string, objectLevel bool, h http.Header) []event.ResourceRef {
	var out []event.ResourceRef
	if objectLevel && key != "" {
		out = append(out, event.ResourceRef{Type: "AWS::S3::Object", Name: bucket + "/" + key, ARN: "arn:aws:s3:::" + bucket + "/" + key})
	}
	if bucket != "" {
		out = append(out, event.ResourceRef{Type: "AWS::S3::Bucket", Name: bucket, ARN: "arn:aws:s3:::" + bucket})
	}
	if src := h.Get("X-Amz-Copy-Source"); src != "" {
		src, _ = url.PathUnescape(src)
		src, _, _ = strings.Cut(strings.TrimPrefix(src, "/"), "?")
		if b, k, ok := strings.Cut(src, "/"); ok && b != "" && k != "" {
			out = append(out, event.ResourceRef{Type: "AWS::S3::Object", Name: b + "/" + k, ARN: "arn:aws:s3:::" + b + "/" + k})
		}
	}
	return out
}
