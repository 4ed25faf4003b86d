package s3api

import (
	"bytes"
	"crypto/md5"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

func TestMultipartUpload(t *testing.T) {
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			e := newEnv(t, envOptions{storeMaker: st.mk, minPart: 1024})
			c := e.client(akid1, secret1)
			mustOK(t)(c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("multi")}))
			up, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("multi"), Key: aws.String("big/object"),
				ContentType: aws.String("application/x-big"), Metadata: map[string]string{"origin": "test"}})
			if err != nil {
				t.Fatal(err)
			}
			if r := e.events.last(t); r.EventName != "CreateMultipartUpload" || r.EventCategory != "Data" || r.RequestParameters["uploads"] != "" {
				t.Fatalf("recorded %+v", r)
			}
			p1 := bytes.Repeat([]byte("1"), 2000)
			p2 := bytes.Repeat([]byte("2"), 1500)
			p3 := []byte("tail")
			var parts []types.CompletedPart
			var sums []byte
			for i, data := range [][]byte{p1, bytes.Repeat([]byte("x"), 1024), p3} {
				out, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String("multi"), Key: aws.String("big/object"), UploadId: up.UploadId,
					PartNumber: aws.Int32(int32(i + 1)), Body: bytes.NewReader(data)})
				if err != nil {
					t.Fatalf("UploadPart %d: %v", i+1, err)
				}
				parts = append(parts, types.CompletedPart{PartNumber: aws.Int32(int32(i + 1)), ETag: out.ETag})
			}
			// Part 2 uploaded again replaces the first upload of it.
			out, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String("multi"), Key: aws.String("big/object"), UploadId: up.UploadId,
				PartNumber: aws.Int32(2), Body: bytes.NewReader(p2)})
			if err != nil {
				t.Fatal(err)
			}
			if r := e.events.last(t); r.EventName != "UploadPart" || r.RequestParameters["partNumber"] != "2" || r.RequestParameters["uploadId"] != *up.UploadId {
				t.Fatalf("recorded %+v", r)
			}
			parts[1].ETag = out.ETag
			for _, d := range [][]byte{p1, p2, p3} {
				s := md5.Sum(d)
				sums = append(sums, s[:]...)
			}
			lp, err := c.ListParts(ctx, &s3.ListPartsInput{Bucket: aws.String("multi"), Key: aws.String("big/object"), UploadId: up.UploadId})
			if err != nil || len(lp.Parts) != 3 || *lp.Parts[1].Size != 1500 || *lp.Parts[1].ETag != *out.ETag {
				t.Fatalf("ListParts: %+v %v", lp, err)
			}
			lp, err = c.ListParts(ctx, &s3.ListPartsInput{Bucket: aws.String("multi"), Key: aws.String("big/object"), UploadId: up.UploadId, MaxParts: aws.Int32(1), PartNumberMarker: aws.String("1")})
			if err != nil || len(lp.Parts) != 1 || *lp.Parts[0].PartNumber != 2 || !*lp.IsTruncated || *lp.NextPartNumberMarker != "2" {
				t.Fatalf("ListParts page: %+v %v", lp, err)
			}

			complete := func(ps []types.CompletedPart) (*s3.CompleteMultipartUploadOutput, error) {
				return c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String("multi"), Key: aws.String("big/object"),
					UploadId: up.UploadId, MultipartUpload: &types.CompletedMultipartUpload{Parts: ps}})
			}
			if _, err := complete([]types.CompletedPart{parts[1], parts[0]}); apiCode(err) != "InvalidPartOrder" {
				t.Fatalf("parts out of order: %v", err)
			}
			if _, err := complete([]types.CompletedPart{parts[0], {PartNumber: aws.Int32(2), ETag: aws.String(`"0123"`)}}); apiCode(err) != "InvalidPart" {
				t.Fatalf("wrong ETag: %v", err)
			}
			if _, err := complete([]types.CompletedPart{parts[2], {PartNumber: aws.Int32(9), ETag: parts[0].ETag}}); apiCode(err) != "InvalidPart" {
				t.Fatalf("missing part: %v", err)
			}
			if _, err := complete([]types.CompletedPart{parts[0], parts[2], {PartNumber: aws.Int32(4), ETag: parts[2].ETag}}); apiCode(err) != "InvalidPart" {
				t.Fatalf("missing part 4: %v", err)
			}
			p4, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String("multi"), Key: aws.String("big/object"), UploadId: up.UploadId,
				PartNumber: aws.Int32(4), Body: strings.NewReader("tiny")})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := complete([]types.CompletedPart{parts[0], parts[2], {PartNumber: aws.Int32(4), ETag: p4.ETag}}); apiCode(err) != "EntityTooSmall" {
				t.Fatalf("small middle part: %v", err)
			}
			done, err := complete(parts)
			wantETag := fmt.Sprintf(`"%x-3"`, md5.Sum(sums))
			if err != nil || *done.ETag != wantETag || *done.Key != "big/object" || *done.Bucket != "multi" {
				t.Fatalf("CompleteMultipartUpload: %+v %v (want ETag %s)", done, err, wantETag)
			}
			got, obj := mustGet(t, c, "multi", "big/object")
			if !bytes.Equal(got, append(append(append([]byte{}, p1...), p2...), p3...)) || *obj.ETag != wantETag || *obj.ContentType != "application/x-big" || obj.Metadata["origin"] != "test" {
				t.Fatalf("assembled object: %d bytes %+v", len(got), obj)
			}
			// The upload is gone.
			if _, err := c.ListParts(ctx, &s3.ListPartsInput{Bucket: aws.String("multi"), Key: aws.String("big/object"), UploadId: up.UploadId}); apiCode(err) != "NoSuchUpload" {
				t.Fatalf("completed upload still listed: %v", err)
			}
			if _, err := complete(parts); apiCode(err) != "NoSuchUpload" {
				t.Fatalf("completed twice: %v", err)
			}

			// Abort.
			up2, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("multi"), Key: aws.String("aborted")})
			if err != nil {
				t.Fatal(err)
			}
			mustOK(t)(c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String("multi"), Key: aws.String("aborted"), UploadId: up2.UploadId, PartNumber: aws.Int32(1), Body: strings.NewReader("p")}))
			if _, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String("multi"), Key: aws.String("other-key"), UploadId: up2.UploadId, PartNumber: aws.Int32(1), Body: strings.NewReader("p")}); apiCode(err) != "NoSuchUpload" {
				t.Fatalf("upload id used for another key: %v", err)
			}
			if _, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String("multi"), Key: aws.String("aborted"), UploadId: up2.UploadId, PartNumber: aws.Int32(10001), Body: strings.NewReader("p")}); apiCode(err) != "InvalidArgument" {
				t.Fatalf("part 10001: %v", err)
			}
			mustOK(t)(c.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: aws.String("multi"), Key: aws.String("aborted"), UploadId: up2.UploadId}))
			if r := e.events.last(t); r.EventName != "AbortMultipartUpload" || r.EventCategory != "Data" || r.ReadOnly {
				t.Fatalf("recorded %+v", r)
			}
			if _, err := c.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: aws.String("multi"), Key: aws.String("aborted"), UploadId: up2.UploadId}); apiCode(err) != "NoSuchUpload" {
				t.Fatalf("aborted twice: %v", err)
			}
			if _, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String("multi"), Key: aws.String("aborted"), UploadId: aws.String("../../etc"), PartNumber: aws.Int32(1), Body: strings.NewReader("p")}); apiCode(err) != "NoSuchUpload" {
				t.Fatalf("bad upload id: %v", err)
			}
			if _, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("multi"), Key: aws.String("aborted")}); apiCode(err) != "NotFound" {
				t.Fatalf("aborted upload created an object: %v", err)
			}
		})
	}
}
