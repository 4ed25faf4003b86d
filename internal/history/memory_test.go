package history_test

import (
	"testing"

	"github.com/cairn-audit/cairn/internal/history"
	"github.com/cairn-audit/cairn/internal/history/historytest"
)

func TestMemoryStoreConformance(t *testing.T) {
	historytest.Run(t, func(*testing.T) history.Store { return history.NewMemory() })
}
