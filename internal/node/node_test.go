package node

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"
)

// A node on the local backends of a fresh data dir listens on New (the
// endpoint file names it), serves until Run's context ends, and closes
// cleanly; a second node on the same data dir finds the same account.
func TestNodeLifecycle(t *testing.T) {
	t.Setenv(KEKEnv, "")
	cfg := DefaultConfig()
	cfg.DataDir, cfg.Listen = t.TempDir(), "127.0.0.1:0"
	if err := cfg.Resolve(); err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	var account string
	for round := range 2 {
		b, err := OpenLocal(t.Context(), cfg, logger)
		if err != nil {
			t.Fatal(err)
		}
		n, err := New(t.Context(), cfg, b, logger)
		if err != nil {
			b.Close()
			t.Fatal(err)
		}
		if round == 0 {
			account = n.Account()
		} else if n.Account() != account {
			t.Fatalf("account %s after reopen, want %s", n.Account(), account)
		}
		got, err := os.ReadFile(DataDir(cfg.DataDir).Endpoint())
		if err != nil || strings.TrimSpace(string(got)) != n.Endpoint() || !strings.HasPrefix(n.Endpoint(), "http://127.0.0.1:") {
			t.Fatalf("endpoint file %q (%v), node %s", got, err, n.Endpoint())
		}
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error, 1)
		go func() { done <- n.Run(ctx) }()
		resp, err := http.Get(n.Endpoint() + "/healthz") // answered once Run serves
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET /healthz: %s", resp.Status)
		}
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
		case <-time.After(time.Minute):
			t.Fatal("Run did not return after its context ended")
		}
		if err := n.Close(); err != nil {
			t.Fatalf("node Close: %v", err)
		}
		if err := b.Close(); err != nil {
			t.Fatalf("backends Close: %v", err)
		}
	}
}
