// Command lake benchmarks the CloudTrail Lake engine (lakedb.DB): it
// appends N synthetic CloudTrail events (~1 KB records over 90 days) to one
// event data store and reports the append rate, times two queries through
// Engine.Run, then answers the same two questions the "Athena way" — plain
// DuckDB reading trail-style gzip JSON log files — and prints the ratio.
//
//	go run ./bench/lake -events 10000000
//
// The data goes to -dir (a temporary directory by default, removed at the
// end unless -keep).
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"syscall"
	"time"

	"github.com/cairn-audit/cairn/bench/historygen/synth"
	"github.com/cairn-audit/cairn/internal/lake"
	"github.com/cairn-audit/cairn/internal/lakedb"
)

// storeID is the benchmark's event data store.
const storeID = "0b7e5c1a-3f2d-4e8b-9a6c-1d2e3f4a5b6c"

type config struct {
	dir        string
	keep       bool
	spec       spec
	runs       int
	athenaRuns int
	skipAthena bool
	memory     string
	cpuprofile string
}

func main() {
	var c config
	events := flag.Int("events", 1_000_000, "number of events")
	days := flag.Int("days", 90, "days of history, ending now")
	batch := flag.Int("batch", 100_000, "events per Append")
	seed := flag.Uint64("seed", 1, "random seed")
	flag.StringVar(&c.dir, "dir", "", "data directory (default: a temporary directory)")
	flag.BoolVar(&c.keep, "keep", false, "keep the data directory")
	flag.IntVar(&c.runs, "runs", 5, "runs of each Lake query (the median is reported)")
	flag.IntVar(&c.athenaRuns, "athena-runs", 3, "runs of each Athena-path query")
	flag.BoolVar(&c.skipAthena, "skip-athena", false, "skip the trail-file comparison")
	flag.StringVar(&c.memory, "memory", lakedb.DefaultMemoryLimit, "DuckDB memory_limit of the Lake")
	flag.StringVar(&c.cpuprofile, "cpuprofile", "", "write a CPU profile of the append phase here")
	flag.Parse()
	if *events <= 0 || *days <= 0 || *batch <= 0 || c.runs <= 0 || c.athenaRuns <= 0 {
		flag.Usage()
		os.Exit(2)
	}
	end := time.Now().UTC().Truncate(time.Second)
	c.spec = spec{events: *events, batch: *batch, seed: *seed, end: end,
		start: end.Add(-time.Duration(*days) * 24 * time.Hour), world: synth.NewWorld(*seed)}
	if err := run(c); err != nil {
		log.Fatal(err)
	}
}

func run(c config) error {
	if c.dir == "" {
		d, err := os.MkdirTemp("", "lakebench")
		if err != nil {
			return err
		}
		c.dir = d
	}
	if !c.keep {
		defer os.RemoveAll(c.dir)
	}
	fmt.Printf("lake bench: %d events over %s..%s, batches of %d, %d CPUs, data in %s\n",
		c.spec.events, c.spec.start.Format(time.DateOnly), c.spec.end.Format(time.DateOnly), c.spec.batch, runtime.NumCPU(), c.dir)
	opts := lakedb.DefaultOptions()
	opts.Dir = filepath.Join(c.dir, "lake")
	opts.MemoryLimit = c.memory
	opts.Logger = slog.New(slog.DiscardHandler)
	l, err := lakedb.Open(opts)
	if err != nil {
		return err
	}
	defer l.Close()
	if err := appendAll(c, l); err != nil {
		return err
	}
	bucket, err := pickBucket(l)
	if err != nil {
		return err
	}
	qs := questions(bucket)
	lakeTimes := make([]time.Duration, len(qs))
	for i, q := range qs {
		if lakeTimes[i], err = timeLake(l, q, c.runs); err != nil {
			return err
		}
	}
	if c.skipAthena {
		return nil
	}
	files := filepath.Join(c.dir, "trail")
	if err := writeTrailFiles(c, files); err != nil {
		return err
	}
	fmt.Printf("\n%-44s %12s %12s %8s\n", "question", "Lake", "Athena path", "ratio")
	for i, q := range qs {
		at, err := timeAthena(files, q, c)
		if err != nil {
			return err
		}
		fmt.Printf("%-44s %12s %12s %7.0fx\n", q.name, lakeTimes[i].Round(time.Millisecond), at.Round(time.Millisecond),
			float64(at)/float64(lakeTimes[i]))
	}
	return nil
}

