package s3api

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
)

var ctx = context.Background()

// apiCode is the error code of an SDK failure ("" for none).
func apiCode(err error) string {
	if err == nil {
		return ""
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return "not an API error: " + err.Error()
}

func mustGet(t *testing.T, c *s3.Client, b, k string) ([]byte, *s3.GetObjectOutput) {
	t.Helper()
	out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(b), Key: aws.String(k)})
	if err != nil {
		t.Fatalf("GetObject %s/%s: %v", b, k, err)
	}
	defer out.Body.Close()
	data, err := io.ReadAll(out.Body)
	if err != nil {
		t.Fatal(err)
	}
	return data, out
}

func TestObjectsWithSDK(t *testing.T) {
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			e := newEnv(t, envOptions{storeMaker: st.mk})
			c := e.client(akid1, secret1)
			if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("alpha")}); err != nil {
				t.Fatalf("CreateBucket: %v", err)
			}
			if _, err := c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String("alpha")}); err != nil {
				t.Fatalf("HeadBucket: %v", err)
			}
			loc, err := c.GetBucketLocation(ctx, &s3.GetBucketLocationInput{Bucket: aws.String("alpha")})
			if err != nil || loc.LocationConstraint != "" {
				t.Fatalf("GetBucketLocation: %+v %v", loc, err)
			}
			acl, err := c.GetBucketAcl(ctx, &s3.GetBucketAclInput{Bucket: aws.String("alpha")})
			if err != nil || len(acl.Grants) != 1 || acl.Grants[0].Permission != types.PermissionFullControl || *acl.Grants[0].Grantee.ID != *acl.Owner.ID {
				t.Fatalf("GetBucketAcl: %+v %v", acl, err)
			}

			// PutObject with metadata, content type and Content-MD5.
			body := []byte("hello, cairn s3")
			sum := md5.Sum(body)
			put, err := c.PutObject(ctx, &s3.PutObjectInput{
				Bucket: aws.String("alpha"), Key: aws.String("dir/hello.txt"), Body: bytes.NewReader(body),
				ContentType: aws.String("text/plain"), Metadata: map[string]string{"color": "blue"},
				ContentMD5: aws.String(base64.StdEncoding.EncodeToString(sum[:])),
			})
			if err != nil || *put.ETag != fmt.Sprintf(`"%x"`, sum) {
				t.Fatalf("PutObject: %+v %v", put, err)
			}
			got, out := mustGet(t, c, "alpha", "dir/hello.txt")
			if !bytes.Equal(got, body) || *out.ContentType != "text/plain" || out.Metadata["color"] != "blue" || *out.ETag != *put.ETag || *out.ContentLength != int64(len(body)) {
				t.Fatalf("GetObject: %q %+v", got, out)
			}
			// A wrong Content-MD5 is BadDigest and stores nothing.
			_, err = c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("alpha"), Key: aws.String("bad"), Body: bytes.NewReader(body),
				ContentMD5: aws.String(base64.StdEncoding.EncodeToString(make([]byte, 16)))})
			if apiCode(err) != "BadDigest" {
				t.Fatalf("bad Content-MD5: %v", err)
			}
			if _, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("alpha"), Key: aws.String("bad")}); apiCode(err) != "NotFound" {
				t.Fatalf("object of a failed put: %v", err)
			}

			// Ranges.
			rg, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("alpha"), Key: aws.String("dir/hello.txt"), Range: aws.String("bytes=7-10")})
			if err != nil {
				t.Fatal(err)
			}
			part, _ := io.ReadAll(rg.Body)
			rg.Body.Close()
			if string(part) != "cair" || *rg.ContentRange != fmt.Sprintf("bytes 7-10/%d", len(body)) || *rg.ContentLength != 4 {
				t.Fatalf("range: %q %v %v", part, *rg.ContentRange, *rg.ContentLength)
			}
			rg, err = c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("alpha"), Key: aws.String("dir/hello.txt"), Range: aws.String("bytes=-4")})
			if err != nil {
				t.Fatal(err)
			}
			part, _ = io.ReadAll(rg.Body)
			rg.Body.Close()
			if string(part) != " s3" && string(part) != "n s3" {
				t.Fatalf("suffix range: %q", part)
			}
			if _, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("alpha"), Key: aws.String("dir/hello.txt"), Range: aws.String("bytes=100-")}); apiCode(err) != "InvalidRange" {
				t.Fatalf("unsatisfiable range: %v", err)
			}
			// Conditional requests.
			if _, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("alpha"), Key: aws.String("dir/hello.txt"), IfNoneMatch: put.ETag}); apiCode(err) != "NotModified" {
				t.Fatalf("If-None-Match: %v", err)
			}
			if _, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("alpha"), Key: aws.String("dir/hello.txt"), IfMatch: aws.String(`"nope"`)}); apiCode(err) != "PreconditionFailed" {
				t.Fatalf("If-Match: %v", err)
			}
			if _, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("alpha"), Key: aws.String("dir/hello.txt"), IfModifiedSince: aws.Time(time.Now().Add(time.Hour))}); apiCode(err) != "NotModified" {
				t.Fatalf("If-Modified-Since: %v", err)
			}
			head, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("alpha"), Key: aws.String("dir/hello.txt")})
			if err != nil || *head.ContentLength != int64(len(body)) || *head.ETag != *put.ETag || head.Metadata["color"] != "blue" {
				t.Fatalf("HeadObject: %+v %v", head, err)
			}

			// CopyObject, with metadata copied and replaced.
			cp, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("alpha"), Key: aws.String("copy of hello+1.txt"), CopySource: aws.String(url.PathEscape("alpha/dir/hello.txt"))})
			if err != nil || *cp.CopyObjectResult.ETag != *put.ETag {
				t.Fatalf("CopyObject: %+v %v", cp, err)
			}
			if got, out := mustGet(t, c, "alpha", "copy of hello+1.txt"); !bytes.Equal(got, body) || out.Metadata["color"] != "blue" {
				t.Fatalf("copy: %q %+v", got, out.Metadata)
			}
			_, err = c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("alpha"), Key: aws.String("dir/hello.txt"), CopySource: aws.String("alpha/dir/hello.txt"),
				MetadataDirective: types.MetadataDirectiveReplace, Metadata: map[string]string{"color": "red"}, ContentType: aws.String("text/x-red")})
			if err != nil {
				t.Fatalf("CopyObject REPLACE onto itself: %v", err)
			}
			if _, out := mustGet(t, c, "alpha", "dir/hello.txt"); out.Metadata["color"] != "red" || *out.ContentType != "text/x-red" {
				t.Fatalf("replaced metadata: %+v %v", out.Metadata, *out.ContentType)
			}
			if _, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("alpha"), Key: aws.String("dir/hello.txt"), CopySource: aws.String("alpha/dir/hello.txt")}); apiCode(err) != "InvalidRequest" {
				t.Fatalf("copy onto itself: %v", err)
			}
			if _, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("alpha"), Key: aws.String("x"), CopySource: aws.String("alpha/missing")}); apiCode(err) != "NoSuchKey" {
				t.Fatalf("copy of a missing key: %v", err)
			}

			// Listings.
			for _, k := range []string{"a/1", "a/2", "b/1", "c", "d e+f"} {
				if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("alpha"), Key: aws.String(k), Body: strings.NewReader(k)}); err != nil {
					t.Fatal(err)
				}
			}
			all := []string{"a/1", "a/2", "b/1", "c", "copy of hello+1.txt", "d e+f", "dir/hello.txt"}
			testListV2(t, c, all)
			testListV1(t, c, all)

			// DeleteObjects, DeleteObject, DeleteBucket.
			if _, err := c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String("alpha")}); apiCode(err) != "BucketNotEmpty" {
				t.Fatalf("DeleteBucket of a full bucket: %v", err)
			}
			var objs []types.ObjectIdentifier
			for _, k := range all[:6] {
				objs = append(objs, types.ObjectIdentifier{Key: aws.String(k)})
			}
			del, err := c.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: aws.String("alpha"), Delete: &types.Delete{Objects: objs}})
			if err != nil || len(del.Deleted) != 6 || len(del.Errors) != 0 {
				t.Fatalf("DeleteObjects: %+v %v", del, err)
			}
			if _, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("alpha"), Key: aws.String("dir/hello.txt")}); err != nil {
				t.Fatalf("DeleteObject: %v", err)
			}
			if _, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("alpha"), Key: aws.String("never-was")}); err != nil {
				t.Fatalf("DeleteObject of a missing key: %v", err)
			}
			if _, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("alpha"), Key: aws.String("dir/hello.txt")}); apiCode(err) != "NoSuchKey" {
				t.Fatalf("deleted object: %v", err)
			}
			if _, err := c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String("alpha")}); err != nil {
				t.Fatalf("DeleteBucket: %v", err)
			}
			if _, err := c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String("alpha")}); apiCode(err) != "NotFound" {
				t.Fatalf("deleted bucket: %v", err)
			}
			if _, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("alpha")}); apiCode(err) != "NoSuchBucket" {
				t.Fatalf("list of a deleted bucket: %v", err)
			}
		})
	}
}

