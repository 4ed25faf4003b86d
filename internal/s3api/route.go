package s3api

import (
	"context"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/cairn-audit/cairn/internal/api"
)

// target is what a request addresses: a bucket (or none: the service) and a
// key (or none: the bucket).
type target struct {
	bucket, key string
}

// target resolves host and (decoded) path, virtual-host style when the host
// names a bucket, path-style otherwise.
func (p Protocol) target(host, path string) target {
	path = strings.TrimPrefix(path, "/")
	if b := p.hostBucket(host); b != "" {
		return target{bucket: b, key: path}
	}
	b, k, _ := strings.Cut(path, "/")
	return target{bucket: b, key: k}
}

// hostBucket returns the bucket a Host header names, "" for a path-style host.
func (p Protocol) hostBucket(host string) string {
	h := strings.ToLower(host)
	if hh, _, err := net.SplitHostPort(h); err == nil {
		h = hh
	}
	h = strings.TrimSuffix(h, ".")
	if h == "" || net.ParseIP(strings.Trim(h, "[]")) != nil {
		return ""
	}
	if slices.Contains(p.suffixes, h) {
		return "" // the endpoint itself, e.g. s3.localhost
	}
	for _, suf := range p.suffixes { // longest first
		if b, ok := strings.CutSuffix(h, "."+suf); ok && b != "" {
			return b
		}
	}
	if strings.HasSuffix(h, ".amazonaws.com") {
		for _, mark := range []string{".s3.", ".s3-"} {
			if i := strings.Index(h, mark); i > 0 {
				return h[:i]
			}
		}
	}
	return ""
}

// level is what an operation acts on.
type level int

const (
	levelService level = iota
	levelBucket
	levelObject
)

// operation is one S3 API operation and how its calls are recorded.
type operation struct {
	name     string // API name ("" when the method is not allowed on the resource)
	event    string // eventName CloudTrail records
	level    level
	readOnly bool
	data     bool // recorded as a data event
	serve    func(s *Service, ctx context.Context, rq *request) (*api.Result, error)
}

// served maps implemented operations to their handlers.
var served = map[string]func(s *Service, ctx context.Context, rq *request) (*api.Result, error){
	"ListBuckets":             (*Service).listBuckets,
	"CreateBucket":            (*Service).createBucket,
	"HeadBucket":              (*Service).headBucket,
	"DeleteBucket":            (*Service).deleteBucket,
	"GetBucketLocation":       (*Service).getBucketLocation,
	"GetBucketAcl":            (*Service).getBucketAcl,
	"GetBucketVersioning":     (*Service).getBucketVersioning,
	"ListObjects":             (*Service).listObjectsV1,
	"ListObjectsV2":           (*Service).listObjectsV2,
	"PutObject":               (*Service).putObject,
	"GetObject":               (*Service).getObject,
	"HeadObject":              (*Service).headObject,
	"DeleteObject":            (*Service).deleteObject,
	"DeleteObjects":           (*Service).deleteObjects,
	"CopyObject":              (*Service).copyObject,
	"CreateMultipartUpload":   (*Service).createMultipartUpload,
	"UploadPart":              (*Service).uploadPart,
	"CompleteMultipartUpload": (*Service).completeMultipartUpload,
	"AbortMultipartUpload":    (*Service).abortMultipartUpload,
	"ListParts":               (*Service).listParts,
}

// eventNames are the eventNames CloudTrail records where they differ from
// the API operation's name.
var eventNames = map[string]string{
	"ListObjectsV2":                      "ListObjects", // told apart by "list-type":"2" in requestParameters
	"GetBucketLifecycleConfiguration":    "GetBucketLifecycle",
	"PutBucketLifecycleConfiguration":    "PutBucketLifecycle",
	"GetBucketNotificationConfiguration": "GetBucketNotification",
	"PutBucketNotificationConfiguration": "PutBucketNotification",
	"GetPublicAccessBlock":               "GetBucketPublicAccessBlock",
	"PutPublicAccessBlock":               "PutBucketPublicAccessBlock",
	"DeletePublicAccessBlock":            "DeleteBucketPublicAccessBlock",
}

// bucketDataEvents are the bucket-addressed operations S3 records as data
// events (with object-level selectors): listing objects, HeadBucket and
// DeleteObjects.
var bucketDataEvents = map[string]bool{
	"ListObjects": true, "ListObjectsV2": true, "ListObjectVersions": true,
	"HeadBucket": true, "DeleteObjects": true,
}

// subresource names the operations a bucket or object subresource
// (?acl, ?tagging, ...) answers to, by method.
type subresource struct {
	query            string
	get, put, del    string
	post             string
	bucket, onObject bool
}

