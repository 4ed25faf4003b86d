package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"

	"github.com/cairn-audit/cairn/internal/bucket"
	"github.com/cairn-audit/cairn/internal/lake"
	"github.com/cairn-audit/cairn/internal/lakeproc"
)

// logsTable is the table cairn query --logs loads the log files into.
const logsTable = "logs"

// Defaults of cairn query --logs.
const (
	defaultLogReaders = 8      // log files read at once
	logBatch          = 10_000 // rows per Engine.Import
)

// errEnoughRows stops a --logs query once --max-rows rows are printed.
var errEnoughRows = errors.New("enough rows")

// queryLogs runs sql over the trail log files under f.logs: they are read
// into an in-memory Lake as the store "logs" (events repeated across files
// are kept once), then the statement runs there. Files that cannot be read
// are reported on stderr after the results, and fail the command.
func queryLogs(ctx context.Context, f queryFlags, sql string, w resultWriter, stderr io.Writer, p *queryProgress) (err error) {
	conn := connection{region: f.region}
	if f.s3Endpoint == "" {
		if conn, err = validateConnection(f.data, f.endpoint); err != nil {
			return err
		}
		if f.region != "" {
			conn.region = f.region
		}
	}
	if conn.region == "" {
		conn.region = DefaultRegion
	}
	st, err := validateStore(ctx, validateFlags{s3Endpoint: f.s3Endpoint, s3Region: f.s3Region, s3Key: f.s3Key, s3Pass: f.s3Pass}, conn, conn.region)
	if err != nil {
		return err
	}
	// The in-memory Lake runs in a child process bounded like the server's
	// (see internal/lakeproc): a statement cannot take this machine's memory.
	opts := lakeproc.DefaultOptions()
	opts.Lake.Logger, opts.Logger = slog.New(slog.DiscardHandler), slog.New(slog.DiscardHandler)
	eng, err := lakeproc.Start(opts)
	if err != nil {
		return fmt.Errorf("open an in-memory Lake: %w", err)
	}
	defer func() {
		if cerr := eng.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("close the in-memory Lake: %w", cerr)
		}
	}()
	load, err := loadLogs(ctx, st, f.logs, eng, f.parallel, p)
	if err != nil {
		return err
	}
	p.clear()
	if err := runLogsQuery(ctx, eng, sql, f.maxRows, w); err != nil {
		return err
	}
	if load.skipped > 0 {
		fmt.Fprintf(stderr, "note: %d records without an eventID or a valid eventTime were left out\n", load.skipped)
	}
	for _, msg := range load.failed {
		fmt.Fprintln(stderr, "cairn query:", msg)
	}
	if len(load.failed) > 0 {
		return fmt.Errorf("%d of %d log files could not be read (fully); the results leave out what could not be read", len(load.failed), load.files)
	}
	return nil
}

// logLoad is what loadLogs read.
type logLoad struct {
	files, done, events, skipped int64
	failed                       []string // why files could not be read
}

type logFile struct{ bucket, key string }

// loadLogs reads the log files under uri into eng's store "logs", parallel
// at a time. A file that cannot be read is recorded in failed; an error of
// the engine (or ctx) stops the load.
func loadLogs(ctx context.Context, st bucket.Store, uri string, eng lake.Engine, parallel int, p *queryProgress) (logLoad, error) {
	var load logLoad
	var files []logFile
	err := lake.ListLogFiles(ctx, st, uri, func(b, key string) error {
		files = append(files, logFile{b, key})
		return nil
	})
	if err != nil {
		return load, fmt.Errorf("list the log files under %s: %w", uri, err)
	}
	load.files = int64(len(files))
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	jobs := make(chan logFile)
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range max(parallel, 1) {
		wg.Go(func() {
			for lf := range jobs {
				events, skipped, fileErr, fatal := loadLogFile(ctx, st, eng, lf)
				mu.Lock()
				load.done++
				load.events += events
				load.skipped += skipped
				if fileErr != nil {
					load.failed = append(load.failed, fileErr.Error())
				}
				if fatal != nil {
					cancel(fatal)
				}
				p.show(fmt.Sprintf("reading log files: %d/%d, %s events", load.done, load.files, groupDigits(load.events)))
				mu.Unlock()
			}
		})
	}
feed:
	for _, lf := range files {
		select {
		case jobs <- lf:
		case <-ctx.Done():
			break feed
		}
	}
	close(jobs)
	wg.Wait()
	if err := context.Cause(ctx); err != nil {
		return load, err
	}
	return load, nil
}

// loadLogFile reads one log file into eng. fileErr is a problem of the
// file; fatal one of the engine or ctx.
func loadLogFile(ctx context.Context, st bucket.Store, eng lake.Engine, lf logFile) (events, skipped int64, fileErr, fatal error) {
	loc := "s3://" + lf.bucket + "/" + lf.key
	body, _, err := st.Get(ctx, lf.bucket, lf.key, nil)
	if err != nil {
		if ctx.Err() != nil {
			return 0, 0, nil, ctx.Err()
		}
		return 0, 0, fmt.Errorf("read %s: %w", loc, err), nil
	}
	defer body.Close()
	var engineErr error
	n, err := lake.ReadLogFile(body, logsTable, logBatch, func(rows []lake.Row) error {
		stored, err := eng.Import(ctx, logsTable, rows)
		events += int64(stored)
		if err != nil {
			engineErr = fmt.Errorf("load the events of %s into the in-memory Lake: %w", loc, err)
		}
		return engineErr
	})
	skipped = int64(n)
	switch {
	case engineErr != nil:
		return events, skipped, nil, engineErr
	case err != nil && ctx.Err() != nil:
		return events, skipped, nil, ctx.Err()
	case err != nil:
		return events, skipped, fmt.Errorf("%s: %w", loc, err), nil
	}
	return events, skipped, nil, nil
}

// runLogsQuery runs sql over the store "logs" and prints at most maxRows
// rows (0 for all).
func runLogsQuery(ctx context.Context, eng lake.Engine, sql string, maxRows int, w resultWriter) error {
	ew := &engineWriter{w: w, max: maxRows}
	_, err := eng.Run(ctx, lake.Query{SQL: sql, Stores: map[string]lake.Scope{logsTable: {}}}, ew)
	switch {
	case errors.Is(err, errEnoughRows):
	case errors.Is(err, lake.ErrInvalidQuery):
		return fmt.Errorf("InvalidQueryStatementException: %w", err)
	case err != nil:
		return fmt.Errorf("query the log files: %w", err)
	}
	if err := w.Finish(); err != nil {
		return fmt.Errorf("print results: %w", err)
	}
	return nil
}

// engineWriter passes an engine's results to a resultWriter, stopping
// after max rows (0 for no limit).
type engineWriter struct {
	w      resultWriter
	max, n int
}

func (e *engineWriter) Columns(names []string) error { return e.w.Columns(names) }

func (e *engineWriter) Row(values []lake.Value) error {
	if e.max > 0 && e.n >= e.max {
		return errEnoughRows
	}
	e.n++
	cells := make([]cell, len(values))
	for i, v := range values {
		cells[i] = cell{s: v.S, null: v.Null}
	}
	return e.w.Row(cells)
}
