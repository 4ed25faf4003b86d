package s3api

import (
	"net/http"
	"net/url"
	"testing"
)

func TestTargetPathAndVirtualHost(t *testing.T) {
	p := NewProtocol(append(DefaultVirtualHostSuffixes, "s3.example.internal"))
	for _, tc := range []struct {
		host, path string
		want       target
	}{
		{"127.0.0.1:9000", "/b/k/x", target{"b", "k/x"}},
		{"[::1]:9000", "/b/", target{"b", ""}},
		{"localhost:9000", "/b/k", target{"b", "k"}},
		{"localhost", "/", target{}},
		{"s3.localhost:9000", "/b/k", target{"b", "k"}},
		{"mybucket.localhost:9000", "/k/x", target{"mybucket", "k/x"}},
		{"my.dotted.bucket.localhost:9000", "/k", target{"my.dotted.bucket", "k"}},
		{"mybucket.s3.localhost", "/", target{"mybucket", ""}},
		{"MyBucket.S3.LOCALHOST:80", "/k", target{"mybucket", "k"}},
		{"b1.s3.example.internal", "/a//b", target{"b1", "a//b"}},
		{"s3.example.internal", "/b1/k", target{"b1", "k"}},
		{"b2.s3.us-west-2.amazonaws.com", "/k", target{"b2", "k"}},
		{"b3.s3.amazonaws.com", "/k", target{"b3", "k"}},
		{"s3.us-west-2.amazonaws.com", "/b4/k", target{"b4", "k"}},
		{"cairn.example.com:8080", "/b5/k", target{"b5", "k"}},
		{"", "/b6//k", target{"b6", "/k"}},
	} {
		if got := p.target(tc.host, tc.path); got != tc.want {
			t.Errorf("target(%q, %q) = %+v, want %+v", tc.host, tc.path, got, tc.want)
		}
	}
}

func TestOperationNames(t *testing.T) {
	h := http.Header{}
	copyHdr := http.Header{"X-Amz-Copy-Source": {"b/k"}}
	for _, tc := range []struct {
		method, path, query string
		hdr                 http.Header
		name, event         string
		data, readOnly      bool
	}{
		{"GET", "/", "", h, "ListBuckets", "ListBuckets", false, true},
		{"PUT", "/b", "", h, "CreateBucket", "CreateBucket", false, false},
		{"HEAD", "/b", "", h, "HeadBucket", "HeadBucket", true, true},
		{"DELETE", "/b", "", h, "DeleteBucket", "DeleteBucket", false, false},
		{"GET", "/b", "location", h, "GetBucketLocation", "GetBucketLocation", false, true},
		{"GET", "/b", "acl", h, "GetBucketAcl", "GetBucketAcl", false, true},
		{"GET", "/b", "", h, "ListObjects", "ListObjects", true, true},
		{"GET", "/b", "list-type=2&prefix=a", h, "ListObjectsV2", "ListObjects", true, true},
		{"POST", "/b", "delete", h, "DeleteObjects", "DeleteObjects", true, false},
		{"PUT", "/b", "policy", h, "PutBucketPolicy", "PutBucketPolicy", false, false},
		{"PUT", "/b", "lifecycle", h, "PutBucketLifecycleConfiguration", "PutBucketLifecycle", false, false},
		{"GET", "/b", "versions", h, "ListObjectVersions", "ListObjectVersions", true, true},
		{"PUT", "/b/k", "", h, "PutObject", "PutObject", true, false},
		{"PUT", "/b/k", "", copyHdr, "CopyObject", "CopyObject", true, false},
		{"GET", "/b/k", "", h, "GetObject", "GetObject", true, true},
		{"HEAD", "/b/k", "", h, "HeadObject", "HeadObject", true, true},
		{"DELETE", "/b/k", "", h, "DeleteObject", "DeleteObject", true, false},
		{"POST", "/b/k", "uploads", h, "CreateMultipartUpload", "CreateMultipartUpload", true, false},
		{"PUT", "/b/k", "partNumber=1&uploadId=x", h, "UploadPart", "UploadPart", true, false},
		{"PUT", "/b/k", "partNumber=1&uploadId=x", copyHdr, "UploadPartCopy", "UploadPartCopy", true, false},
		{"POST", "/b/k", "uploadId=x", h, "CompleteMultipartUpload", "CompleteMultipartUpload", true, false},
		{"DELETE", "/b/k", "uploadId=x", h, "AbortMultipartUpload", "AbortMultipartUpload", true, false},
		{"GET", "/b/k", "uploadId=x", h, "ListParts", "ListParts", true, true},
		{"GET", "/b/k", "tagging", h, "GetObjectTagging", "GetObjectTagging", true, true},
		{"GET", "/b/k", "acl", h, "GetObjectAcl", "GetObjectAcl", true, true},
		{"POST", "/b", "", h, "", "", false, false},
	} {
		q, _ := url.ParseQuery(tc.query)
		p := NewProtocol(nil)
		op := lookupOperation(tc.method, p.target("127.0.0.1", tc.path), q, tc.hdr)
		if op.name != tc.name || op.event != tc.event || op.data != tc.data || op.readOnly != tc.readOnly {
			t.Errorf("%s %s?%s: %+v, want %s/%s data=%v readOnly=%v", tc.method, tc.path, tc.query, op, tc.name, tc.event, tc.data, tc.readOnly)
		}
	}
}

func TestParseRange(t *testing.T) {
	for _, tc := range []struct {
		h           string
		size        int64
		first, last int64
		ok, whole   bool
	}{
		{"bytes=0-9", 100, 0, 9, true, false},
		{"bytes=90-200", 100, 90, 99, true, false},
		{"bytes=10-", 100, 10, 99, true, false},
		{"bytes=-10", 100, 90, 99, true, false},
		{"bytes=-1000", 100, 0, 99, true, false},
		{"bytes=100-", 100, 0, 0, false, false},
		{"bytes=-0", 100, 0, 0, false, false},
		{"bytes=5-2", 100, 0, 0, false, true},
		{"bytes=0-1,5-6", 100, 0, 0, false, true},
		{"items=0-1", 100, 0, 0, false, true},
		{"bytes=a-b", 100, 0, 0, false, true},
		{"", 100, 0, 0, false, true},
	} {
		rng := parseRange(tc.h)
		if tc.whole {
			if rng != nil {
				t.Errorf("%q: %+v, want whole object", tc.h, rng)
			}
			continue
		}
		if rng == nil {
			t.Errorf("%q: ignored", tc.h)
			continue
		}
		first, last, ok := span(rng, tc.size)
		if ok != tc.ok || ok && (first != tc.first || last != tc.last) {
			t.Errorf("%q on %d bytes: %d-%d %v", tc.h, tc.size, first, last, ok)
		}
	}
}

func TestURLEncodeRoundTrips(t *testing.T) {
	for _, k := range []string{"a b/c+d", "ümlaut/€", "x%y&z=1", "plain/key.txt"} {
		enc := urlEncode(k)
		dec, err := url.QueryUnescape(enc)
		if err != nil || dec != k {
			t.Errorf("%q → %q → %q %v", k, enc, dec, err)
		}
	}
}
