package e2e

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The front door's own pages (GET /, /healthz, /readyz) answer unsigned
// requests only: a bucket named healthz is still S3's for the aws CLI.
func TestHomePagesDoNotShadowS3(t *testing.T) {
	s := startServer(t)
	get := func(path, accept string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, s.endpoint+path, nil)
		if accept != "" {
			req.Header.Set("Accept", accept)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	var info struct{ Service, Version string }
	if code, body := get("/", ""); code != 200 || json.Unmarshal([]byte(body), &info) != nil || info.Service != "cairn" || info.Version == "" {
		t.Fatalf("GET /: %d %s", code, body)
	}
	if code, body := get("/", "text/html"); code != 200 || !strings.Contains(body, "<h1>Cairn") {
		t.Fatalf("GET / from a browser: %d %s", code, body)
	}
	if code, body := get("/healthz", ""); code != 200 || body != "ok\n" {
		t.Fatalf("GET /healthz: %d %q", code, body)
	}
	if code, body := get("/readyz", ""); code != 200 || body != "ready\n" {
		t.Fatalf("GET /readyz: %d %q", code, body)
	}
	f := filepath.Join(t.TempDir(), "probe.txt")
	if err := os.WriteFile(f, []byte("hi"), 0o644); err != nil {
		t.Fatal(err)
	}
	cli := awsCLIs(t)[0]
	cli.mustRun(s, testKey, testSecret, "s3", "mb", "s3://healthz")
	cli.mustRun(s, testKey, testSecret, "s3", "cp", f, "s3://healthz/probe.txt")
	if out := cli.mustRun(s, testKey, testSecret, "s3", "ls", "s3://healthz"); !strings.Contains(out, "probe.txt") {
		t.Fatalf("aws s3 ls s3://healthz: %s", out)
	}
	if out := cli.mustRun(s, testKey, testSecret, "s3api", "list-objects-v2", "--bucket", "healthz", "--query", "Contents[0].Key", "--output", "text"); strings.TrimSpace(out) != "probe.txt" {
		t.Fatalf("list-objects-v2 healthz: %s", out)
	}
}
