package s3api

import (
	"bytes"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/cairn-audit/cairn/internal/bucket"
)

// noStager hides a store's Stager, to exercise the spooled path.
type noStager struct{ bucket.Store }

// TestFailClosed: when the event cannot be recorded, the client gets a 500
// and nothing the call would have changed has changed.
func TestFailClosed(t *testing.T) {
	makers := append(stores[:len(stores):len(stores)], struct {
		name string
		mk   func(*testing.T) bucket.Store
	}{"file-without-stager", func(t *testing.T) bucket.Store { return noStager{fileStore(t)} }})
	for _, st := range makers {
		t.Run(st.name, func(t *testing.T) {
			e := newEnv(t, envOptions{storeMaker: st.mk, minPart: 1})
			c := e.client(akid1, secret1)
			mustOK(t)(c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("kept")}))
			mustOK(t)(c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("kept"), Key: aws.String("old"), Body: strings.NewReader("v1")}))
			up, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("kept"), Key: aws.String("mp")})
			if err != nil {
				t.Fatal(err)
			}
			part, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String("kept"), Key: aws.String("mp"), UploadId: up.UploadId, PartNumber: aws.Int32(1), Body: strings.NewReader("part one")})
			if err != nil {
				t.Fatal(err)
			}
			before := len(e.events.all())

			e.events.setFail(true)
			complete := &s3.CompleteMultipartUploadInput{Bucket: aws.String("kept"), Key: aws.String("mp"), UploadId: up.UploadId,
				MultipartUpload: &types.CompletedMultipartUpload{Parts: []types.CompletedPart{{PartNumber: aws.Int32(1), ETag: part.ETag}}}}
			for name, call := range map[string]func() error{
				"CreateBucket": func() error {
					_, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("never")})
					return err
				},
				"PutObject (new)": func() error {
					_, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("kept"), Key: aws.String("new"), Body: bytes.NewReader(make([]byte, 100000))})
					return err
				},
				"PutObject (overwrite)": func() error {
					_, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("kept"), Key: aws.String("old"), Body: strings.NewReader("v2")})
					return err
				},
				"CopyObject": func() error {
					_, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("kept"), Key: aws.String("copy"), CopySource: aws.String("kept/old")})
					return err
				},
				"DeleteObject": func() error {
					_, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("kept"), Key: aws.String("old")})
					return err
				},
				"DeleteObjects": func() error {
					_, err := c.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: aws.String("kept"), Delete: &types.Delete{Objects: []types.ObjectIdentifier{{Key: aws.String("old")}}}})
					return err
				},
				"UploadPart": func() error {
					_, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String("kept"), Key: aws.String("mp"), UploadId: up.UploadId, PartNumber: aws.Int32(1), Body: strings.NewReader("replaced")})
					return err
				},
				"CompleteMultipartUpload": func() error { _, err := c.CompleteMultipartUpload(ctx, complete); return err },
				"AbortMultipartUpload": func() error {
					_, err := c.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: aws.String("kept"), Key: aws.String("mp"), UploadId: up.UploadId})
					return err
				},
				"CreateMultipartUpload": func() error {
					_, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("kept"), Key: aws.String("mp2")})
					return err
				},
			} {
				if err := call(); apiCode(err) != "InternalError" {
					t.Errorf("%s with the stream down: %v", name, err)
				}
			}
			e.events.setFail(false)
			if n := len(e.events.all()); n != before {
				t.Fatalf("%d events recorded while the stream was down", n-before)
			}
			if _, err := c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String("never")}); apiCode(err) != "NotFound" {
				t.Errorf("unrecorded CreateBucket took effect: %v", err)
			}
			for _, k := range []string{"new", "copy", "mp"} {
				if _, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("kept"), Key: aws.String(k)}); apiCode(err) != "NotFound" {
					t.Errorf("unrecorded write of %s took effect: %v", k, err)
				}
			}
			if got, _ := mustGet(t, c, "kept", "old"); string(got) != "v1" {
				t.Errorf("unrecorded overwrite or delete took effect: %q", got)
			}
			parts, err := c.ListParts(ctx, &s3.ListPartsInput{Bucket: aws.String("kept"), Key: aws.String("mp"), UploadId: up.UploadId})
			if err != nil || len(parts.Parts) != 1 || *parts.Parts[0].ETag != *part.ETag {
				t.Fatalf("upload changed by unrecorded calls: %+v %v", parts, err)
			}
			// Once the stream is back, the same calls work.
			if _, err := c.CompleteMultipartUpload(ctx, complete); err != nil {
				t.Fatalf("CompleteMultipartUpload after recovery: %v", err)
			}
			if got, _ := mustGet(t, c, "kept", "mp"); string(got) != "part one" {
				t.Fatalf("completed object %q", got)
			}
		})
	}
}