var subresources = []subresource{
	{query: "accelerate", get: "GetBucketAccelerateConfiguration", put: "PutBucketAccelerateConfiguration", bucket: true},
	{query: "acl", get: "GetBucketAcl", put: "PutBucketAcl", bucket: true},
	{query: "acl", get: "GetObjectAcl", put: "PutObjectAcl", onObject: true},
	{query: "analytics", get: "GetBucketAnalyticsConfiguration", put: "PutBucketAnalyticsConfiguration", del: "DeleteBucketAnalyticsConfiguration", bucket: true},
	{query: "attributes", get: "GetObjectAttributes", onObject: true},
	{query: "cors", get: "GetBucketCors", put: "PutBucketCors", del: "DeleteBucketCors", bucket: true},
	{query: "encryption", get: "GetBucketEncryption", put: "PutBucketEncryption", del: "DeleteBucketEncryption", bucket: true},
	{query: "intelligent-tiering", get: "GetBucketIntelligentTieringConfiguration", put: "PutBucketIntelligentTieringConfiguration", del: "DeleteBucketIntelligentTieringConfiguration", bucket: true},
	{query: "inventory", get: "GetBucketInventoryConfiguration", put: "PutBucketInventoryConfiguration", del: "DeleteBucketInventoryConfiguration", bucket: true},
	{query: "legal-hold", get: "GetObjectLegalHold", put: "PutObjectLegalHold", onObject: true},
	{query: "lifecycle", get: "GetBucketLifecycleConfiguration", put: "PutBucketLifecycleConfiguration", del: "DeleteBucketLifecycle", bucket: true},
	{query: "location", get: "GetBucketLocation", bucket: true},
	{query: "logging", get: "GetBucketLogging", put: "PutBucketLogging", bucket: true},
	{query: "metrics", get: "GetBucketMetricsConfiguration", put: "PutBucketMetricsConfiguration", del: "DeleteBucketMetricsConfiguration", bucket: true},
	{query: "notification", get: "GetBucketNotificationConfiguration", put: "PutBucketNotificationConfiguration", bucket: true},
	{query: "object-lock", get: "GetObjectLockConfiguration", put: "PutObjectLockConfiguration", bucket: true},
	{query: "ownershipControls", get: "GetBucketOwnershipControls", put: "PutBucketOwnershipControls", del: "DeleteBucketOwnershipControls", bucket: true},
	{query: "policy", get: "GetBucketPolicy", put: "PutBucketPolicy", del: "DeleteBucketPolicy", bucket: true},
	{query: "policyStatus", get: "GetBucketPolicyStatus", bucket: true},
	{query: "publicAccessBlock", get: "GetPublicAccessBlock", put: "PutPublicAccessBlock", del: "DeletePublicAccessBlock", bucket: true},
	{query: "replication", get: "GetBucketReplication", put: "PutBucketReplication", del: "DeleteBucketReplication", bucket: true},
	{query: "requestPayment", get: "GetBucketRequestPayment", put: "PutBucketRequestPayment", bucket: true},
	{query: "restore", post: "RestoreObject", onObject: true},
	{query: "retention", get: "GetObjectRetention", put: "PutObjectRetention", onObject: true},
	{query: "select", post: "SelectObjectContent", onObject: true},
	{query: "tagging", get: "GetBucketTagging", put: "PutBucketTagging", del: "DeleteBucketTagging", bucket: true},
	{query: "tagging", get: "GetObjectTagging", put: "PutObjectTagging", del: "DeleteObjectTagging", onObject: true},
	{query: "torrent", get: "GetObjectTorrent", onObject: true},
	{query: "uploads", get: "ListMultipartUploads", bucket: true},
	{query: "uploads", post: "CreateMultipartUpload", onObject: true},
	{query: "versioning", get: "GetBucketVersioning", put: "PutBucketVersioning", bucket: true},
	{query: "versions", get: "ListObjectVersions", bucket: true},
	{query: "website", get: "GetBucketWebsite", put: "PutBucketWebsite", del: "DeleteBucketWebsite", bucket: true},
}

// operationName names the operation a request asks for ("" if the method is
// not allowed on what it addresses).
func operationName(method string, t target, q url.Values, h http.Header) string {
	if t.bucket == "" {
		if method == http.MethodGet {
			return "ListBuckets"
		}
		return ""
	}
	onObject := t.key != ""
	for _, sr := range subresources {
		if !q.Has(sr.query) || sr.onObject != onObject {
			continue
		}
		switch method {
		case http.MethodGet:
			return sr.get
		case http.MethodPut:
			return sr.put
		case http.MethodDelete:
			return sr.del
		case http.MethodPost:
			return sr.post
		}
		return ""
	}
	if !onObject {
		switch method {
		case http.MethodGet:
			if q.Get("list-type") == "2" {
				return "ListObjectsV2"
			}
			return "ListObjects"
		case http.MethodPut:
			return "CreateBucket"
		case http.MethodHead:
			return "HeadBucket"
		case http.MethodDelete:
			return "DeleteBucket"
		case http.MethodPost:
			if q.Has("delete") {
				return "DeleteObjects"
			}
		}
		return ""
	}
	upload := q.Has("uploadId")
	switch method {
	case http.MethodGet:
		if upload {
			return "ListParts"
		}
		return "GetObject"
	case http.MethodHead:
		return "HeadObject"
	case http.MethodPut:
		copySource := h.Get("X-Amz-Copy-Source") != ""
		switch {
		case upload && copySource:
			return "UploadPartCopy"
		case upload:
			return "UploadPart"
		case copySource:
			return "CopyObject"
		}
		return "PutObject"
	case http.MethodDelete:
		if upload {
			return "AbortMultipartUpload"
		}
		return "DeleteObject"
	case http.MethodPost:
		if upload {
			return "CompleteMultipartUpload"
		}
	}
	return ""
}

// lookupOperation describes the operation a request asks for.
func lookupOperation(method string, t target, q url.Values, h http.Header) *operation {
	name := operationName(method, t, q, h)
	op := &operation{name: name, event: name, serve: served[name]}
	if e, ok := eventNames[name]; ok {
		op.event = e
	}
	switch {
	case t.bucket == "":
		op.level = levelService
	case t.key == "":
		op.level = levelBucket
	default:
		op.level = levelObject
	}
	op.data = op.level == levelObject || bucketDataEvents[name]
	op.readOnly = method == http.MethodGet || method == http.MethodHead
	return op
}

// OperationName names the S3 operation a request asks for, from its method,
// bucket and key (either may be empty), query and headers; "" if the method is
// not allowed on what it addresses. The recording gateway uses it for S3
// requests its model tables do not resolve.
func OperationName(method, bucket, key string, q url.Values, h http.Header) string {
	return operationName(method, target{bucket: bucket, key: key}, q, h)
}
