package s3api

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// TestEventsAsS3RecordsThem checks each call's record: eventName,
// management or data, readOnly, resources and requestParameters.
func TestEventsAsS3RecordsThem(t *testing.T) {
	e := newEnv(t, envOptions{})
	c := e.client(akid1, secret1)
	host := strings.TrimPrefix(e.srv.URL, "http://")
	type want struct {
		name     string
		data     bool
		readOnly bool
		res      []string // resource ARNs
		params   map[string]any
	}
	check := func(w want) {
		t.Helper()
		r := e.events.last(t)
		if r.EventName != w.name || r.EventSource != "s3.amazonaws.com" || r.ReadOnly != w.readOnly || r.ErrorCode != "" || r.AWSRegion != "us-east-1" {
			t.Fatalf("%s: recorded %+v", w.name, r)
		}
		if cat := map[bool]string{true: "Data", false: "Management"}[w.data]; r.EventCategory != cat || r.ManagementEvent == w.data {
			t.Fatalf("%s: category %s management %v", w.name, r.EventCategory, r.ManagementEvent)
		}
		var arns []string
		for _, res := range r.Resources {
			arns = append(arns, res["ARN"])
			if res["accountId"] != account1 {
				t.Fatalf("%s: resource %+v", w.name, res)
			}
		}
		if strings.Join(arns, " ") != strings.Join(w.res, " ") {
			t.Fatalf("%s: resources %q, want %q", w.name, arns, w.res)
		}
		for k, v := range w.params {
			if r.RequestParameters[k] != v {
				t.Fatalf("%s: requestParameters %v, want %s=%v", w.name, r.RequestParameters, k, v)
			}
		}
		if string(r.ResponseElements) != "null" {
			t.Fatalf("%s: responseElements %s", w.name, r.ResponseElements)
		}
	}
	bucketARN, objARN := "arn:aws:s3:::evb", "arn:aws:s3:::evb/k 1"

	mustOK(t)(c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("evb")}))
	check(want{"CreateBucket", false, false, []string{bucketARN}, map[string]any{"bucketName": "evb", "Host": host}})
	mustOK(t)(c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String("evb")}))
	check(want{"HeadBucket", true, true, []string{bucketARN}, map[string]any{"bucketName": "evb"}})
	mustOK(t)(c.ListBuckets(ctx, &s3.ListBucketsInput{}))
	check(want{"ListBuckets", false, true, nil, map[string]any{"Host": host}})
	mustOK(t)(c.GetBucketLocation(ctx, &s3.GetBucketLocationInput{Bucket: aws.String("evb")}))
	check(want{"GetBucketLocation", false, true, []string{bucketARN}, map[string]any{"location": ""}})
	mustOK(t)(c.GetBucketAcl(ctx, &s3.GetBucketAclInput{Bucket: aws.String("evb")}))
	check(want{"GetBucketAcl", false, true, []string{bucketARN}, map[string]any{"acl": ""}})
	mustOK(t)(c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("evb"), Key: aws.String("k 1"), Body: strings.NewReader("data")}))
	check(want{"PutObject", true, false, []string{objARN, bucketARN}, map[string]any{"bucketName": "evb", "key": "k 1", "Host": host}})
	if r := e.events.last(t); strings.Contains(string(mustJSON(t, r.RequestParameters)), "data") {
		t.Fatalf("the body was recorded: %v", r.RequestParameters)
	}
	out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("evb"), Key: aws.String("k 1")})
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, out.Body)
	out.Body.Close()
	check(want{"GetObject", true, true, []string{objARN, bucketARN}, map[string]any{"key": "k 1"}})
	mustOK(t)(c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("evb"), Key: aws.String("k 1")}))
	check(want{"HeadObject", true, true, []string{objARN, bucketARN}, map[string]any{"key": "k 1"}})
	mustOK(t)(c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("evb"), Key: aws.String("k2"), CopySource: aws.String("evb/k%201")}))
	check(want{"CopyObject", true, false, []string{"arn:aws:s3:::evb/k2", bucketARN, objARN}, map[string]any{"x-amz-copy-source": "evb/k%201"}})
	mustOK(t)(c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("evb"), Prefix: aws.String("k"), Delimiter: aws.String("/"), EncodingType: types.EncodingTypeUrl}))
	check(want{"ListObjects", true, true, []string{bucketARN}, map[string]any{"list-type": "2", "prefix": "k", "delimiter": "/", "encoding-type": "url"}})
	mustOK(t)(c.ListObjects(ctx, &s3.ListObjectsInput{Bucket: aws.String("evb"), Marker: aws.String("a")}))
	check(want{"ListObjects", true, true, []string{bucketARN}, map[string]any{"marker": "a"}})
	mustOK(t)(c.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: aws.String("evb"), Delete: &types.Delete{Objects: []types.ObjectIdentifier{{Key: aws.String("k2")}}}}))
	check(want{"DeleteObjects", true, false, []string{bucketARN}, map[string]any{"delete": ""}})
	mustOK(t)(c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("evb"), Key: aws.String("k 1")}))
	check(want{"DeleteObject", true, false, []string{objARN, bucketARN}, map[string]any{"key": "k 1"}})
	mustOK(t)(c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String("evb")}))
	check(want{"DeleteBucket", false, false, []string{bucketARN}, nil})

	// Failures are recorded with S3's error code.
	_, err = c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("evb"), Key: aws.String("k")})
	if r := e.events.last(t); apiCode(err) != "NoSuchBucket" || r.EventName != "GetObject" || r.ErrorCode != "NoSuchBucket" || r.EventCategory != "Data" {
		t.Fatalf("failed GetObject: %v recorded %+v", err, r)
	}
	_, err = c.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String("evb"), Policy: aws.String("{}")})
	if r := e.events.last(t); apiCode(err) != "NotImplemented" || r.EventName != "PutBucketPolicy" || r.ErrorCode != "NotImplemented" || r.EventCategory != "Management" {
		t.Fatalf("PutBucketPolicy: %v recorded %+v", err, r)
	}
}

