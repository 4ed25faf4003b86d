package node

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"

	"github.com/cairn-audit/cairn/internal/anchor"
	"github.com/cairn-audit/cairn/internal/bucket"
	"github.com/cairn-audit/cairn/internal/bucket/file"
	s3store "github.com/cairn-audit/cairn/internal/bucket/s3"
	"github.com/cairn-audit/cairn/internal/digest"
	"github.com/cairn-audit/cairn/internal/historydb"
	"github.com/cairn-audit/cairn/internal/identity"
	"github.com/cairn-audit/cairn/internal/journal"
	"github.com/cairn-audit/cairn/internal/lakeproc"
	"github.com/cairn-audit/cairn/internal/outbound"
	"github.com/cairn-audit/cairn/internal/stream"
)

// OpenLocal opens the single-process backends of cfg's data dir: the
// identity store, the history store, the journal read through the settled
// view (internal/stream), the PutAuditEvents journal, the Lake's engine in
// its bounded child process, the embedded bucket store or an external S3,
// the digest keys and the anchor. cfg must be resolved (Config.Resolve).
func OpenLocal(ctx context.Context, cfg Config, logger *slog.Logger) (_ *Backends, err error) {
	b := &Backends{}
	defer func() {
		if err != nil {
			err = errors.Join(err, b.Close())
		}
	}()
	d := DataDir(cfg.DataDir)
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("create data dir: %w", err)
	}
	if err := b.openKeys(cfg, d, logger); err != nil {
		return nil, err
	}
	if err := b.openStreams(ctx, d, logger); err != nil {
		return nil, err
	}
	if b.Objects, err = openObjects(ctx, cfg.S3, b.Root, d, logger); err != nil {
		return nil, err
	}
	if c, ok := b.Objects.(interface{ Close() error }); ok {
		b.onClose(c.Close)
	}
	if b.DigestKeys, err = openDigestKeys(cfg.Digests, d, logger); err != nil {
		return nil, err
	}
	if b.Anchor, err = openAnchor(ctx, cfg, logger); err != nil {
		return nil, err
	}
	if b.Anchor != nil {
		b.onClose(b.Anchor.Close)
	}
	// The engine runs in a child process bounded to the memory limit plus
	// the margin: a statement cannot take the server's memory, and one that
	// does not stop when cancelled is stopped with its process.
	opts := lakeproc.DefaultOptions()
	opts.Lake.Dir, opts.Lake.MemoryLimit, opts.Lake.Logger = d.Lake("engine"), cfg.Lake.MemoryLimit, logger
	opts.Margin, opts.Logger = cfg.Lake.Margin, logger
	engine, err := lakeproc.Start(opts)
	if err != nil {
		return nil, fmt.Errorf("open lake engine: %w", err)
	}
	b.Lake = engine
	b.onClose(engine.Close)
	return b, nil
}

// openKeys opens the identity store (bootstrapping the root account and its
// credentials file on a new data dir) and the lookup token key.
func (b *Backends) openKeys(cfg Config, d DataDir, logger *slog.Logger) error {
	ids, err := identity.Open(d.Identity())
	if err != nil {
		return fmt.Errorf("open identity store: %w", err)
	}
	b.Identity = ids
	b.onClose(ids.Close)
	creds, created, err := ids.Bootstrap(cfg.Account, cfg.AccessKeyID, cfg.SecretAccessKey)
	if err != nil {
		return fmt.Errorf("bootstrap account: %w", err)
	}
	b.Root = creds
	if created {
		if err := d.WriteCredentials(creds, cfg.Region); err != nil {
			return err
		}
		logger.Info("created account", "account", creds.AccountID, "credentials", d.Credentials())
	}
	b.TokenKey, err = d.SecretKey("lookup-token.key", 32)
	return err
}

// openStreams opens the history store, the journal starting after what
// history holds, its settled stream, and the PutAuditEvents journal (its
// own journal, never trimmed, kept for the Lake: docs/CHANNELS.md).
func (b *Backends) openStreams(ctx context.Context, d DataDir, logger *slog.Logger) error {
	hist, err := historydb.Open(historydb.Options{Dir: d.History(), Logger: logger})
	if err != nil {
		return fmt.Errorf("open history store: %w", err)
	}
	b.History = hist
	b.onClose(hist.Close)
	cursor, err := hist.Cursor(ctx)
	if err != nil {
		return fmt.Errorf("history cursor: %w", err)
	}
	jopts := journal.DefaultOptions()
	jopts.FirstSeq, jopts.Logger = cursor+1, logger
	jnl, err := journal.Open(d.Journal(), jopts)
	if err != nil {
		return fmt.Errorf("open journal: %w", err)
	}
	b.onClose(jnl.Close)
	// Every consumer reads the settled stream of the journal (docs/STREAM.md).
	settled, err := stream.Open(jnl)
	if err != nil {
		return err
	}
	b.Log, b.Events = jnl, settled
	audit, err := journal.Open(d.AuditEvents(), journal.Options{Logger: logger})
	if err != nil {
		return fmt.Errorf("open audit event journal: %w", err)
	}
	b.onClose(audit.Close)
	auditStream, err := stream.Open(audit)
	if err != nil {
		return fmt.Errorf("audit event stream: %w", err)
	}
	b.AuditLog, b.AuditEvents, b.AuditDurable = audit, auditStream, audit.Durable
	return nil
}

