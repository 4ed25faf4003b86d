package e2e

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// readmeBlock is one fenced code block of README.md.
type readmeBlock struct {
	line int    // line of the opening fence
	tag  string // info string: "sh", "sh serve", "text", ...
	body string
}

// readmeBlocks are README.md's fenced blocks, in order.
func readmeBlocks(t *testing.T) []readmeBlock {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	var out []readmeBlock
	var cur *readmeBlock
	for i, line := range strings.Split(string(b), "\n") {
		switch {
		case cur == nil && strings.HasPrefix(line, "```"):
			cur = &readmeBlock{line: i + 1, tag: strings.TrimSpace(strings.TrimPrefix(line, "```"))}
		case cur != nil && strings.TrimSpace(line) == "```":
			out = append(out, *cur)
			cur = nil
		case cur != nil:
			cur.body += line + "\n"
		}
	}
	if cur != nil {
		t.Fatalf("README.md:%d: unclosed code block", cur.line)
	}
	return out
}

// serveArgs are the arguments of a `sh serve` block's one command line,
// `cairn serve [flags]` (a trailing # comment is not part of it).
func serveArgs(t *testing.T, b readmeBlock) []string {
	t.Helper()
	var cmd []string
	for _, line := range strings.Split(b.body, "\n") {
		if i := strings.Index(line, "#"); i >= 0 {
			line = line[:i]
		}
		if f := strings.Fields(line); len(f) > 0 {
			if cmd != nil {
				t.Fatalf("README.md:%d: a sh serve block holds one command", b.line)
			}
			cmd = f
		}
	}
	if len(cmd) < 2 || cmd[0] != "cairn" || cmd[1] != "serve" || strings.ContainsAny(b.body, `'"$\`) {
		t.Fatalf("README.md:%d: a sh serve block is one plain `cairn serve [flags]` line, got %q", b.line, b.body)
	}
	return cmd[1:]
}

// TestReadmeWalkthrough runs README.md as a newcomer would, so it cannot
// drift: in a fresh directory, one bash session (set -e) runs every block
// tagged `sh` in order; a block tagged `sh serve` is the server, which the
// test starts itself with exactly that block's flags plus --listen on a free
// port (kept across restarts, so the exported endpoint stays right),
// stopping the previous one as a person would with Ctrl-C. Other blocks
// (`text`, `sh no-run`) are not run. `make build` is the binary TestMain
// built (the same go build of ./cmd/cairn, checked against the Makefile),
// linked as ./bin/cairn. The server starts with a generated account, as a
// newcomer's does: no CAIRN_* or AWS_* variables reach it or the shell.
func TestReadmeWalkthrough(t *testing.T) {
	awsPath, err := exec.LookPath("aws")
	if err != nil || awsPath == "/usr/bin/aws" {
		t.Skip("the README uses an aws CLI that reads AWS_ENDPOINT_URL (pip's awscli v1)")
	}
	mk, err := os.ReadFile(filepath.Join("..", "Makefile"))
	if err != nil || !strings.Contains(string(mk), "BIN     ?= bin/cairn") || !strings.Contains(string(mk), "$(GO) build -o $(BIN) ./cmd/cairn") {
		t.Fatalf("make build no longer builds bin/cairn from ./cmd/cairn; update this test (%v)", err)
	}
	blocks := readmeBlocks(t)
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	home := t.TempDir()
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "CAIRN_") && !strings.HasPrefix(kv, "AWS_") && !strings.HasPrefix(kv, "HOME=") {
			env = append(env, kv)
		}
	}
	env = append(env, "HOME="+home, "AWS_CONFIG_FILE="+filepath.Join(home, "config"), "AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(home, "credentials"),
		"AWS_PAGER=", "CAIRN_E2E_BIN="+cairnBin)
	listen := freePort(t)

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	sh := exec.CommandContext(ctx, "bash", "--norc", "--noprofile")
	sh.Dir, sh.Env = dir, env
	stdin, err := sh.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := sh.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	out := &syncBuffer{}
	sh.Stderr = out
	if err := sh.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string, 1024)
	go func() {
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			out.Write(append(sc.Bytes(), '\n'))
			lines <- sc.Text()
		}
		close(lines)
	}()
	t.Cleanup(func() { stdin.Close(); _ = sh.Process.Kill(); _ = sh.Wait() })
	// `make build` is TestMain's build; everything else is bash as is.
	fmt.Fprintln(stdin, `set -e; make() { if [ "$*" = build ]; then mkdir -p bin && ln -sf "$CAIRN_E2E_BIN" bin/cairn; else echo "the walkthrough runs only make build" >&2; return 1; fi; }`)

	var srv *readmeServer
	t.Cleanup(func() { srv.stop() })
	ran, served := 0, 0
	for n, b := range blocks {
		switch b.tag {
		case "sh serve":
			srv.stop()
			srv = startReadmeServer(t, dir, env, listen, serveArgs(t, b))
			served++
			t.Logf("README.md:%d: cairn %s", b.line, strings.Join(srv.args, " "))
		case "sh":
			marker := fmt.Sprintf("@@readme-block-%d-done@@", n)
			start := time.Now()
			// Braces keep the block in this shell (its variables and exports
			// carry on to the next), stdin is not the script.
			fmt.Fprintf(stdin, "{\n%s} </dev/null\necho %s\n", b.body, marker)
			if !waitLine(lines, marker, 2*time.Minute) {
				t.Fatalf("README.md:%d: the block failed:\n%s\nshell output:\n%s\nserver log:\n%s", b.line, b.body, tail(out.String(), 6000), srv.log())
			}
			ran++
			t.Logf("README.md:%d: block ran in %s", b.line, time.Since(start).Round(time.Millisecond))
		}
	}
	if ran < 5 || served < 1 {
		t.Fatalf("ran %d sh blocks and %d servers: the README's tags changed?", ran, served)
	}
	t.Logf("shell output:\n%s", tail(out.String(), 4000))
}

// waitLine waits for the line want; false if the shell ended or time ran out first.
func waitLine(lines <-chan string, want string, d time.Duration) bool {
	timeout := time.After(d)
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				return false
			}
			if l == want {
				return true
			}
		case <-timeout:
			return false
		}
	}
}

// readmeServer is the README's `cairn serve`, run by the walkthrough.
type readmeServer struct {
	t    *testing.T
	cmd  *exec.Cmd
	args []string
	logs *syncBuffer
	done chan struct{}
}

func startReadmeServer(t *testing.T, dir string, env []string, listen string, args []string) *readmeServer {
	t.Helper()
	s := &readmeServer{t: t, args: append(append([]string{}, args...), "--listen", listen), logs: &syncBuffer{}, done: make(chan struct{})}
	s.cmd = exec.Command(filepath.Join(dir, "bin", "cairn"), s.args...)
	s.cmd.Dir, s.cmd.Env = dir, env
	s.cmd.Stdout, s.cmd.Stderr = s.logs, s.logs
	if err := s.cmd.Start(); err != nil {
		t.Fatalf("start the README's server (did a block before it run make build?): %v", err)
	}
	go func() { _ = s.cmd.Wait(); close(s.done) }()
	waitListening(t, s.logs, "export AWS_DEFAULT_REGION=", listen, s.done, fmt.Sprintf("cairn %v", s.args))
	return s
}

// stop is Ctrl-C: SIGINT, then wait for the process to go.
func (s *readmeServer) stop() {
	if s == nil || s.cmd.Process == nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGINT)
	select {
	case <-s.done:
	case <-time.After(30 * time.Second):
		s.t.Errorf("cairn %v did not stop on SIGINT; killing it", s.args)
		_ = s.cmd.Process.Kill()
		<-s.done
	}
}

func (s *readmeServer) log() string {
	if s == nil {
		return "(no server running)"
	}
	return tail(s.logs.String(), 3000)
}
