package historydb

import (
	"testing"

	"github.com/cairn-audit/cairn/internal/history"
	"github.com/cairn-audit/cairn/internal/history/historytest"
)

// The DuckDB store passes the same conformance suite as every history.Store.
func TestConformance(t *testing.T) {
	historytest.Run(t, func(t *testing.T) history.Store {
		h, err := Open(Options{Dir: t.TempDir(), PartitionWidth: DefaultOptions().PartitionWidth})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { h.Close() })
		return h
	})
}

var _ history.Store = (*History)(nil)