// openObjects opens the embedded bucket store or the external S3.
func openObjects(ctx context.Context, s S3Config, root identity.Credentials, d DataDir, logger *slog.Logger) (bucket.Store, error) {
	if s.Embedded() {
		st, err := file.Open(d.Buckets(), file.Options{Logger: logger})
		if err != nil {
			return nil, fmt.Errorf("open embedded bucket store: %w", err)
		}
		return st, nil
	}
	ak, sk := s.AccessKeyID, s.SecretAccessKey
	if ak == "" && sk == "" && s.RootKeys {
		ak, sk = root.AccessKeyID, root.SecretAccessKey
	}
	if ak == "" || sk == "" {
		return nil, errors.New("--s3-endpoint needs credentials: --s3-access-key-id/--s3-secret-access-key or $CAIRN_S3_ACCESS_KEY_ID/$CAIRN_S3_SECRET_ACCESS_KEY")
	}
	st, err := s3store.New(ctx, s3store.Options{Endpoint: s.Endpoint, Region: s.Region, AccessKeyID: ak, SecretAccessKey: sk, PathStyle: s.PathStyle, VirtualHostStyle: !s.PathStyle,
		Outbound: outbound.Options{DialTimeout: s.Deadlines.Connect, TLSHandshakeTimeout: s.Deadlines.Connect,
			ResponseHeaderTimeout: s.Deadlines.Header, StallTimeout: s.Deadlines.Stall},
		OperationTimeout: s.OperationTimeout})
	if err != nil {
		return nil, fmt.Errorf("external S3 %s: %w", s.Endpoint, err)
	}
	return st, nil
}

// openDigestKeys opens the keyring, encrypted under the KEK if one is given.
func openDigestKeys(c DigestConfig, d DataDir, logger *slog.Logger) (*digest.Keyring, error) {
	keys, err := digest.OpenKeyring(d.DigestKeys(), digest.KeyringOptions{Rotation: c.KeyRotation, KEK: c.KEK})
	if err != nil {
		if errors.Is(err, digest.ErrWrongKEK) {
			return nil, fmt.Errorf("open digest signing keys with the key-encryption key from %s: %w", c.KEKFrom, err)
		}
		return nil, fmt.Errorf("open digest signing keys: %w", err)
	}
	switch {
	case c.KEK == nil:
		logger.Warn("digest signing keys are stored unprotected: whoever can read the data dir can re-sign digests; pass --key-encryption-key-file (see docs/DIGESTS.md)", "dir", d.DigestKeys())
	case keys.Migrated() > 0:
		logger.Info("encrypted plaintext digest signing keys", "keys", keys.Migrated(), "kek", digest.KEKID(c.KEK), "from", c.KEKFrom)
	default:
		logger.Info("digest signing keys encrypted at rest", "kek", digest.KEKID(c.KEK), "from", c.KEKFrom)
	}
	return keys, nil
}

// openAnchor opens the anchor sink (nil without one).
func openAnchor(ctx context.Context, cfg Config, logger *slog.Logger) (anchor.Sink, error) {
	c := cfg.Digests
	if c.Anchor == "" {
		logger.Warn("no --anchor: a rewrite of digest history by whoever controls the host and bucket is not detectable (see docs/DIGESTS.md)")
		return nil, nil
	}
	sink, err := anchor.Open(ctx, c.Anchor, anchor.Options{Endpoint: cfg.S3.Endpoint, Region: cfg.S3.Region,
		AccessKeyID: c.AnchorAccessKeyID, SecretAccessKey: c.AnchorSecretAccessKey})
	if err != nil {
		return nil, fmt.Errorf("--anchor: %w", err)
	}
	if s3, ok := sink.(*anchor.S3); ok {
		switch known, locked, unreadable := s3.Lock(); {
		case !known:
			logger.Warn("the anchor bucket cannot be reached yet; digests wait for it (see LatestDigestDeliveryError)", "anchor", sink.Describe())
		case unreadable:
			logger.Info("cannot read the anchor bucket's Object Lock configuration (write-only credentials): its default retention applies", "anchor", sink.Describe())
		case !locked:
			logger.Warn("the anchor bucket has no Object Lock: whoever holds its credentials can delete anchors", "anchor", sink.Describe())
		}
	}
	logger.Info("anchoring digests", "anchor", sink.Describe())
	return sink, nil
}
