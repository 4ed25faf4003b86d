// Command recordpath measures the recorder and store path without HTTP:
// concurrent callers record events (built by the recorder, appended to the
// journal with group commit, fsync'd), while the history indexer applies them
// to the DuckDB store. It reports durable events/s and the time until every
// event is indexed.
//
//	go run ./bench/recordpath -dir /tmp/rp -workers 64 -duration 15s
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cairn-audit/cairn/internal/api"
	"github.com/cairn-audit/cairn/internal/event"
	"github.com/cairn-audit/cairn/internal/history"
	"github.com/cairn-audit/cairn/internal/historydb"
	"github.com/cairn-audit/cairn/internal/identity"
	"github.com/cairn-audit/cairn/internal/journal"
	"github.com/cairn-audit/cairn/internal/recorder"
	"github.com/cairn-audit/cairn/internal/stream"
	"github.com/cairn-audit/cairn/internal/sts"
)

func main() {
	dir := flag.String("dir", "", "empty directory for the journal and store (required)")
	workers := flag.Int("workers", 64, "concurrent recording callers")
	duration := flag.Duration("duration", 15*time.Second, "how long to record")
	flag.BoolVar(&staged, "staged", false, "record calls with a (no-op) staged effect: pending entry plus settle marker, as a mutating call")
	flag.Parse()
	if *dir == "" {
		fmt.Fprintln(os.Stderr, "recordpath: -dir is required")
		os.Exit(2)
	}
	if err := run(*dir, *workers, *duration); err != nil {
		fmt.Fprintln(os.Stderr, "recordpath:", err)
		os.Exit(1)
	}
}

// staged makes every call a mutating one (docs/RECORDS.md).
var staged bool

func run(dir string, workers int, duration time.Duration) error {
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	hist, err := historydb.Open(historydb.Options{Dir: dir + "/history", Logger: logger})
	if err != nil {
		return err
	}
	defer hist.Close()
	jopts := journal.DefaultOptions()
	jopts.Logger = logger
	jnl, err := journal.Open(dir+"/journal", jopts)
	if err != nil {
		return err
	}
	defer jnl.Close()
	settled, err := stream.Open(jnl)
	if err != nil {
		return err
	}
	ix, err := history.NewIndexer(context.Background(), settled, hist, history.IndexerOptions{Logger: logger})
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { _ = ix.Run(ctx) })
	defer func() { cancel(); wg.Wait() }()

	rec := recorder.New(jnl, nil)
	svc := sts.New()
	caller := identity.Principal{Type: identity.TypeIAMUser, AccountID: "123456789012", ARN: "arn:aws:iam::123456789012:user/bench",
		PrincipalID: "AIDABENCHBENCHBENCH00", UserName: "bench", AccessKeyID: "AKIABENCHBENCHBENCH0"}
	var recorded atomic.Int64
	start := time.Now()
	deadline := start.Add(duration)
	var callers sync.WaitGroup
	for w := 0; w < workers; w++ {
		callers.Go(func() {
			for time.Now().Before(deadline) {
				res := &api.Result{EventName: "GetCallerIdentity", ReadOnly: true,
					Resources: []event.ResourceRef{{Type: "AWS::IAM::User", Name: "bench", ARN: caller.ARN}}}
				if staged {
					res.ReadOnly, res.Commit = false, func() error { return nil }
				}
				e, err := rec.Record(context.Background(), recorder.Input{Service: svc, Caller: caller, Region: "us-east-1",
					SourceIP: "127.0.0.1", UserAgent: "aws-cli/1.45.11 Python/3.11.7 Linux/6.18 botocore/1.43.11", RequestID: event.NewID(), Result: res})
				if err != nil {
					fmt.Fprintln(os.Stderr, "record:", err)
					return
				}
				if staged {
					if err := rec.Settle(context.Background(), event.Marker{Seq: e.Seq, Outcome: event.Committed}); err != nil {
						fmt.Fprintln(os.Stderr, "settle:", err)
						return
					}
				}
				recorded.Add(1)
			}
		})
	}
	callers.Wait()
	elapsed := time.Since(start)
	n := recorded.Load()
	if err := ix.Sync(context.Background(), 5*time.Minute); err != nil {
		return err
	}
	indexed := time.Since(start)
	fmt.Printf("recorder+journal: %d durable events in %.1fs = %.0f events/s (%d callers); all indexed after %.1fs = %.0f events/s end to end\n",
		n, elapsed.Seconds(), float64(n)/elapsed.Seconds(), workers, indexed.Seconds(), float64(n)/indexed.Seconds())
	return nil
}