func mustOK(t *testing.T) func(any, error) {
	return func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
}

// TestAccountsAreSeparate: a bucket belongs to the account that created it.
func TestAccountsAreSeparate(t *testing.T) {
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			e := newEnv(t, envOptions{storeMaker: st.mk})
			c1, c2 := e.client(akid1, secret1), e.client(akid2, secret2)
			mustOK(t)(c1.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("one")}))
			mustOK(t)(c2.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("two")}))
			mustOK(t)(c1.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("one"), Key: aws.String("k"), Body: strings.NewReader("x")}))
			l, err := c1.ListBuckets(ctx, &s3.ListBucketsInput{})
			if err != nil || len(l.Buckets) != 1 || *l.Buckets[0].Name != "one" {
				t.Fatalf("ListBuckets of account 1: %+v %v", l, err)
			}
			if _, err := c2.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("one")}); apiCode(err) != "BucketAlreadyExists" {
				t.Fatalf("taking another account's name: %v", err)
			}
			if _, err := c1.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("one")}); err != nil {
				t.Fatalf("re-creating one's own bucket in us-east-1: %v", err)
			}
			for name, call := range map[string]func() error{
				"GetObject": func() error {
					_, err := c2.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("one"), Key: aws.String("k")})
					return err
				},
				"PutObject": func() error {
					_, err := c2.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("one"), Key: aws.String("k"), Body: strings.NewReader("y")})
					return err
				},
				"DeleteObject": func() error {
					_, err := c2.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("one"), Key: aws.String("k")})
					return err
				},
				"ListObjectsV2": func() error {
					_, err := c2.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("one")})
					return err
				},
				"DeleteBucket": func() error {
					_, err := c2.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String("one")})
					return err
				},
				"CopyObject": func() error {
					_, err := c2.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("two"), Key: aws.String("stolen"), CopySource: aws.String("one/k")})
					return err
				},
			} {
				if err := call(); apiCode(err) != "AccessDenied" {
					t.Errorf("%s on another account's bucket: %v", name, err)
				}
			}
			if _, err := c2.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String("one")}); apiCode(err) != "Forbidden" {
				t.Errorf("HeadBucket of another account's bucket: %v", err)
			}
			if got, _ := mustGet(t, c1, "one", "k"); string(got) != "x" {
				t.Fatalf("object changed by another account: %q", got)
			}
			// Region rules of CreateBucket.
			eu := e.client(akid1, secret1, func(o *s3.Options) { o.Region = "eu-west-1" })
			if _, err := eu.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("eu-bucket"), CreateBucketConfiguration: &types.CreateBucketConfiguration{LocationConstraint: "eu-west-1"}}); err != nil {
				t.Fatalf("CreateBucket in eu-west-1: %v", err)
			}
			if loc, err := eu.GetBucketLocation(ctx, &s3.GetBucketLocationInput{Bucket: aws.String("eu-bucket")}); err != nil || loc.LocationConstraint != "eu-west-1" {
				t.Fatalf("location: %+v %v", loc, err)
			}
			if _, err := eu.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("eu-bucket-2")}); apiCode(err) != "IllegalLocationConstraintException" {
				t.Fatalf("no constraint outside us-east-1: %v", err)
			}
			if _, err := c1.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("bb3"), CreateBucketConfiguration: &types.CreateBucketConfiguration{LocationConstraint: "eu-west-1"}}); apiCode(err) != "IllegalLocationConstraintException" {
				t.Fatalf("constraint for another region: %v", err)
			}
			if _, err := c1.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("Bad_Name")}); apiCode(err) != "InvalidBucketName" {
				t.Fatalf("bad name: %v", err)
			}
			if r := e.events.last(t); r.EventName != "CreateBucket" || r.ErrorCode != "InvalidBucketName" {
				t.Fatalf("recorded %+v", r)
			}
		})
	}
}

