package node

import (
	"context"
	"fmt"

	"github.com/cairn-audit/cairn/internal/api"
	"github.com/cairn-audit/cairn/internal/channel"
	"github.com/cairn-audit/cairn/internal/cloudtrail"
	"github.com/cairn-audit/cairn/internal/cloudtraildata"
	"github.com/cairn-audit/cairn/internal/iam"
	"github.com/cairn-audit/cairn/internal/s3api"
	"github.com/cairn-audit/cairn/internal/sts"
	"github.com/cairn-audit/cairn/internal/trail"
)

// openState opens the node's state stores under the data dir: trails,
// channels, and the Lake's definitions, queries and imports.
func (n *Node) openState(ctx context.Context) error {
	d := DataDir(n.cfg.DataDir)
	var err error
	if n.trails, err = trail.Open(d.Trails(), trail.Options{}); err != nil {
		return fmt.Errorf("open trail store: %w", err)
	}
	n.onClose(n.trails.Close)
	if n.channels, err = channel.Open(d.Channels(), channel.Options{Logger: n.logger}); err != nil {
		return fmt.Errorf("open channel store: %w", err)
	}
	n.onClose(n.channels.Close)
	if n.lake, err = openLake(ctx, n.cfg, n.b, n.channels, n.logger); err != nil {
		return err
	}
	n.onClose(n.lake.close)
	return nil
}

// services builds the APIs the front door serves: CloudTrail,
// CloudTrail Data, IAM, STS and, with the embedded bucket store, S3.
// The consumers (history indexer, delivery) must exist: CloudTrail reads
// their progress.
func (n *Node) services() ([]api.Service, error) {
	logger := n.logger
	cfg, b := n.cfg, n.b
	ctData, err := cloudtraildata.New(cloudtraildata.Options{Channels: n.channels, Stream: b.AuditLog, Logger: logger})
	if err != nil {
		return nil, err
	}
	stores := n.lake.stores
	ctData.SetStoreRetention(func(ref string) (int, bool) { // eventTime bounds (docs/CHANNELS.md)
		st, ok := stores.Get(ref)
		return st.RetentionPeriod, ok
	})
	ctData.SetStoreEventSize(func(ref string) (int, bool) { // MaxEventSize (docs/CLOUDTRAIL.md)
		st, ok := stores.Get(ref)
		return st.MaxEventBytes(), ok
	})
	ct, err := cloudtrail.New(cloudtrail.Options{
		Store: b.History, Index: n.indexer, TokenKey: b.TokenKey,
		Retention: cfg.Retention, LookupRateLimit: cfg.LookupRateLimit, Logger: logger,
		Trails: n.trails, Buckets: b.Objects, Status: n.deliver, SNSTopics: cfg.SNSTopics, Keys: b.DigestKeys, Channels: n.channels, Lake: n.lake.lake,
	})
	if err != nil {
		return nil, err
	}
	services := []api.Service{ct, ctData, iam.New(b.Identity), sts.New()}
	if cfg.S3.Embedded() { // external S3: no S3 API, so no staged S3 calls
		n.s3 = s3api.New(b.Objects, s3api.Options{UploadDir: DataDir(cfg.DataDir).S3Uploads(), Logger: logger})
		services = append(services, n.s3)
	}
	return services, nil
}
