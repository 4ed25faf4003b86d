package node

import (
	"context"
	"sync"
	"time"

	"github.com/cairn-audit/cairn/internal/delivery"
	"github.com/cairn-audit/cairn/internal/history"
	"github.com/cairn-audit/cairn/internal/stream"
)

// openConsumers builds the consumers of the settled event stream that the
// services read: the history indexer and trail delivery with digests (the
// Lake's ingester is opened with the Lake, openLake).
func (n *Node) openConsumers(ctx context.Context) error {
	cfg, b := n.cfg, n.b
	var err error
	if n.indexer, err = history.NewIndexer(ctx, b.Events, b.History, history.IndexerOptions{Logger: n.logger}); err != nil {
		return err
	}
	n.deliver, err = delivery.New(b.Events, n.trails, b.Objects, delivery.Options{
		Dir: DataDir(cfg.DataDir).Delivery(), Interval: cfg.DeliveryInterval, SNSTopics: cfg.SNSTopics, NotifyTimeout: cfg.NotifyTimeout, Logger: n.logger,
		DigestInterval: cfg.DigestInterval, Signer: b.DigestKeys, Anchor: b.Anchor,
	})
	return err
}

// runBackground starts, on wg until ctx ends, the consumers, history
// retention, the gateway's and the failed authentications' background
// work, the Lake's, and the stream's retention.
func (n *Node) runBackground(ctx context.Context, wg *sync.WaitGroup) {
	logger := n.logger
	wg.Go(func() {
		if err := n.indexer.Run(ctx); err != nil {
			logger.Error("history indexer stopped", "err", err)
		}
	})
	wg.Go(func() {
		history.RunRetention(ctx, n.b.History, n.cfg.Retention, history.DefaultRetentionCheck, time.Now, logger)
	})
	wg.Go(func() {
		if err := n.deliver.Run(ctx); err != nil {
			logger.Error("trail delivery stopped", "err", err)
		}
	})
	if n.gw != nil {
		wg.Go(func() { n.gw.Run(ctx) })
	}
	wg.Go(func() { n.authFailures.Run(ctx) }) // at shutdown, records what is left before the journal closes
	n.lake.run(ctx, wg, logger)
	// Retention: what every registered consumer (history, each trail, the Lake) is done with.
	wg.Go(func() { n.b.Events.RunRetention(ctx, stream.RetentionOptions{Every: JournalTrimEvery, Logger: logger}) })
}
