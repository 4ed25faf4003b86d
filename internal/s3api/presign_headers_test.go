package s3api

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// TestPresignedPutUnsignedHeaders: a presigned PUT URL carrying x-amz-meta-*
// or x-amz-acl headers it was not signed with is refused as S3 refuses it
// (AccessDenied, HeadersNotSigned), and nothing is stored; the same URL
// without them, or with an unsigned Content-Type, works.
func TestPresignedPutUnsignedHeaders(t *testing.T) {
	e := newEnv(t, envOptions{})
	c := e.client(akid1, secret1)
	mustOK(t)(c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("presigned")}))
	put, err := s3.NewPresignClient(c).PresignPutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("presigned"), Key: aws.String("k")})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		header map[string]string
		want   string
	}{
		{map[string]string{"X-Amz-Meta-Owner": "mallory"}, "x-amz-meta-owner"},
		{map[string]string{"X-Amz-Acl": "public-read"}, "x-amz-acl"},
		{map[string]string{"X-Amz-Acl": "public-read", "X-Amz-Meta-A": "1"}, "x-amz-acl,x-amz-meta-a"},
	} {
		req, _ := http.NewRequest(http.MethodPut, put.URL, strings.NewReader("tampered"))
		for k, v := range tc.header {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		for _, want := range []string{"<Code>AccessDenied</Code>", "<Message>There were headers present in the request which were not signed</Message>", "<HeadersNotSigned>" + tc.want + "</HeadersNotSigned>"} {
			if resp.StatusCode != http.StatusForbidden || !strings.Contains(string(body), want) {
				t.Fatalf("%v: %d %s (want %s)", tc.header, resp.StatusCode, body, want)
			}
		}
		if r := e.events.last(t); r.EventName != "PutObject" || r.ErrorCode != "AccessDenied" {
			t.Fatalf("recorded %+v", r)
		}
	}
	if _, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("presigned"), Key: aws.String("k")}); err == nil {
		t.Fatal("a refused presigned PUT stored the object")
	}
	req, _ := http.NewRequest(http.MethodPut, put.URL, strings.NewReader("fine"))
	req.Header.Set("Content-Type", "text/plain")
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("presigned PUT: %v %v", resp, err)
	}
	resp.Body.Close()
	if got, _ := mustGet(t, c, "presigned", "k"); string(got) != "fine" {
		t.Fatalf("stored %q", got)
	}
}
