package anchor

import (
	"context"
	"errors"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

const testARN = "arn:aws:cloudtrail:us-east-1:123456789012:trail/t1"

func rec(i int) Record {
	end := time.Date(2026, 1, 1, 10, i, 0, 0, time.UTC)
	return Record{Trail: testARN, Region: "us-east-1", Bucket: "b", Key: "AWSLogs/d" + end.Format("150405") + ".json.gz",
		Start: end.Add(-time.Minute).Format("2006-01-02T15:04:05Z"), End: end.Format("2006-01-02T15:04:05Z"),
		Hash: strings.Repeat("a", 63) + string(rune('0'+i)), Signature: "5167", Fingerprint: "f"}
}

// sinkContract is what every sink must do: durable appends read back in
// order, idempotent for the same record, ErrConflict for a different one.
func sinkContract(t *testing.T, s Sink, reopen func() Sink) {
	ctx := context.Background()
	for i := range 3 {
		if err := s.Append(ctx, rec(i)); err != nil {
			t.Fatalf("append %d: %v", i, err)
		}
	}
	if err := s.Append(ctx, rec(1)); err != nil {
		t.Fatalf("append the same record again: %v", err)
	}
	bad := rec(1)
	bad.Hash = strings.Repeat("b", 64)
	if err := s.Append(ctx, bad); !errors.Is(err, ErrConflict) {
		t.Fatalf("append a different record for the same digest: %v, want ErrConflict", err)
	}
	other := rec(5)
	other.Trail = "arn:aws:cloudtrail:us-east-1:123456789012:trail/t2"
	if err := s.Append(ctx, other); err != nil {
		t.Fatal(err)
	}
	check := func(s Sink) {
		recs, problems, err := s.Records(ctx, testARN)
		if err != nil || len(problems) > 0 {
			t.Fatalf("records: %v %v", err, problems)
		}
		if len(recs) != 3 {
			t.Fatalf("records %d, want 3: %+v", len(recs), recs)
		}
		for i, r := range recs {
			if !r.Same(rec(i)) && !(func() bool { w := rec(i); w.V = Version; return r.Same(w) })() {
				t.Errorf("record %d = %+v", i, r)
			}
		}
	}
	check(s)
	s2 := reopen()
	defer s2.Close()
	check(s2)
	if err := s2.Append(ctx, bad); !errors.Is(err, ErrConflict) {
		t.Fatalf("after reopen, a different record: %v, want ErrConflict", err)
	}
}

func TestFileSink(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a", "anchors.jsonl")
	s, err := Open(context.Background(), "file://"+path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	sinkContract(t, s, func() Sink {
		s2, err := OpenFile(path, Options{})
		if err != nil {
			t.Fatal(err)
		}
		return s2
	})
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v", fi.Mode())
	}
	// A line appended by hand that re-anchors a digest differently, and garbage: problems, first record kept.
	f, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(`{"v":1,"trail":"` + testARN + `","region":"us-east-1","bucket":"b","key":"` + rec(0).Key + `","hash":"ff","signature":"00"}` + "\nnot json\n")
	f.Close()
	recs, problems, err := s.Records(context.Background(), testARN)
	if err != nil || len(recs) != 3 || len(problems) != 2 || recs[0].Hash != rec(0).Hash {
		t.Fatalf("records %d problems %q err %v", len(recs), problems, err)
	}
}

func TestOpenRejects(t *testing.T) {
	for _, uri := range []string{"file:relative", "file://host/x", "http://x/y", "s3:///nobucket", "s3://b/p?retention-days=0", "::"} {
		if _, err := Open(context.Background(), uri, Options{AccessKeyID: "a", SecretAccessKey: "b"}); err == nil {
			t.Errorf("Open(%q) succeeded", uri)
		}
	}
}

// startMoto runs moto_server for the S3 sink tests.
func startMoto(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("moto_server"); err != nil {
		t.Skip("moto_server not installed")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	host, port, _ := net.SplitHostPort(addr)
	cmd := exec.Command("moto_server", "-H", host, "-p", port)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL); _ = cmd.Wait() })
	endpoint := "http://" + addr
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(endpoint + "/")
		if err == nil {
			resp.Body.Close()
			return endpoint
		}
		if time.Now().After(deadline) {
			t.Fatalf("moto_server did not start: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func motoClient(endpoint string) *s3.Client {
	return s3.New(s3.Options{Region: "us-east-1", BaseEndpoint: aws.String(endpoint), UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider("k", "s", "")})
}

// The S3 sink on moto, with Object Lock: every anchor object is under
// COMPLIANCE retention, cannot be deleted, and an overwrite (a new version)
// is reported while the first version stays the record.
func TestS3SinkObjectLock(t *testing.T) {
	endpoint := startMoto(t)
	ctx := context.Background()
	c := motoClient(endpoint)
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("anchors"), ObjectLockEnabledForBucket: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	opts := Options{Endpoint: endpoint, AccessKeyID: "k", SecretAccessKey: "s"}
	uri := "s3://anchors/cairn?retention-days=2"
	s, err := Open(ctx, uri, opts)
	if err != nil {
		t.Fatal(err)
	}
	if !s.(*S3).Locked() {
		t.Fatal("Object Lock not detected")
	}
	sinkContract(t, s, func() Sink {
		s2, err := Open(ctx, uri, opts)
		if err != nil {
			t.Fatal(err)
		}
		return s2
	})
	key, _ := s.(*S3).objectKey(rec(0))
	h, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("anchors"), Key: aws.String(key)})
	if err != nil {
		t.Fatal(err)
	}
	if h.ObjectLockMode != "COMPLIANCE" || h.ObjectLockRetainUntilDate == nil || time.Until(*h.ObjectLockRetainUntilDate) < 47*time.Hour {
		t.Fatalf("lock %q until %v", h.ObjectLockMode, h.ObjectLockRetainUntilDate)
	}
	if _, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("anchors"), Key: aws.String(key), VersionId: h.VersionId}); err == nil {
		t.Fatal("deleting a locked anchor version succeeded")
	}
	// An attacker holding the anchor credentials overwrites one record.
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("anchors"), Key: aws.String(key), Body: strings.NewReader(`{"v":1}`)}); err != nil {
		t.Fatal(err)
	}
	recs, problems, err := s.Records(ctx, testARN)
	if err != nil || len(recs) != 3 || recs[0].Hash != rec(0).Hash || len(problems) != 1 || !strings.Contains(problems[0], "overwritten") {
		t.Fatalf("records %d problems %q err %v", len(recs), problems, err)
	}
}