// appendAll appends every event, reporting the rates.
func appendAll(c config, l *lakedb.DB) error {
	if c.cpuprofile != "" {
		f, err := os.Create(c.cpuprofile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	ctx := context.Background()
	began := time.Now()
	var appending, cpu time.Duration
	var done, recordBytes int64
	rows := make([]lake.Row, 0, c.spec.batch)
	// Batches are generated between Appends, not alongside: on a small
	// machine a concurrent generator would take the cores DuckDB appends with.
	for b := range c.spec.batches() {
		es := c.spec.genBatch(b)
		rows = rows[:0]
		for _, e := range es {
			rows = append(rows, lake.Row{Store: storeID, Time: e.Meta.Time, EventID: e.Meta.EventID, Record: e.Record})
			recordBytes += int64(len(e.Record))
		}
		t, cpu0 := time.Now(), cpuTime()
		if err := l.Append(ctx, rows, map[string]uint64{lake.CursorJournal: es[len(es)-1].Seq}); err != nil {
			return err
		}
		appending += time.Since(t)
		cpu += cpuTime() - cpu0
		done += int64(len(es))
		if done%1_000_000 < int64(c.spec.batch) || done == int64(c.spec.events) {
			fmt.Printf("%10d events  %6.1fs  append-only %8.0f ev/s  end-to-end %8.0f ev/s\n", done, time.Since(began).Seconds(),
				float64(done)/appending.Seconds(), float64(done)/time.Since(began).Seconds())
		}
	}
	fmt.Printf("append: %.0f events/s (Append calls only; %.0f including generation), %.1f µs CPU per event, average record %d bytes, lake on disk %.2f GiB\n",
		float64(done)/appending.Seconds(), float64(done)/time.Since(began).Seconds(), float64(cpu.Microseconds())/float64(done),
		recordBytes/done, float64(dirSize(filepath.Join(c.dir, "lake")))/(1<<30))
	return nil
}

// question is one benchmark question, asked of the Lake in its SQL and of
// the trail files in plain DuckDB over the parsed records r.
type question struct {
	name   string
	lake   string
	athena string // reads FROM records, a relation of one column r
	recent bool   // only the last 7 days: the Athena path reads only those days' files
}

func questions(bucket string) []question {
	return []question{
		{
			name:   "count by eventName",
			lake:   "SELECT eventName, count(*) FROM " + storeID + " GROUP BY eventName",
			athena: "SELECT r.eventName, count(*) FROM records GROUP BY 1",
		},
		{
			name: "bucketName filter, last 7 days",
			lake: "SELECT eventName, count(*) FROM " + storeID + " WHERE eventTime > now() - interval '7' day AND requestParameters.bucketName = '" +
				bucket + "' GROUP BY eventName",
			athena: "SELECT r.eventName, count(*) FROM records WHERE CAST(r.eventTime AS TIMESTAMP) > CAST(now() AS TIMESTAMP) - INTERVAL 7 DAY" +
				" AND json_extract_string(r.requestParameters, '$.bucketName') = '" + bucket + "' GROUP BY 1",
			recent: true,
		},
		{
			// A pattern is not prefiltered: every record of the week is parsed.
			name: "bucketName pattern, last 7 days",
			lake: "SELECT eventName, count(*) FROM " + storeID + " WHERE eventTime > now() - interval '7' day AND requestParameters.bucketName LIKE '" +
				bucket[:len(bucket)-3] + "%' GROUP BY eventName",
			athena: "SELECT r.eventName, count(*) FROM records WHERE CAST(r.eventTime AS TIMESTAMP) > CAST(now() AS TIMESTAMP) - INTERVAL 7 DAY" +
				" AND json_extract_string(r.requestParameters, '$.bucketName') LIKE '" + bucket[:len(bucket)-3] + "%' GROUP BY 1",
			recent: true,
		},
	}
}

// pickBucket finds an S3 bucket with events in the last 7 days, the 5th
// busiest.
func pickBucket(l *lakedb.DB) (string, error) {
	var w rowsWriter
	_, err := l.Run(context.Background(), lake.Query{
		SQL: "SELECT requestParameters.bucketName AS b, count(*) AS n FROM " + storeID +
			" WHERE eventSource = 's3.amazonaws.com' AND eventTime > now() - interval '7' day AND requestParameters.bucketName IS NOT NULL" +
			" GROUP BY 1 ORDER BY 2 DESC LIMIT 1 OFFSET 4",
		Stores: map[string]lake.Scope{storeID: {}},
	}, &w)
	if err != nil {
		return "", err
	}
	if len(w.rows) == 0 {
		return "", fmt.Errorf("no S3 bucket in the last 7 days")
	}
	fmt.Printf("bucket %s: %s events in the last 7 days\n", w.rows[0][0].S, w.rows[0][1].S)
	return w.rows[0][0].S, nil
}

// timeLake runs q through Engine.Run and returns the median time.
func timeLake(l *lakedb.DB, q question, runs int) (time.Duration, error) {
	var times []time.Duration
	var w rowsWriter
	var st lake.QueryStats
	for range runs {
		w = rowsWriter{}
		t := time.Now()
		var err error
		st, err = l.Run(context.Background(), lake.Query{SQL: q.lake, Stores: map[string]lake.Scope{storeID: {}}}, &w)
		if err != nil {
			return 0, fmt.Errorf("%s: %w", q.name, err)
		}
		times = append(times, time.Since(t))
	}
	m := median(times)
	fmt.Printf("lake %-36s median %8s of %d (min %s max %s), %d rows, scanned %d events %.2f GiB, matched %d\n", q.name,
		m.Round(time.Millisecond), runs, slices.Min(times).Round(time.Millisecond), slices.Max(times).Round(time.Millisecond),
		len(w.rows), st.EventsScanned, float64(st.BytesScanned)/(1<<30), st.EventsMatched)
	return m, nil
}

type rowsWriter struct {
	cols []string
	rows [][]lake.Value
}

func (w *rowsWriter) Columns(names []string) error { w.cols = names; return nil }
func (w *rowsWriter) Row(v []lake.Value) error     { w.rows = append(w.rows, slices.Clone(v)); return nil }

// cpuTime is the process's user and system CPU time so far (every thread,
// DuckDB's included).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
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
