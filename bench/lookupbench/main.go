// Command lookupbench measures LookupEvents queries against a history store
// built by bench/historygen: per-class latency percentiles (sequential),
// then throughput from concurrent clients, then the process RSS.
//
//	go run ./bench/lookupbench -dir DIR [-impl store|naive]
//
// -impl naive measures the single-table baseline (internal/historydb/naive),
// building it from DIR/history into DIR/naive first if needed.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cairn-audit/cairn/bench/historygen/synth"
	"github.com/cairn-audit/cairn/internal/event"
	"github.com/cairn-audit/cairn/internal/historydb"
	"github.com/cairn-audit/cairn/internal/historydb/naive"
)

type looker interface {
	Lookup(ctx context.Context, q historydb.Query) ([]event.Entry, error)
	Close() error
}

func main() {
	dir := flag.String("dir", "", "data directory given to historygen")
	impl := flag.String("impl", "store", "store or naive")
	runs := flag.Int("n", 200, "sequential runs per class")
	warm := flag.Int("warm", 10, "unmeasured warm-up runs per class")
	clients := flag.Int("c", 8, "concurrent clients")
	dur := flag.Duration("d", 10*time.Second, "concurrent phase duration")
	limit := flag.Int("limit", 50, "page size")
	only := flag.String("only", "", "run only classes whose name contains this")
	memory := flag.String("memory", historydb.DefaultMemoryLimit, "DuckDB memory_limit")
	threads := flag.Int("threads", historydb.DefaultThreads, "DuckDB threads")
	ingest := flag.Int("ingest", 0, "during the concurrent phase, also Apply this many new events/s (store only; adds events after the history)")
	ingestBatch := flag.Int("ingest-batch", 1000, "entries per Apply for -ingest")
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
	if *dir == "" {
		flag.Usage()
		os.Exit(2)
	}
	ing := ingestSpec{rate: *ingest, batch: *ingestBatch}
	if err := run(*dir, *impl, *runs, *warm, *clients, *dur, *limit, *only, *memory, *threads, ing); err != nil {
		pprof.StopCPUProfile()
		log.Fatal(err)
	}
}

func run(dir, impl string, runs, warm, clients int, dur time.Duration, limit int, only, memory string, threads int, ing ingestSpec) error {
	ctx := context.Background()
	s, err := synth.Load(filepath.Join(dir, synth.SamplesFile))
	if err != nil {
		return err
	}
	t := time.Now()
	var db looker
	switch impl {
	case "store":
		opts := historydb.DefaultOptions()
		opts.Dir, opts.MemoryLimit, opts.Threads = filepath.Join(dir, "history"), memory, threads
		h, err := historydb.Open(opts)
		if err != nil {
			return err
		}
		db = h
	case "naive":
		nd := filepath.Join(dir, "naive")
		if _, err := os.Stat(filepath.Join(nd, "naive.duckdb")); err != nil {
			fmt.Println("building naive baseline ...")
			bt := time.Now()
			if err := naive.Build(ctx, filepath.Join(dir, "history"), nd, memory, threads); err != nil {
				return err
			}
			fmt.Printf("built in %.1fs\n", time.Since(bt).Seconds())
		}
		b, err := naive.Open(nd, memory, threads)
		if err != nil {
			return err
		}
		db = b
	default:
		return fmt.Errorf("unknown -impl %q", impl)
	}
	defer db.Close()
	fmt.Printf("%s: %d events %s .. %s, open %.2fs, memory_limit %s, threads %d, limit %d\n",
		impl, s.Events, s.First.Format(time.DateOnly), s.Last.Format(time.DateOnly), time.Since(t).Seconds(), memory, threads, limit)

	var cs []class
	for _, c := range classes(s, limit) {
		if strings.Contains(c.name, only) {
			cs = append(cs, c)
		}
	}
	if runs > 0 {
		if err := sequential(ctx, db, cs, runs, warm); err != nil {
			return err
		}
		fmt.Printf("\nRSS after sequential phase: %s\n", rss())
	}
	if (clients > 0 || ing.rate > 0) && dur > 0 {
		stop := func() error { return nil }
		if ing.rate > 0 {
			h, ok := db.(*historydb.History)
			if !ok {
				return fmt.Errorf("-ingest needs -impl store")
			}
			stop = startIngest(ctx, h, s, ing)
		}
		err := concurrent(ctx, db, cs, clients, dur)
		if err := errors.Join(err, stop()); err != nil {
			return err
		}
	}
	fmt.Printf("RSS at end: %s\n", rss())
	return nil
}

