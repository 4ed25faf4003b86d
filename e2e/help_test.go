package e2e

import (
	"os/exec"
	"strings"
	"testing"
)

// `cairn <command> -h` is how a person finds a command's flags: it prints
// them and exits 0, each default shown once.
func TestCommandHelpExitsZero(t *testing.T) {
	for _, cmd := range []string{"serve", "env", "lookup", "validate", "query", "lake"} {
		out, err := exec.Command(cairnBin, cmd, "-h").CombinedOutput()
		if err != nil {
			t.Errorf("cairn %s -h: %v\n%s", cmd, err, out)
			continue
		}
		if !strings.Contains(string(out), "-") || strings.Contains(string(out), "flag: help requested") {
			t.Errorf("cairn %s -h printed no usage:\n%s", cmd, out)
		}
		if !strings.HasPrefix(string(out), "usage: cairn "+cmd) {
			t.Errorf("cairn %s -h does not start with its usage line:\n%s", cmd, out)
		}
		for _, line := range strings.Split(string(out), "\n") {
			if strings.Count(line, "(default ") > 1 {
				t.Errorf("cairn %s -h: a default printed twice: %q", cmd, line)
			}
		}
	}
}
