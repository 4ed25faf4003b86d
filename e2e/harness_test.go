// Package e2e starts the real cairn binary and drives it with real clients:
// the aws CLI (v1 from pip, v2 from Debian), boto3 and aws-sdk-go-v2.
package e2e

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Fixed root credentials the tests start every server with.
const (
	testAccount = "123456789012"
	testKey     = "AKIAE2ETESTROOTKEY01"
	testSecret  = "e2eTestSecretKey0000000000000000000000/+"
	testRegion  = "us-east-1"
)

var cairnBin string

func TestMain(m *testing.M) {
	// The binary goes under the repo's ignored bin/, not the system temp dir.
	if err := os.MkdirAll(filepath.Join("..", "bin"), 0o755); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	dir, err := os.MkdirTemp(filepath.Join("..", "bin"), "e2e-")
	if err == nil {
		dir, err = filepath.Abs(dir) // tests run the binary from other directories
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	cairnBin = filepath.Join(dir, "cairn")
	build := exec.Command("go", "build", "-o", cairnBin, "./cmd/cairn")
	build.Dir = ".."
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build cairn:", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// server is a running cairn process.
type server struct {
	t        testing.TB
	cmd      *exec.Cmd
	data     string
	endpoint string
	args     []string
	logs     *syncBuffer
	done     chan struct{}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func freePort(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// startServer starts cairn on a free loopback port with a fresh data dir.
func startServer(t testing.TB, extra ...string) *server {
	t.Helper()
	return startServerIn(t, t.TempDir(), extra...)
}

// startServerIn starts cairn on an existing data dir (for restarts).
func startServerIn(t testing.TB, data string, extra ...string) *server {
	t.Helper()
	addr := freePort(t)
	s := &server{t: t, data: data, endpoint: "http://" + addr, logs: &syncBuffer{}, done: make(chan struct{})}
	s.args = append([]string{"serve", "--listen", addr, "--data", data}, extra...)
	for i, a := range extra { // a TLS server answers on https
		if a == "--tls-cert" && i+1 < len(extra) {
			s.endpoint = "https://" + addr
		}
	}
	s.cmd = exec.Command(cairnBin, s.args...)
	s.cmd.Env = append(os.Environ(), "CAIRN_ACCOUNT_ID="+testAccount, "CAIRN_ACCESS_KEY_ID="+testKey, "CAIRN_SECRET_ACCESS_KEY="+testSecret)
	stdout, err := s.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	s.cmd.Stderr = s.logs
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			s.logs.Write(append(sc.Bytes(), '\n'))
		}
		_ = s.cmd.Wait()
		close(s.done)
	}()
	t.Cleanup(func() { s.kill() })
	waitListening(t, s.logs, "export AWS_ENDPOINT_URL=", addr, s.done, "cairn")
	return s
}

// waitListening waits until the started server has printed marker and
// accepts connections on addr; it fails the test if the process ends first
// (done is closed) or after 60 s.
func waitListening(t testing.TB, logs *syncBuffer, marker, addr string, done <-chan struct{}, what string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		if strings.Contains(logs.String(), marker) {
			if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
				c.Close()
				return
			}
		}
		select {
		case <-done:
			t.Fatalf("%s exited during start:\n%s", what, logs.String())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not start in time:\n%s", what, logs.String())
		}
	}
}

// kill sends SIGKILL and waits for the process to go.
func (s *server) kill() {
	if s.cmd.Process == nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGKILL)
	<-s.done
}

// stop shuts the server down gracefully.
func (s *server) stop() {
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(20 * time.Second):
		s.t.Errorf("cairn did not stop on SIGTERM; killing it")
		s.kill()
	}
}

// clientEnv is the environment of an AWS client talking to s with the given keys.
func (s *server) clientEnv(akid, secret string) []string {
	env := []string{}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") {
			env = append(env, kv)
		}
	}
	home := s.t.TempDir()
	return append(env, "HOME="+home, "AWS_ENDPOINT_URL="+s.endpoint, "AWS_ACCESS_KEY_ID="+akid,
		"AWS_SECRET_ACCESS_KEY="+secret, "AWS_DEFAULT_REGION="+testRegion, "AWS_PAGER=", "AWS_RETRY_MODE=standard", "AWS_MAX_ATTEMPTS=1",
		"AWS_CONFIG_FILE="+filepath.Join(home, "config"), "AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(home, "credentials"))
}

// awsCLI is one of the installed aws CLIs.
type awsCLI struct {
	name string
	path string
	v2   bool // Debian's v2 (2.9) predates AWS_ENDPOINT_URL: pass --endpoint-url
}

// awsCLIs returns the CLIs present: pip's v1 (on PATH) and Debian's v2 (/usr/bin/aws).
func awsCLIs(t testing.TB) []awsCLI {
	var out []awsCLI
	if p, err := exec.LookPath("aws"); err == nil && p != "/usr/bin/aws" {
		out = append(out, awsCLI{name: "v1", path: p})
	}
	if _, err := os.Stat("/usr/bin/aws"); err == nil {
		out = append(out, awsCLI{name: "v2", path: "/usr/bin/aws", v2: true})
	}
	if len(out) < 2 && os.Getenv("CI") != "" {
		t.Fatalf("CI needs both aws CLIs (pip v1 and Debian v2); found %v — run ./scripts/test-deps.sh", out)
	}
	if len(out) == 0 {
		t.Skip("no aws CLI installed")
	}
	return out
}

// run runs the CLI against s with the given keys and returns stdout, stderr and the exit code.
func (c awsCLI) run(s *server, akid, secret string, args ...string) (string, string, int) {
	s.t.Helper()
	if c.v2 {
		args = append([]string{"--endpoint-url", s.endpoint}, args...)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, c.path, args...)
	cmd.Env = s.clientEnv(akid, secret)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		s.t.Fatalf("run aws %v: %v", args, err)
	}
	return stdout.String(), stderr.String(), code
}

// mustRun runs the CLI and fails the test unless it exits 0.
func (c awsCLI) mustRun(s *server, akid, secret string, args ...string) string {
	s.t.Helper()
	out, errOut, code := c.run(s, akid, secret, args...)
	if code != 0 {
		s.t.Fatalf("aws %s %v: exit %d\n%s\nserver log:\n%s", c.name, args, code, errOut, tail(s.logs.String(), 2000))
	}
	return out
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[len(s)-n:]
}
