package stream_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/cairn-audit/cairn/internal/stream"
)

// A failed step is retried after Resync; results reach OnResult; Follow
// returns nil when ctx ends.
func TestFollowRetriesAfterResync(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var calls []string
	steps := 0
	results := make(chan error, 10)
	done := make(chan error, 1)
	go func() {
		done <- stream.Follow(ctx, stream.FollowOptions{Name: "t", MinInterval: -1, RetryDelay: time.Millisecond,
			Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), OnResult: func(err error) { results <- err }},
			stream.Loop{
				Wait:   func(context.Context) error { calls = append(calls, "wait"); return nil },
				Resync: func(context.Context) error { calls = append(calls, "resync"); return nil },
				Step: func(ctx context.Context) error {
					steps++
					calls = append(calls, "step")
					switch steps {
					case 1:
						return errors.New("boom")
					case 2:
						return nil
					}
					<-ctx.Done()
					return ctx.Err()
				},
			})
	}()
	if err := <-results; err == nil {
		t.Fatal("first step reported no error")
	}
	if err := <-results; err != nil {
		t.Fatalf("retry: %v", err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	want := []string{"wait", "step", "resync", "step", "wait", "step"}
	if len(calls) != len(want) {
		t.Fatalf("calls %v, want %v", calls, want)
	}
	for i := range want {
		if calls[i] != want[i] {
			t.Fatalf("calls %v, want %v", calls, want)
		}
	}
}

// The lowest cursor decides retention; a closed cursor no longer counts.
func TestRegistryLow(t *testing.T) {
	var r stream.Registry
	if _, ok := r.Low(); ok {
		t.Fatal("Low with no consumer")
	}
	a, b := r.Consumer("a", 5), r.Consumer("b", 9)
	if low, _ := r.Low(); low != 5 {
		t.Fatalf("low %d", low)
	}
	a.Commit(20)
	if low, _ := r.Low(); low != 9 {
		t.Fatalf("low %d", low)
	}
	b.Close()
	if low, _ := r.Low(); low != 20 {
		t.Fatalf("low %d", low)
	}
}