// TestErrorDocuments checks the XML error and HEAD's bodiless errors on the wire.
func TestErrorDocuments(t *testing.T) {
	e := newEnv(t, envOptions{})
	c := e.client(akid1, secret1)
	mustOK(t)(c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("errs")}))
	presign := s3.NewPresignClient(c)
	get, err := presign.PresignGetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("errs"), Key: aws.String("missing/key")})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(get.URL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{"<?xml", "<Error><Code>NoSuchKey</Code>", "<Key>missing/key</Key>", "<Resource>/errs/missing/key</Resource>", "<RequestId>"} {
		if resp.StatusCode != 404 || !bytes.Contains(body, []byte(want)) {
			t.Fatalf("presigned GET of a missing key: %d %s (want %s)", resp.StatusCode, body, want)
		}
	}
	if resp.Header.Get("X-Amz-Request-Id") == "" {
		t.Fatal("no x-amz-request-id")
	}
	head, err := presign.PresignHeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("errs"), Key: aws.String("missing")})
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodHead, head.URL, nil)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 || resp.ContentLength > 0 {
		t.Fatalf("HEAD of a missing key: %d length %d", resp.StatusCode, resp.ContentLength)
	}
	// A presigned PUT works (UNSIGNED-PAYLOAD) and a presigned GET reads it back.
	put, err := presign.PresignPutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("errs"), Key: aws.String("via-url")})
	if err != nil {
		t.Fatal(err)
	}
	req, _ = http.NewRequest(http.MethodPut, put.URL, strings.NewReader("presigned body"))
	if resp, err = http.DefaultClient.Do(req); err != nil || resp.StatusCode != 200 {
		t.Fatalf("presigned PUT: %v %v", resp, err)
	}
	resp.Body.Close()
	if got, _ := mustGet(t, c, "errs", "via-url"); string(got) != "presigned body" {
		t.Fatalf("presigned PUT stored %q", got)
	}
	// Wrong secret: SignatureDoesNotMatch, recorded against the key's account.
	bad := e.client(akid1, "wrong-secret-000000000000000000000000000")
	if _, err := bad.ListBuckets(ctx, &s3.ListBucketsInput{}); apiCode(err) != "SignatureDoesNotMatch" {
		t.Fatalf("wrong secret: %v", err)
	}
	if r := e.events.last(t); r.EventName != "ListBuckets" || r.ErrorCode != "SignatureDoesNotMatch" {
		t.Fatalf("recorded %+v", r)
	}
	unknown := e.client("AKIANOBODY0000000000", secret1)
	if _, err := unknown.ListBuckets(ctx, &s3.ListBucketsInput{}); apiCode(err) != "InvalidAccessKeyId" {
		t.Fatalf("unknown key: %v", err)
	}
	// Unsupported methods on a resource.
	req, _ = http.NewRequest(http.MethodPost, e.srv.URL+"/errs", nil)
	signReq(t, req, nil, "")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 405 || !bytes.Contains(body, []byte("MethodNotAllowed")) {
		t.Fatalf("POST on a bucket: %d %s", resp.StatusCode, body)
	}
}
