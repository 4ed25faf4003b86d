package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"sync"
	"time"

	objstore "github.com/cairn-audit/cairn/internal/bucket"
	"github.com/cairn-audit/cairn/internal/channel"
	"github.com/cairn-audit/cairn/internal/journal"
	"github.com/cairn-audit/cairn/internal/lake"
	"github.com/cairn-audit/cairn/internal/lakedb"
	"github.com/cairn-audit/cairn/internal/lakeproc"
	"github.com/cairn-audit/cairn/internal/stream"
)

// lakeFlags are the serve flags of the Lake.
type lakeFlags struct {
	memoryLimit  string
	memoryMargin string
	queryTimeout time.Duration
	queryWorkers int
}

func (f *lakeFlags) register(fl *flag.FlagSet) {
	fl.StringVar(&f.memoryLimit, "lake-memory-limit", lakedb.DefaultMemoryLimit, "memory the Lake's SQL engine may use (DuckDB memory_limit, e.g. 2GB); the engine process is bounded to it plus --lake-memory-margin")
	fl.StringVar(&f.memoryMargin, "lake-memory-margin", fmt.Sprintf("%dMiB", lakeproc.DefaultMargin>>20), "address space the Lake's engine process may use beyond --lake-memory-limit (see docs/LAKE.md, Limits)")
	fl.DurationVar(&f.queryTimeout, "query-timeout", lake.DefaultQueryTimeout, "Lake queries running longer are stopped (TIMED_OUT)")
	fl.IntVar(&f.queryWorkers, "query-workers", lake.DefaultQueryWorkers, "Lake queries run at once; more wait QUEUED")
}

// lakeParts is the running Lake: what the API serves and what runs behind it.
type lakeParts struct {
	lake     *lake.Lake
	ingester *lake.Ingester
	engine   *lakeproc.Engine
	stores   *lake.Stores
	closers  []func() error
}

// openLake opens the Lake's engine, store definitions, queries and imports,
// and the ingest consumer following the main and audit-event journals.
func openLake(ctx context.Context, d dataDir, f lakeFlags, jnl lake.Stream, audit *journal.Journal, channels *channel.Store,
	objects objstore.Store, logger *slog.Logger) (_ *lakeParts, err error) {
	p := &lakeParts{}
	defer func() {
		if err != nil {
			err = errors.Join(err, p.close())
		}
	}()
	margin, err := lakeproc.ParseSize(f.memoryMargin)
	if err != nil {
		return nil, fmt.Errorf("--lake-memory-margin: %w", err)
	}
	if _, err := lakeproc.ParseSize(f.memoryLimit); err != nil {
		return nil, fmt.Errorf("--lake-memory-limit: %w", err)
	}
	// The engine runs in a child process bounded to the memory limit plus
	// the margin: a statement cannot take the server's memory, and one that
	// does not stop when cancelled is stopped with its process.
	opts := lakeproc.DefaultOptions()
	opts.Lake.Dir, opts.Lake.MemoryLimit, opts.Lake.Logger = d.lake("engine"), f.memoryLimit, logger
	opts.Margin, opts.Logger = margin, logger
	p.engine, err = lakeproc.Start(opts)
	if err != nil {
		return nil, fmt.Errorf("open lake engine: %w", err)
	}
	p.closers = append(p.closers, p.engine.Close)
	p.stores, err = lake.OpenStores(d.lake("stores"), lake.StoresOptions{AuditDurable: audit.Durable})
	if err != nil {
		return nil, fmt.Errorf("open event data stores: %w", err)
	}
	p.closers = append(p.closers, p.stores.Close)
	queries, err := lake.NewQueries(lake.QueriesOptions{Dir: d.lake("queries"), Engine: p.engine, Stores: p.stores,
		Buckets: objects, Logger: logger, Timeout: f.queryTimeout, Workers: f.queryWorkers})
	if err != nil {
		return nil, fmt.Errorf("open lake queries: %w", err)
	}
	p.closers = append(p.closers, queries.Close)
	imports, err := lake.NewImports(lake.ImportsOptions{Dir: d.lake("imports"), Engine: p.engine, Stores: p.stores,
		Buckets: objects, Logger: logger})
	if err != nil {
		return nil, fmt.Errorf("open lake imports: %w", err)
	}
	p.closers = append(p.closers, imports.Close)
	p.stores.SetOngoingImport(imports.Ongoing)
	p.lake = &lake.Lake{Engine: p.engine, Stores: p.stores, Queries: queries, Imports: imports}
	auditStream, err := stream.Open(audit)
	if err != nil {
		return nil, fmt.Errorf("audit event stream: %w", err)
	}
	p.ingester, err = lake.NewIngester(ctx, lake.IngesterOptions{Engine: p.engine, Catalog: p.stores, Journal: jnl,
		Audit: auditStream, Channels: lake.ChannelStoreRoutes{Store: channels}, Logger: logger})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// run starts the Lake's background work on wg until ctx ends.
func (p *lakeParts) run(ctx context.Context, wg *sync.WaitGroup, logger *slog.Logger) {
	wg.Go(func() {
		if err := p.ingester.Run(ctx); err != nil {
			logger.Error("lake ingest stopped", "err", err)
		}
	})
	wg.Go(func() {
		if err := p.lake.Queries.Run(ctx); err != nil {
			logger.Error("lake queries stopped", "err", err)
		}
	})
	wg.Go(func() {
		if err := p.lake.Imports.Run(ctx); err != nil {
			logger.Error("lake imports stopped", "err", err)
		}
	})
	wg.Go(func() {
		lake.RunRetention(ctx, p.engine, p.stores, p.stores, lake.DefaultRetentionCheck, time.Now, logger)
	})
}

// close closes what openLake opened, newest first.
func (p *lakeParts) close() error {
	var errs []error
	for i := len(p.closers) - 1; i >= 0; i-- {
		errs = append(errs, p.closers[i]())
	}
	p.closers = nil
	return errors.Join(errs...)
}