func testListV2(t *testing.T, c *s3.Client, all []string) {
	t.Helper()
	// Walk with a small page size.
	var keys []string
	p := s3.NewListObjectsV2Paginator(c, &s3.ListObjectsV2Input{Bucket: aws.String("alpha"), MaxKeys: aws.Int32(2)})
	pages := 0
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatalf("ListObjectsV2 page: %v", err)
		}
		pages++
		if *page.KeyCount != int32(len(page.Contents)) {
			t.Fatalf("KeyCount %d for %d keys", *page.KeyCount, len(page.Contents))
		}
		for _, o := range page.Contents {
			keys = append(keys, *o.Key)
		}
	}
	if !slices.Equal(keys, all) || pages != 4 {
		t.Fatalf("ListObjectsV2 walk: %d pages %q", pages, keys)
	}
	// Delimiter and prefix, URL encoding as the CLI asks for.
	out, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("alpha"), Delimiter: aws.String("/"), EncodingType: types.EncodingTypeUrl})
	if err != nil {
		t.Fatal(err)
	}
	var flat, prefixes []string
	for _, o := range out.Contents {
		k, _ := url.QueryUnescape(*o.Key)
		flat = append(flat, k)
	}
	for _, cp := range out.CommonPrefixes {
		prefixes = append(prefixes, *cp.Prefix)
	}
	if !slices.Equal(flat, []string{"c", "copy of hello+1.txt", "d e+f"}) || !slices.Equal(prefixes, []string{"a/", "b/", "dir/"}) || *out.KeyCount != 6 {
		t.Fatalf("delimited listing: %q %q %d", flat, prefixes, *out.KeyCount)
	}
	if raw := *out.Contents[1].Key; raw != "copy+of+hello%2B1.txt" {
		t.Fatalf("url-encoded key %q", raw)
	}
	out, err = c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("alpha"), Prefix: aws.String("a/"), StartAfter: aws.String("a/1")})
	if err != nil || len(out.Contents) != 1 || *out.Contents[0].Key != "a/2" || *out.StartAfter != "a/1" {
		t.Fatalf("StartAfter: %+v %v", out, err)
	}
	if _, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("alpha"), ContinuationToken: aws.String("!!")}); apiCode(err) != "InvalidArgument" {
		t.Fatalf("bad token: %v", err)
	}
}

