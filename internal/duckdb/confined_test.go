package duckdb

import (
	"os/exec"
	"strings"
	"testing"
)

// cgoPackages may import go-duckdb: this package, the Lake engine and the
// event-history store (with its baseline, internal/historydb/naive). Everything
// else reaches DuckDB through them, so cgo stays confined to them.
var cgoPackages = []string{"internal/duckdb", "internal/lakedb", "internal/historydb"}

// No other package of the module (its tests included) imports go-duckdb:
// before the split, cmd/cairn's lakeadmin_test.go did.
func TestCgoConfined(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command:", err)
	}
	const module = "github.com/cairn-audit/cairn/"
	out, err := exec.Command(goBin, "list", "-e", "-f",
		`{{.ImportPath}} {{join .Imports " "}} {{join .TestImports " "}} {{join .XTestImports " "}}`,
		// The module's tracked trees (not scratch folders under tmp/).
		module+"cmd/...", module+"internal/...", module+"bench/...", module+"e2e/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	seen := 0
	for line := range strings.Lines(string(out)) {
		fields := strings.Fields(line)
		if len(fields) == 0 {
			continue
		}
		seen++
		pkg := strings.TrimPrefix(fields[0], module)
		allowed := false
		for _, p := range cgoPackages {
			if pkg == p || strings.HasPrefix(pkg, p+"/") {
				allowed = true
			}
		}
		for _, imp := range fields[1:] {
			if imp == "github.com/marcboeker/go-duckdb" && !allowed {
				t.Errorf("%s imports go-duckdb; only %v may (use internal/duckdb or internal/lakedb)", pkg, cgoPackages)
			}
		}
	}
	if seen < 10 {
		t.Fatalf("go list saw %d packages:\n%s", seen, out)
	}
}
