package e2e

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmw "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go/middleware"
)

// logKeyPattern is the AWS layout of a log file key (without a prefix).
var logKeyPattern = regexp.MustCompile(`^AWSLogs/(\d{12})/CloudTrail/([a-z0-9-]+)/(\d{4})/(\d{2})/(\d{2})/(\d{12})_CloudTrail_([a-z0-9-]+)_(\d{8})T\d{4}Z_[A-Za-z0-9]{16}\.json\.gz$`)

// logFile is one delivered log file.
type logFile struct {
	Key     string
	Records []record
}

// s3Client is an S3 client for an endpoint (Cairn's own or an external one).
func s3Client(endpoint, akid, secret string) *s3.Client {
	return s3.NewFromConfig(aws.Config{
		Region:           testRegion,
		Credentials:      credentials.NewStaticCredentialsProvider(akid, secret, ""),
		BaseEndpoint:     aws.String(endpoint),
		RetryMaxAttempts: 1,
	}, func(o *s3.Options) { o.UsePathStyle = true })
}

// readLogs downloads and parses every log file under prefix.
func readLogs(t *testing.T, c *s3.Client, bucket, prefix string) []logFile {
	t.Helper()
	ctx := context.Background()
	var files []logFile
	p := s3.NewListObjectsV2Paginator(c, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String(prefix)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatalf("list s3://%s/%s: %v", bucket, prefix, err)
		}
		for _, o := range page.Contents {
			key := aws.ToString(o.Key)
			if !strings.HasSuffix(key, ".json.gz") || !strings.Contains(key, "/CloudTrail/") {
				continue
			}
			out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: o.Key})
			if err != nil {
				t.Fatalf("get %s: %v", key, err)
			}
			raw, err := io.ReadAll(out.Body)
			out.Body.Close()
			if err != nil {
				t.Fatalf("read %s: %v", key, err)
			}
			files = append(files, parseLogFile(t, key, raw))
		}
	}
	return files
}

// parseLogFile checks that raw is a gzip {"Records":[...]} file and parses it.
func parseLogFile(t *testing.T, key string, raw []byte) logFile {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("%s is not gzip: %v", key, err)
	}
	body, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("gunzip %s: %v", key, err)
	}
	var f struct{ Records []record }
	if err := json.Unmarshal(body, &f); err != nil || len(f.Records) == 0 {
		t.Fatalf("%s is not a CloudTrail log file (%v): %.300s", key, err, body)
	}
	return logFile{Key: key, Records: f.Records}
}

// checkLayout checks every file's key and that its records belong in it.
func checkLayout(t *testing.T, files []logFile, prefix string) {
	t.Helper()
	for _, f := range files {
		m := logKeyPattern.FindStringSubmatch(strings.TrimPrefix(f.Key, prefix))
		if m == nil {
			t.Fatalf("key %q is not in the AWS layout", f.Key)
		}
		if m[1] != testAccount || m[6] != testAccount || m[2] != m[7] || m[3]+m[4]+m[5] != m[8] {
			t.Fatalf("key %q: inconsistent account, region or date", f.Key)
		}
		for _, r := range f.Records {
			if r.AWSRegion != m[2] {
				t.Fatalf("%s holds a %s event", f.Key, r.AWSRegion)
			}
		}
	}
}

// byEventID indexes the records of files, failing on an event delivered twice.
func byEventID(t *testing.T, files []logFile) map[string]record {
	t.Helper()
	out := map[string]record{}
	where := map[string]string{}
	for _, f := range files {
		for _, r := range f.Records {
			if prev, dup := where[r.EventID]; dup {
				t.Fatalf("event %s (%s) delivered twice: %s and %s", r.EventID, r.EventName, prev, f.Key)
			}
			where[r.EventID] = f.Key
			out[r.EventID] = r
		}
	}
	return out
}

// waitLogs polls until done(files) holds, then returns the files.
func waitLogs(t *testing.T, s *server, c *s3.Client, bucket, prefix string, what string, done func([]logFile) bool) []logFile {
	t.Helper()
	deadline := time.Now().Add(45 * time.Second)
	for {
		files := readLogs(t, c, bucket, prefix)
		if done(files) {
			return files
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s; %d files so far\nserver log:\n%s", what, len(files), tail(s.logs.String(), 3000))
		}
		time.Sleep(300 * time.Millisecond)
	}
}

// requestIDs returns the set of requestIDs in the records of files.
func requestIDs(files []logFile) map[string]int {
	out := map[string]int{}
	for _, f := range files {
		for _, r := range f.Records {
			out[r.RequestID]++
		}
	}
	return out
}

// requestIDOf is the request ID an SDK call's response carried.
func requestIDOf(md middleware.Metadata) string {
	id, _ := awsmw.GetRequestIDMetadata(md)
	return id
}
