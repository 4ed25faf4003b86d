package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/cairn-audit/cairn/internal/event"
)

// trailFileBytes is the uncompressed size at which a log file is cut.
const trailFileBytes = 5 << 20

// trailFile is one log file to write.
type trailFile struct {
	path string
	body []byte
}

// writeTrailFiles writes the same events as a trail would deliver them:
// gzip JSON files of {"Records":[...]} under
// AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/, one region and day per
// file, each cut at ~5 MB uncompressed.
func writeTrailFiles(c config, dir string) error {
	began := time.Now()
	files := make(chan trailFile, 4)
	var wg sync.WaitGroup
	errs := make(chan error, runtime.NumCPU())
	var written, compressed int64
	var mu sync.Mutex
	for range runtime.NumCPU() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var buf bytes.Buffer
			for f := range files {
				buf.Reset()
				zw, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed) // a valid level never fails
				if _, err := zw.Write(f.body); err != nil {
					errs <- err
					return
				}
				if err := zw.Close(); err != nil {
					errs <- err
					return
				}
				if err := os.MkdirAll(filepath.Dir(f.path), 0o755); err != nil {
					errs <- err
					return
				}
				if err := os.WriteFile(f.path, buf.Bytes(), 0o644); err != nil {
					errs <- err
					return
				}
				mu.Lock()
				written++
				compressed += int64(buf.Len())
				mu.Unlock()
			}
		}()
	}
	w := &trailWriter{dir: dir, account: c.spec.world.Account, files: files, open: map[string]*openFile{}}
	for es := range c.spec.stream() {
		for _, e := range es {
			w.add(e)
		}
	}
	w.flushAll()
	close(files)
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return fmt.Errorf("write trail files: %w", err)
	}
	fmt.Printf("\ntrail files: %d files, %.2f GiB gzip, written in %.0fs\n", written, float64(compressed)/(1<<30), time.Since(began).Seconds())
	return nil
}

// trailWriter cuts the event stream into log files.
type trailWriter struct {
	dir, account string
	files        chan<- trailFile
	open         map[string]*openFile // by region
	seq          int
}

// openFile is a region's log file being filled.
type openFile struct {
	day  time.Time
	body []byte
	n    int
}

// add appends e to its region's file, cutting the file at a new day or at
// trailFileBytes.
func (w *trailWriter) add(e event.Entry) {
	region := e.Meta.Region
	day := e.Meta.Time.UTC().Truncate(24 * time.Hour)
	o := w.open[region]
	if o == nil {
		o = &openFile{}
		w.open[region] = o
	}
	if o.n > 0 && (!o.day.Equal(day) || len(o.body) >= trailFileBytes) {
		w.flush(region, o)
	}
	if o.n == 0 {
		o.day = day
		o.body = append(make([]byte, 0, trailFileBytes+64<<10), `{"Records":[`...)
	} else {
		o.body = append(o.body, ',')
	}
	o.body = append(o.body, e.Record...)
	o.n++
}

func (w *trailWriter) flush(region string, o *openFile) {
	if o.n == 0 {
		return
	}
	o.body = append(o.body, "]}"...)
	w.seq++
	name := fmt.Sprintf("%s_CloudTrail_%s_%sT0000Z_%08x.json.gz", w.account, region, o.day.Format("20060102"), w.seq)
	w.files <- trailFile{path: filepath.Join(w.dir, "AWSLogs", w.account, "CloudTrail", region, o.day.Format("2006/01/02"), name), body: o.body}
	o.body, o.n = nil, 0
}

func (w *trailWriter) flushAll() {
	for region, o := range w.open {
		w.flush(region, o)
	}
}

// recordsColumns is the schema the Athena path declares for the files (as
// an Athena CloudTrail table does), narrowed to what the questions read.
const recordsColumns = `{'Records': 'STRUCT(eventTime VARCHAR, eventName VARCHAR, requestParameters JSON)[]'}`

// timeAthena answers q with a plain, unlocked in-memory DuckDB reading the
// trail files (read_json, unnesting Records), the median of c.athenaRuns.
// A question about the last 7 days reads only the day folders of the last
// 8 days, as an Athena table partitioned by date would.
func timeAthena(dir string, q question, c config) (time.Duration, error) {
	// store links go-duckdb, which registers the "duckdb" driver.
	db, err := sql.Open("duckdb", fmt.Sprintf("?threads=%d", runtime.NumCPU()))
	if err != nil {
		return 0, err
	}
	defer db.Close()
	src := sqlQuote(filepath.Join(dir, "AWSLogs", "*", "CloudTrail", "*", "*", "*", "*", "*.json.gz"))
	if q.recent {
		var list []string
		for d := c.spec.end.Add(-8 * 24 * time.Hour); !d.After(c.spec.end); d = d.Add(24 * time.Hour) {
			m, err := filepath.Glob(filepath.Join(dir, "AWSLogs", "*", "CloudTrail", "*", d.Format("2006/01/02"), "*.json.gz"))
			if err != nil {
				return 0, err
			}
			for _, f := range m {
				list = append(list, sqlQuote(f))
			}
		}
		src = "[" + strings.Join(list, ", ") + "]"
	}
	ctx := context.Background()
	view := "CREATE VIEW records AS SELECT unnest(Records) AS r FROM read_json(" + src +
		", columns = " + recordsColumns + ", maximum_object_size = 67108864)"
	if _, err := db.ExecContext(ctx, view); err != nil {
		return 0, fmt.Errorf("athena path: %w", err)
	}
	var times []time.Duration
	var n int
	for range c.athenaRuns {
		t := time.Now()
		rows, err := db.QueryContext(ctx, q.athena)
		if err != nil {
			return 0, fmt.Errorf("athena path %s: %w", q.name, err)
		}
		n = 0
		for rows.Next() {
			n++
		}
		if err := rows.Err(); err != nil {
			return 0, fmt.Errorf("athena path %s: %w", q.name, err)
		}
		rows.Close()
		times = append(times, time.Since(t))
	}
	m := median(times)
	fmt.Printf("athena path %-29s median %8s of %d (min %s max %s), %d rows\n", q.name, m.Round(time.Millisecond), c.athenaRuns,
		slices.Min(times).Round(time.Millisecond), slices.Max(times).Round(time.Millisecond), n)
	return m, nil
}

func sqlQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
