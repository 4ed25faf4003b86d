package s3api

import (
	"strings"

	"github.com/cairn-audit/cairn/internal/api"
	"github.com/cairn-audit/cairn/internal/event"
)

// request is one call being served.
type request struct {
	c           *api.Call
	op          *operation
	bucket, key string
	// params are requestParameters beyond bucketName, Host, key and the
	// query (e.g. CreateBucketConfiguration, x-amz-copy-source).
	params map[string]any
	// extra are resources beyond the addressed bucket and object (a copy's source).
	extra []event.ResourceRef
}

// setParam adds a requestParameters member.
func (rq *request) setParam(name string, v any) {
	if rq.params == nil {
		rq.params = make(map[string]any)
	}
	rq.params[name] = v
}

// requestParameters are what the event records of the request, as S3 records
// them: bucketName, Host and key, every query parameter (a valueless one
// such as ?location as ""), and operation-specific members. Signature
// parameters of presigned URLs and bodies are never recorded.
func (rq *request) requestParameters() any {
	m := make(map[string]any, len(rq.c.Query)+len(rq.params)+3)
	for k, vs := range rq.c.Query {
		if strings.HasPrefix(strings.ToLower(k), "x-amz-") || len(vs) == 0 {
			continue
		}
		m[k] = vs[0]
	}
	if rq.bucket != "" {
		m["bucketName"] = rq.bucket
	}
	if rq.c.Host != "" {
		m["Host"] = rq.c.Host
	}
	if rq.key != "" && rq.op.level == levelObject {
		m["key"] = rq.key
	}
	for k, v := range rq.params {
		m[k] = v
	}
	return m
}

// resources are the event's resources: the object and its bucket for
// object-level operations, the bucket for bucket-level ones (DeleteObjects
// names no keys, as S3 records it), plus a copy's source.
func (rq *request) resources() []event.ResourceRef {
	var out []event.ResourceRef
	if rq.op.level == levelObject {
		out = append(out, objectResource(rq.bucket, rq.key))
	}
	if rq.bucket != "" {
		out = append(out, bucketResource(rq.bucket))
	}
	return append(out, rq.extra...)
}

func objectResource(b, k string) event.ResourceRef {
	return event.ResourceRef{Type: "AWS::S3::Object", Name: b + "/" + k, ARN: "arn:aws:s3:::" + b + "/" + k}
}

func bucketResource(b string) event.ResourceRef {
	return event.ResourceRef{Type: "AWS::S3::Bucket", Name: b, ARN: "arn:aws:s3:::" + b}
}

// resourcePath is the <Resource> of an error: /bucket/key.
func (rq *request) resourcePath() string {
	switch {
	case rq.bucket == "":
		return ""
	case rq.key == "":
		return "/" + rq.bucket
	}
	return "/" + rq.bucket + "/" + rq.key
}
