package e2e

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/cairn-audit/cairn/internal/digest"
)

// s3RulesetFor writes a botocore data directory whose S3 endpoint rule set
// sends every S3 request to endpoint (path-style). Debian's awscli 2.9
// predates AWS_ENDPOINT_URL and validate-logs gives --endpoint-url only to
// its CloudTrail client, so AWS_DATA_PATH is how its S3 client reaches a
// non-AWS endpoint.
func s3RulesetFor(t *testing.T, endpoint string) string {
	t.Helper()
	dir := t.TempDir()
	p := filepath.Join(dir, "s3", "2006-03-01")
	if err := os.MkdirAll(p, 0o755); err != nil {
		t.Fatal(err)
	}
	auth := `"properties":{"authSchemes":[{"name":"sigv4","signingName":"s3","signingRegion":"us-east-1","disableDoubleEncoding":true}]},"headers":{}`
	rules := `{"version":"1.0","parameters":{"Bucket":{"type":"String","required":false,"documentation":"bucket"}},"rules":[` +
		`{"conditions":[{"fn":"isSet","argv":[{"ref":"Bucket"}]}],"endpoint":{"url":"` + endpoint + `/{Bucket}",` + auth + `},"type":"endpoint"},` +
		`{"conditions":[],"endpoint":{"url":"` + endpoint + `",` + auth + `},"type":"endpoint"}]}`
	if err := os.WriteFile(filepath.Join(p, "endpoint-rule-set-1.json"), []byte(rules), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// validateLogs runs `aws cloudtrail validate-logs` with cli: CloudTrail at
// s, S3 at s3Endpoint. It returns the combined output and the exit code.
func validateLogs(t *testing.T, cli awsCLI, s *server, s3Endpoint, region string, args ...string) (string, int) {
	t.Helper()
	full := append([]string{"cloudtrail", "validate-logs", "--region", region}, args...)
	env := s.clientEnv(testKey, testSecret)
	if cli.v2 {
		full = append([]string{"--endpoint-url", s.endpoint}, full...)
		env = append(env, "AWS_DATA_PATH="+s3RulesetFor(t, s3Endpoint))
	} else {
		env = append(env, "AWS_ENDPOINT_URL_S3="+s3Endpoint)
	}
	return runTool(t, env, cli.path, full...)
}

// runTool runs a command with env (3 minutes at most) and returns its
// combined output and exit code.
func runTool(t *testing.T, env []string, path string, args ...string) (string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Env = env
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("%s %v: %v", path, args, err)
	}
	return out.String(), code
}

// cairnValidate runs `cairn validate` against s and returns output and exit code.
func cairnValidate(t *testing.T, s *server, args ...string) (string, int) {
	t.Helper()
	return runTool(t, s.clientEnv(testKey, testSecret), cairnBin, append([]string{"validate", "--data", s.data, "--endpoint", s.endpoint}, args...)...)
}

// object is an S3 object's bytes and metadata, kept to restore it.
type object struct {
	key  string
	body []byte
	meta map[string]string
}

func getObject(t *testing.T, c *s3.Client, bucket, key string) object {
	t.Helper()
	out, err := c.GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		t.Fatalf("get %s: %v", key, err)
	}
	defer out.Body.Close()
	b, err := io.ReadAll(out.Body)
	if err != nil {
		t.Fatal(err)
	}
	return object{key: key, body: b, meta: out.Metadata}
}

func putObject(t *testing.T, c *s3.Client, bucket string, o object) {
	t.Helper()
	if _, err := c.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(o.key), Body: bytes.NewReader(o.body), Metadata: o.meta}); err != nil {
		t.Fatalf("put %s: %v", o.key, err)
	}
}

func deleteObject(t *testing.T, c *s3.Client, bucket, key string) {
	t.Helper()
	if _, err := c.DeleteObject(context.Background(), &s3.DeleteObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)}); err != nil {
		t.Fatalf("delete %s: %v", key, err)
	}
}

// listKeys lists the keys under prefix in order.
func listKeys(t *testing.T, c *s3.Client, bucket, prefix string) []string {
	t.Helper()
	var keys []string
	p := s3.NewListObjectsV2Paginator(c, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String(prefix)})
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatalf("list %s: %v", prefix, err)
		}
		for _, o := range page.Contents {
			keys = append(keys, aws.ToString(o.Key))
		}
	}
	sort.Strings(keys)
	return keys
}

// hasDigestEndingAfter reports whether bucket holds a digest of region whose
// end time (in its key) is not before after.
func hasDigestEndingAfter(t *testing.T, c *s3.Client, bucket, region string, after time.Time) bool {
	t.Helper()
	for _, k := range listKeys(t, c, bucket, digestPrefix(region)) {
		if info, ok := digest.ParseKey(k); ok && !info.End.Before(after) {
			return true
		}
	}
	return false
}

func digestPrefix(region string) string {
	return "AWSLogs/" + testAccount + "/CloudTrail-Digest/" + region + "/"
}

func logPrefix(region string) string {
	return "AWSLogs/" + testAccount + "/CloudTrail/" + region + "/"
}

func mustContain(t *testing.T, what, out string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(out, w) {
			t.Errorf("%s: output lacks %q:\n%s", what, w, out)
		}
	}
}

func gzipBytes(t *testing.T, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func gunzipBytes(t *testing.T, b []byte) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return out
}
