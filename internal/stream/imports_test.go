package stream_test

import (
	"go/build"
	"os"
	"path/filepath"
	"testing"
)

// Consumers reach the event stream only through this package: none imports
// the journal or the settled view directly (cluster mode swaps both). Test
// files may (they build journals to read).
func TestConsumersDoNotImportTheJournal(t *testing.T) {
	forbidden := map[string]bool{
		"github.com/cairn-audit/cairn/internal/journal": true,
		"github.com/cairn-audit/cairn/internal/settle":  true,
	}
	for _, dir := range []string{"history", "lake", "delivery", "lakedb"} {
		path := filepath.Join("..", dir)
		if _, err := os.Stat(path); os.IsNotExist(err) {
			continue // not created yet
		}
		pkg, err := build.Default.ImportDir(path, 0)
		if err != nil {
			t.Fatalf("%s: %v", dir, err)
		}
		for _, imp := range pkg.Imports {
			if forbidden[imp] {
				t.Errorf("internal/%s imports %s: consumers read internal/stream", dir, imp)
			}
		}
	}
}