// sequential runs each class runs times, one lookup at a time.
func sequential(ctx context.Context, db looker, cs []class, runs, warm int) error {
	fmt.Printf("\n%-34s %6s %9s %9s %9s %7s\n", "class (sequential)", "runs", "p50 ms", "p99 ms", "max ms", "rows")
	for _, c := range cs {
		for i := 0; i < warm; i++ {
			if _, err := db.Lookup(ctx, c.queries[i%len(c.queries)]); err != nil {
				return fmt.Errorf("%s: %w", c.name, err)
			}
		}
		lat := make([]time.Duration, 0, runs)
		rows := 0
		for i := 0; i < runs; i++ {
			t := time.Now()
			got, err := db.Lookup(ctx, c.queries[i%len(c.queries)])
			if err != nil {
				return fmt.Errorf("%s: %w", c.name, err)
			}
			lat = append(lat, time.Since(t))
			rows += len(got)
		}
		p50, p99, mx := percentiles(lat)
		fmt.Printf("%-34s %6d %9.2f %9.2f %9.2f %7.1f\n", c.name, runs, ms(p50), ms(p99), ms(mx), float64(rows)/float64(runs))
	}
	return nil
}

// concurrent runs clients goroutines, each cycling through every class.
func concurrent(ctx context.Context, db looker, cs []class, clients int, dur time.Duration) error {
	if clients == 0 {
		time.Sleep(dur)
		return nil
	}
	var total atomic.Int64
	var mu sync.Mutex
	var all []time.Duration
	var firstErr error
	deadline := time.Now().Add(dur)
	var wg sync.WaitGroup
	for g := 0; g < clients; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			var lat []time.Duration
			for i := g; time.Now().Before(deadline); i++ {
				c := cs[i%len(cs)]
				q := c.queries[(i/len(cs))%len(c.queries)]
				t := time.Now()
				if _, err := db.Lookup(ctx, q); err != nil {
					mu.Lock()
					firstErr = fmt.Errorf("%s: %w", c.name, err)
					mu.Unlock()
					return
				}
				lat = append(lat, time.Since(t))
				total.Add(1)
			}
			mu.Lock()
			all = append(all, lat...)
			mu.Unlock()
		}(g)
	}
	start := time.Now()
	wg.Wait()
	el := time.Since(start)
	if firstErr != nil {
		return firstErr
	}
	p50, p99, mx := percentiles(all)
	fmt.Printf("\nconcurrent: %d clients, %d classes round-robin: %d lookups in %.1fs = %.1f lookups/s, p50 %.2f ms, p99 %.2f ms, max %.2f ms\n",
		clients, len(cs), total.Load(), el.Seconds(), float64(total.Load())/el.Seconds(), ms(p50), ms(p99), ms(mx))
	return nil
}

func percentiles(d []time.Duration) (p50, p99, max time.Duration) {
	if len(d) == 0 {
		return 0, 0, 0
	}
	slices.Sort(d)
	idx := func(p float64) time.Duration { return d[min(len(d)-1, int(p*float64(len(d))))] }
	return idx(0.50), idx(0.99), d[len(d)-1]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// rss reports VmHWM (peak) and VmRSS from /proc/self/status, and the Go
// heap's share.
func rss() string {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return procStatus() + fmt.Sprintf(", Go heap in use %d MB", ms.HeapInuse>>20)
}

func procStatus() string {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return err.Error()
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "VmHWM:") || strings.HasPrefix(line, "VmRSS:") {
			out = append(out, strings.Join(strings.Fields(line), " "))
		}
	}
	return strings.Join(out, ", ")
}
