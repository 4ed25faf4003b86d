package node

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/cairn-audit/cairn/internal/channel"
	"github.com/cairn-audit/cairn/internal/lake"
)

// lakeParts is the Lake on its engine: what the API serves (lake.Lake) and
// what runs behind it.
type lakeParts struct {
	lake     *lake.Lake
	ingester *lake.Ingester
	stores   *lake.Stores
	closers  []func() error
}

// openLake opens the event data store definitions, queries and imports on
// the backends' engine, and the ingest consumer following the main and
// audit-event streams.
func openLake(ctx context.Context, cfg Config, b *Backends, channels *channel.Store, logger *slog.Logger) (_ *lakeParts, err error) {
	d := DataDir(cfg.DataDir)
	p := &lakeParts{}
	defer func() {
		if err != nil {
			err = errors.Join(err, p.close())
		}
	}()
	p.stores, err = lake.OpenStores(d.Lake("stores"), lake.StoresOptions{AuditDurable: b.AuditDurable})
	if err != nil {
		return nil, fmt.Errorf("open event data stores: %w", err)
	}
	p.closers = append(p.closers, p.stores.Close)
	queries, err := lake.NewQueries(lake.QueriesOptions{Dir: d.Lake("queries"), Engine: b.Lake, Stores: p.stores,
		Buckets: b.Objects, Logger: logger, Timeout: cfg.Lake.QueryTimeout, Workers: cfg.Lake.QueryWorkers})
	if err != nil {
		return nil, fmt.Errorf("open lake queries: %w", err)
	}
	p.closers = append(p.closers, queries.Close)
	imports, err := lake.NewImports(lake.ImportsOptions{Dir: d.Lake("imports"), Engine: b.Lake, Stores: p.stores,
		Buckets: b.Objects, Logger: logger})
	if err != nil {
		return nil, fmt.Errorf("open lake imports: %w", err)
	}
	p.closers = append(p.closers, imports.Close)
	p.stores.SetOngoingImport(imports.Ongoing)
	p.lake = &lake.Lake{Engine: b.Lake, Stores: p.stores, Queries: queries, Imports: imports}
	p.ingester, err = lake.NewIngester(ctx, lake.IngesterOptions{Engine: b.Lake, Catalog: p.stores, Journal: b.Events,
		Audit: b.AuditEvents, Channels: lake.ChannelStoreRoutes{Store: channels}, Logger: logger})
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
		lake.RunRetention(ctx, p.lake.Engine, p.stores, p.stores, lake.DefaultRetentionCheck, time.Now, logger)
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