// Without Object Lock the sink still works (If-None-Match), unlocked.
func TestS3SinkWithoutObjectLock(t *testing.T) {
	endpoint := startMoto(t)
	ctx := context.Background()
	if _, err := motoClient(endpoint).CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("plain")}); err != nil {
		t.Fatal(err)
	}
	opts := Options{Endpoint: endpoint, AccessKeyID: "k", SecretAccessKey: "s"}
	s, err := Open(ctx, "s3://plain", opts)
	if err != nil {
		t.Fatal(err)
	}
	if s.(*S3).Locked() {
		t.Fatal("Object Lock reported on a plain bucket")
	}
	sinkContract(t, s, func() Sink { s2, _ := Open(ctx, "s3://plain", opts); return s2 })
}

// An unreachable anchor does not stop Open (the server must start), but
// every Append fails until it is back.
func TestS3SinkUnreachable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	endpoint := "http://" + l.Addr().String()
	l.Close() // nothing listens there now
	ctx := context.Background()
	s, err := Open(ctx, "s3://anchors/p", Options{Endpoint: endpoint, AccessKeyID: "k", SecretAccessKey: "s"})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if known, _, _ := s.(*S3).Lock(); known {
		t.Fatal("lock configuration known without a bucket")
	}
	if err := s.Append(ctx, rec(0)); err == nil {
		t.Fatal("Append to an unreachable anchor succeeded")
	}
}