func testListV1(t *testing.T, c *s3.Client, all []string) {
	t.Helper()
	var keys []string
	marker := ""
	for i := 0; ; i++ {
		page, err := c.ListObjects(ctx, &s3.ListObjectsInput{Bucket: aws.String("alpha"), MaxKeys: aws.Int32(3), Marker: aws.String(marker)})
		if err != nil {
			t.Fatalf("ListObjects: %v", err)
		}
		for _, o := range page.Contents {
			keys = append(keys, *o.Key)
			if o.Owner == nil || *o.Owner.DisplayName != account1 {
				t.Fatalf("v1 entry without owner: %+v", o)
			}
		}
		if !*page.IsTruncated {
			break
		}
		if page.NextMarker != nil {
			t.Fatalf("NextMarker without a delimiter")
		}
		marker = keys[len(keys)-1]
	}
	if !slices.Equal(keys, all) {
		t.Fatalf("ListObjects walk: %q", keys)
	}
	page, err := c.ListObjects(ctx, &s3.ListObjectsInput{Bucket: aws.String("alpha"), MaxKeys: aws.Int32(2), Delimiter: aws.String("/")})
	if err != nil || !*page.IsTruncated || *page.NextMarker != "b/" || len(page.CommonPrefixes) != 2 {
		t.Fatalf("delimited v1 page: %+v %v", page, err)
	}
	page, err = c.ListObjects(ctx, &s3.ListObjectsInput{Bucket: aws.String("alpha"), Delimiter: aws.String("/"), Marker: page.NextMarker})
	if err != nil || *page.IsTruncated || len(page.CommonPrefixes) != 1 || *page.CommonPrefixes[0].Prefix != "dir/" || len(page.Contents) != 3 {
		t.Fatalf("delimited v1 second page: %+v %v", page, err)
	}
}
