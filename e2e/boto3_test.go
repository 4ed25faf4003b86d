package e2e

import (
	"os/exec"
	"strings"
	"testing"
	"time"

	"context"
)

func runPython(t *testing.T, s *server, script string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "python3", script)
	cmd.Env = s.clientEnv(testKey, testSecret)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s\nserver log:\n%s", script, err, out, tail(s.logs.String(), 2000))
	}
	return string(out)
}

func TestBoto3(t *testing.T) {
	if exec.Command("python3", "-c", "import boto3").Run() != nil {
		t.Skip("boto3 not installed")
	}
	s := startServer(t)
	if out := runPython(t, s, "testdata/boto3_scenario.py"); !strings.Contains(out, "boto3 scenario passed") {
		t.Fatalf("unexpected output: %s", out)
	}
}

func TestBoto3Throttling(t *testing.T) {
	if exec.Command("python3", "-c", "import boto3").Run() != nil {
		t.Skip("boto3 not installed")
	}
	s := startServer(t, "--lookup-rate-limit", "1")
	script := t.TempDir() + "/throttle.py"
	writeFile(t, script, `
import boto3, sys
from botocore.config import Config
ct = boto3.client("cloudtrail", config=Config(retries={"max_attempts": 1, "mode": "standard"}))
codes = []
for _ in range(6):
    try:
        ct.lookup_events(MaxResults=1)
        codes.append("ok")
    except ct.exceptions.ClientError as e:
        codes.append(e.response["Error"]["Code"] + ":" + str(e.response["ResponseMetadata"]["HTTPStatusCode"]))
print(codes)
assert "ThrottlingException:400" in codes, codes
assert codes[0] == "ok", codes
`)
	out := runPython(t, s, script)
	t.Log(strings.TrimSpace(out))
}
