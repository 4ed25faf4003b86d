// Command historygen fills an event-history store with a synthetic but
// realistic CloudTrail management-event history, through historydb.Apply, and
// reports the ingest rate.
//
//	go run ./bench/historygen -dir DIR -events 10000000 -days 90
//
// The store goes to DIR/history (where the server keeps it) and sample
// values for lookupbench to DIR/history-bench.json. With -append, events
// are added after the store's cursor (the samples file is left alone); use
// it with an -end past the existing history to measure ingest into a large
// store.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/cairn-audit/cairn/bench/historygen/synth"
	"github.com/cairn-audit/cairn/internal/event"
	"github.com/cairn-audit/cairn/internal/fsutil"
	"github.com/cairn-audit/cairn/internal/historydb"
)

func main() {
	dir := flag.String("dir", "", "data directory (the store goes to DIR/history)")
	events := flag.Int("events", 1_000_000, "number of events")
	days := flag.Int("days", 90, "days of history")
	batch := flag.Int("batch", 50_000, "entries per Apply")
	gens := flag.Int("gen", 1, "generator goroutines")
	appendMode := flag.Bool("append", false, "add to a non-empty store")
	seed := flag.Uint64("seed", 1, "random seed")
	endFlag := flag.String("end", "2025-06-01T00:00:00Z", "time of the newest event (RFC 3339)")
	memory := flag.String("memory", historydb.DefaultMemoryLimit, "DuckDB memory_limit")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile here")
	flag.Parse()
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			log.Fatal(err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			log.Fatal(err)
		}
		defer pprof.StopCPUProfile()
	}
	if *dir == "" || *events <= 0 || *days <= 0 || *batch <= 0 || *gens <= 0 {
		flag.Usage()
		os.Exit(2)
	}
	end, err := time.Parse(time.RFC3339, *endFlag)
	if err != nil {
		log.Fatalf("-end: %v", err)
	}
	if err := run(*dir, *events, *days, *batch, *gens, *seed, end, *memory, *appendMode); err != nil {
		pprof.StopCPUProfile()
		log.Fatal(err)
	}
}

func run(dir string, events, days, batch, gens int, seed uint64, end time.Time, memory string, appendMode bool) error {
	ctx := context.Background()
	opts := historydb.DefaultOptions()
	opts.Dir = filepath.Join(dir, "history")
	opts.MemoryLimit = memory
	h, err := historydb.Open(opts)
	if err != nil {
		return err
	}
	first, err := h.Cursor(ctx)
	if err != nil || (first != 0 && !appendMode) {
		h.Close()
		return fmt.Errorf("store in %s is not empty (cursor %d, %v); use -append", opts.Dir, first, err)
	}
	w := synth.NewWorld(seed)
	tr := synth.NewTracker(w.Regions[0], seed)
	span := time.Duration(days) * 24 * time.Hour
	start := end.Add(-span)
	batches := (events + batch - 1) / batch

	// Generators produce batches round-robin; the applier consumes in order.
	outs := make([]chan []event.Entry, gens)
	for i := range outs {
		outs[i] = make(chan []event.Entry, 2)
		go func(i int) {
			defer close(outs[i])
			for b := i; b < batches; b += gens {
				g := synth.NewGenerator(w, seed+first, uint64(b))
				n := min(batch, events-b*batch)
				es := make([]event.Entry, n)
				for j := range es {
					idx := b*batch + j
					t := start.Add(time.Duration(float64(span) * float64(idx) / float64(events))).Truncate(time.Second)
					es[j] = g.Event(first+uint64(idx+1), t)
				}
				outs[i] <- es
			}
		}(i)
	}

	began := time.Now()
	var applying time.Duration
	var recordBytes int64
	for b := 0; b < batches; b++ {
		es := <-outs[b%gens]
		tr.Observe(es)
		for i := range es {
			recordBytes += int64(len(es[i].Record))
		}
		t := time.Now()
		if err := h.Apply(ctx, es, es[len(es)-1].Seq); err != nil {
			h.Close()
			return err
		}
		applying += time.Since(t)
		if done := (b + 1) * batch; done%1_000_000 < batch || b == batches-1 {
			fmt.Printf("%10d events  %6.1fs  apply-only %8.0f ev/s  end-to-end %8.0f ev/s\n", min(done, events),
				time.Since(began).Seconds(), float64(min(done, events))/applying.Seconds(), float64(min(done, events))/time.Since(began).Seconds())
		}
	}
	total := time.Since(began)
	t := time.Now()
	if err := h.Close(); err != nil {
		return err
	}
	closing := time.Since(t)
	size := dirSize(opts.Dir)
	fmt.Printf("\nevents %d over %d days, batches of %d\n", events, days, batch)
	fmt.Printf("wall %.1fs (%.0f ev/s end-to-end), Apply %.1fs (%.0f ev/s), close+checkpoint %.1fs\n",
		total.Seconds(), float64(events)/total.Seconds(), applying.Seconds(), float64(events)/applying.Seconds(), closing.Seconds())
	fmt.Printf("average record %d bytes, store on disk %.2f GiB (%.0f bytes/event)\n",
		recordBytes/int64(events), float64(size)/(1<<30), float64(size)/float64(events))
	fmt.Printf("process peak RSS %s (generator included)\n", peakRSS())

	if appendMode {
		return nil
	}
	s := tr.Samples(w.Account)
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	path := filepath.Join(dir, synth.SamplesFile)
	if err := fsutil.WriteFileAtomic(path, b, 0o644); err != nil {
		return err
	}
	fmt.Printf("samples in %s; e.g.\n", path)
	for _, attr := range []string{"EventName", "Username", "AccessKeyId", "ResourceName", "EventId"} {
		if c := s.Common[attr]; len(c) > 0 {
			fmt.Printf("  common %-12s %q (%d events)\n", attr, c[0].Value, c[0].Count)
		}
		if r := s.Rare[attr]; len(r) > 0 {
			fmt.Printf("  rare   %-12s %q (%d events)\n", attr, r[0].Value, r[0].Count)
		}
	}
	return nil
}

// peakRSS is VmHWM from /proc/self/status.
func peakRSS() string {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return err.Error()
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmHWM:") {
			return strings.Join(strings.Fields(line)[1:], " ")
		}
	}
	return "?"
}

func dirSize(dir string) int64 {
	var n int64
	filepath.Walk(dir, func(_ string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			n += fi.Size()
		}
		return nil
	})
	return n
}
