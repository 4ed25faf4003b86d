package node

import (
	"os"
	"testing"

	"github.com/cairn-audit/cairn/internal/lakeproc"
)

// The test binary is also the Lake's engine child (OpenLocal starts one
// from os.Executable()).
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[len(os.Args)-1] == lakeproc.ChildCommand {
		os.Exit(lakeproc.ChildMain())
	}
	os.Exit(m.Run())
}
