package e2e

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestQuickStart follows the README: serve with no flags (127.0.0.1:4590,
// ./cairn-data), take the printed export lines, run `aws cloudtrail
// lookup-events --max-results 5`, and get `cairn env` to print the same lines.
func TestQuickStart(t *testing.T) {
	if c, err := net.DialTimeout("tcp", "127.0.0.1:4590", 200*time.Millisecond); err == nil {
		c.Close()
		t.Skip("127.0.0.1:4590 is in use; the quick start needs the default port")
	}
	awsPath, err := exec.LookPath("aws")
	if err != nil || awsPath == "/usr/bin/aws" {
		t.Skip("the quick start uses an aws CLI that reads AWS_ENDPOINT_URL (pip's awscli v1)")
	}
	dir := t.TempDir()
	srv := exec.Command(cairnBin, "serve")
	srv.Dir = dir
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "CAIRN_") && !strings.HasPrefix(kv, "AWS_") {
			env = append(env, kv)
		}
	}
	srv.Env = env
	logs := &syncBuffer{}
	srv.Stdout, srv.Stderr = logs, logs
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Process.Kill(); _ = srv.Wait() })
	var exports string
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		out := logs.String()
		if i := strings.Index(out, "export AWS_ENDPOINT_URL="); i >= 0 && strings.Contains(out[i:], "export AWS_DEFAULT_REGION=") {
			lines := strings.Split(out[i:], "\n")
			exports = strings.Join(lines[:4], "\n") + "\n"
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no export lines printed:\n%s", out)
		}
	}
	if !strings.Contains(exports, "AWS_ENDPOINT_URL=http://127.0.0.1:4590\n") {
		t.Fatalf("printed exports: %s", exports)
	}
	info, err := os.Stat(filepath.Join(dir, "cairn-data", "credentials"))
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("credentials file: %v %v", info, err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	home := t.TempDir()
	sh := exec.CommandContext(ctx, "bash", "-c", exports+
		`aws sts get-caller-identity >/dev/null && aws cloudtrail lookup-events --max-results 5`)
	sh.Dir, sh.Env = dir, append(env, "HOME="+home, "AWS_CONFIG_FILE="+home+"/config", "AWS_SHARED_CREDENTIALS_FILE="+home+"/credentials")
	out, err := sh.CombinedOutput()
	if err != nil || !strings.Contains(string(out), `"EventName": "GetCallerIdentity"`) {
		t.Fatalf("quick start lookup-events: %v\n%s", err, out)
	}

	envCmd := exec.Command(cairnBin, "env")
	envCmd.Dir = dir
	again, err := envCmd.Output()
	if err != nil || string(again) != exports {
		t.Fatalf("cairn env printed\n%s\nwant\n%s (%v)", again, exports, err)
	}

	table := exec.Command(cairnBin, "lookup", "--data", "cairn-data", "--event-name", "GetCallerIdentity")
	table.Dir, table.Env = dir, env
	tout, err := table.CombinedOutput()
	if err != nil || !strings.Contains(string(tout), "TIME") || !strings.Contains(string(tout), "GetCallerIdentity") || !strings.Contains(string(tout), "root") {
		t.Fatalf("cairn lookup: %v\n%s", err, tout)
	}
	for _, format := range []string{"json", "csv"} {
		cmd := exec.Command(cairnBin, "lookup", "--data", "cairn-data", "--event-name", "GetCallerIdentity", "--output", format)
		cmd.Dir, cmd.Env = dir, env
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("cairn lookup --output %s: %v", format, err)
		}
		switch format {
		case "json":
			var rows []struct {
				EventName string          `json:"eventName"`
				User      string          `json:"username"`
				EventID   string          `json:"eventId"`
				Record    json.RawMessage `json:"cloudTrailEvent"`
			}
			if err := json.Unmarshal(out, &rows); err != nil || len(rows) != 1 || rows[0].EventName != "GetCallerIdentity" ||
				rows[0].User != "root" || !strings.Contains(string(rows[0].Record), rows[0].EventID) {
				t.Fatalf("json output %v: %s", err, out)
			}
		case "csv":
			recs, err := csv.NewReader(strings.NewReader(string(out))).ReadAll()
			if err != nil || len(recs) != 2 || recs[0][2] != "eventName" || recs[1][2] != "GetCallerIdentity" || recs[1][1] != "root" {
				t.Fatalf("csv output %v: %s", err, out)
			}
		}
	}
}
