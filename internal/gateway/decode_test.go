package gateway

import (
	"net/http"
	"net/url"
	"testing"
)

func TestFormTree(t *testing.T) {
	v, _ := url.ParseQuery("Action=RunInstances&Version=2016-11-15&ImageId=ami-1&MinCount=1&InstanceId.1=i-1&InstanceId.2=i-2" +
		"&Tags.member.1.Key=a&Tags.member.1.Value=b&Attribute.1.Name=DelaySeconds&Attribute.1.Value=5&Filter.1.Name=n&Filter.1.Value.1=x&Filter.1.Value.2=y")
	tree := formTree(v, true)
	jsonEq(t, "formTree", tree, `{"imageId":"ami-1","minCount":"1","instanceId":["i-1","i-2"],"tags":[{"key":"a","value":"b"}],
		"attribute":[{"name":"DelaySeconds","value":"5"}],"filter":[{"name":"n","value":["x","y"]}]}`)
	jsonEq(t, "entriesToMap", entriesToMap(tree["attribute"]), `{"DelaySeconds":"5"}`)
}

func TestXMLDocument(t *testing.T) {
	root, v, ok := xmlDocument([]byte(`<?xml version="1.0"?><RunInstancesResponse xmlns="x"><requestId>r</requestId><instancesSet><item><instanceId>i-1</instanceId></item><item><instanceId>i-2</instanceId></item></instancesSet><groupSet/></RunInstancesResponse>`), true)
	if !ok || root != "runInstancesResponse" {
		t.Fatal(root, ok)
	}
	jsonEq(t, "xml", v, `{"requestId":"r","instancesSet":[{"instanceId":"i-1"},{"instanceId":"i-2"}],"groupSet":""}`)
	if _, _, ok := xmlDocument([]byte(`{"not":"xml"}`), true); ok {
		t.Error("JSON parsed as XML")
	}
}

func TestReadOnlyName(t *testing.T) {
	for name, want := range map[string]bool{"GetItem": true, "ListQueues": true, "DescribeInstances": true, "Query": true, "Scan": true,
		"Getaway": false, "PutItem": false, "CreateQueue": false, "BatchGetItem": true, "BatchWriteItem": false} {
		if readOnlyName(name) != want {
			t.Errorf("readOnlyName(%s) = %v", name, !want)
		}
	}
}

func TestS3Operation(t *testing.T) {
	q := func(s string) url.Values { v, _ := url.ParseQuery(s); return v }
	copyH := http.Header{"X-Amz-Copy-Source": {"/a/b"}}
	cases := []struct {
		method, bucket, key, query string
		h                          http.Header
		want                       string
	}{
		{"GET", "", "", "", nil, "ListBuckets"},
		{"PUT", "b", "", "", nil, "CreateBucket"},
		{"GET", "b", "", "list-type=2&prefix=x", nil, "ListObjectsV2"},
		{"GET", "b", "", "location=", nil, "GetBucketLocation"},
		{"POST", "b", "", "delete=", nil, "DeleteObjects"},
		{"PUT", "b", "k", "", nil, "PutObject"},
		{"PUT", "b", "k", "", copyH, "CopyObject"},
		{"POST", "b", "k", "uploads=", nil, "CreateMultipartUpload"},
		{"PUT", "b", "k", "partNumber=1&uploadId=u", nil, "UploadPart"},
		{"POST", "b", "k", "uploadId=u", nil, "CompleteMultipartUpload"},
		{"DELETE", "b", "k", "uploadId=u", nil, "AbortMultipartUpload"},
		{"GET", "b", "k", "tagging=", nil, "GetObjectTagging"},
		{"HEAD", "b", "k", "", nil, "HeadObject"},
	}
	for _, c := range cases {
		if got := s3Operation(c.method, c.bucket, c.key, q(c.query), c.h); got != c.want {
			t.Errorf("%s /%s/%s?%s = %q, want %q", c.method, c.bucket, c.key, c.query, got, c.want)
		}
	}
	if b, k, v := s3Target("photos.s3.localhost:4590", "/a/b"); b != "photos" || k != "a/b" || !v {
		t.Errorf("virtual host: %q %q", b, k)
	}
	if b, k, v := s3Target("127.0.0.1:4590", "/photos/a/b"); b != "photos" || k != "a/b" || v {
		t.Errorf("path style: %q %q", b, k)
	}
}
