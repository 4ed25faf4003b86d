package awsmodel

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"maps"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// botocore returns the installed botocore's package directory and version.
// Without botocore the test fails, unless CAIRN_SKIP_BOTOCORE=1 skips it.
func botocore(t *testing.T) (dir, version string) {
	t.Helper()
	out, err := exec.Command("python3", "-c", "import botocore,os;print(os.path.dirname(botocore.__file__));print(botocore.__version__)").Output()
	if err != nil {
		if os.Getenv("CAIRN_SKIP_BOTOCORE") == "1" {
			t.Skipf("botocore is not importable (%v) and CAIRN_SKIP_BOTOCORE=1", err)
		}
		t.Fatalf("python3 cannot import botocore (%v); install it, or set CAIRN_SKIP_BOTOCORE=1 to skip", err)
	}
	f := strings.Fields(string(out))
	if len(f) != 2 {
		t.Fatalf("python3 said %q", out)
	}
	return f[0], f[1]
}

// TestGeneratedUpToDate regenerates the tables and compares them with the
// committed zz_generated.go.
func TestGeneratedUpToDate(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	dir, version := botocore(t)
	if version != BotocoreVersion {
		msg := "zz_generated.go comes from botocore " + BotocoreVersion + ", python3 has " + version + ": run go generate ./internal/awsmodel/ and commit the result"
		if os.Getenv("CAIRN_SKIP_BOTOCORE") == "1" {
			t.Skip(msg + " (skipped: CAIRN_SKIP_BOTOCORE=1)")
		}
		t.Fatal(msg)
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		goBin = filepath.Join(os.Getenv("GOROOT"), "bin", "go")
	}
	out := filepath.Join(t.TempDir(), "zz_generated.go")
	cmd := exec.Command(goBin, "run", "./gen", "-o", out, "-botocore", dir)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go run ./gen: %v\n%s", err, b)
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile("zz_generated.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		gl, wl := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
		for i := 0; i < len(gl) && i < len(wl); i++ {
			if gl[i] != wl[i] {
				t.Fatalf("zz_generated.go is stale (run go generate ./internal/awsmodel/): line %d\ncommitted: %s\ngenerated: %s", i+1, wl[i], gl[i])
			}
		}
		t.Fatalf("zz_generated.go is stale (run go generate ./internal/awsmodel/): %d lines committed, %d generated", len(wl), len(gl))
	}
}

// TestResolveBotocoreRequests has botocore serialize a request for every
// operation of every service, in every protocol the service accepts
// (testdata/botocore_requests.py), and checks that each resolves to its
// operation, protocol and URI labels, or, for REST requests no server could
// tell apart (s3 GetBucketLifecycle and GetBucketLifecycleConfiguration),
// to the operation Match prefers.
func TestResolveBotocoreRequests(t *testing.T) {
	_, version := botocore(t)
	if version != BotocoreVersion {
		t.Skipf("botocore %s, tables from %s (TestGeneratedUpToDate reports it)", version, BotocoreVersion)
	}
	args := []string{"testdata/botocore_requests.py"}
	for _, s := range Services() {
		args = append(args, s.Name)
	}
	cmd := exec.Command("python3", args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("botocore_requests.py: %v\n%s", err, stderr.Bytes())
	}
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 1<<20)
	sc.Scan() // {"botocore": version}
	n := 0
	seen := map[string]bool{}
	for sc.Scan() {
		var r struct {
			Service, Protocol, Op, Method, Path, Query, Body string
			Headers, Labels                                  map[string]string
		}
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		n++
		body, err := base64.StdEncoding.DecodeString(r.Body)
		if err != nil {
			t.Fatal(err)
		}
		h := http.Header{}
		for k, v := range r.Headers {
			h.Set(k, v)
		}
		s, _ := ByName(r.Service)
		want, _ := s.Operation(r.Op)
		m, ok := s.Match(r.Method, r.Path, r.Query, h, body)
		desc := r.Service + " " + r.Protocol + " " + r.Op + ": " + r.Method + " " + r.Path + "?" + r.Query
		switch {
		case !ok:
			t.Errorf("%s: no match", desc)
		case m.Protocol.String() != r.Protocol:
			t.Errorf("%s: protocol %v", desc, m.Protocol)
		case m.Op != want && !(s.Protocol.REST() && sameWire(compileRoute(want), compileRoute(m.Op))):
			t.Errorf("%s: resolved to %s", desc, m.Op.Name)
		case s.Protocol.REST() && m.Op == want && !maps.Equal(m.Labels, r.Labels) && !(len(m.Labels) == 0 && len(r.Labels) == 0):
			t.Errorf("%s: labels %q, want %q", desc, m.Labels, r.Labels)
		}
		seen[r.Service+" "+r.Op] = true
	}
	for _, s := range Services() {
		for _, o := range s.Operations() {
			if !seen[s.Name+" "+o.Name] {
				t.Errorf("botocore serialized no %s %s", s.Name, o.Name)
			}
		}
	}
	t.Logf("%d requests", n)
}
