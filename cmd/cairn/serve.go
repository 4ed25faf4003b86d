package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/cairn-audit/cairn/internal/api"
	"github.com/cairn-audit/cairn/internal/auth"
	"github.com/cairn-audit/cairn/internal/channel"
	"github.com/cairn-audit/cairn/internal/cloudtrail"
	"github.com/cairn-audit/cairn/internal/cloudtraildata"
	"github.com/cairn-audit/cairn/internal/delivery"
	"github.com/cairn-audit/cairn/internal/digest"
	"github.com/cairn-audit/cairn/internal/gateway"
	"github.com/cairn-audit/cairn/internal/history"
	"github.com/cairn-audit/cairn/internal/iam"
	"github.com/cairn-audit/cairn/internal/identity"
	"github.com/cairn-audit/cairn/internal/journal"
	"github.com/cairn-audit/cairn/internal/outbound"
	"github.com/cairn-audit/cairn/internal/recorder"
	"github.com/cairn-audit/cairn/internal/s3api"
	"github.com/cairn-audit/cairn/internal/server"
	"github.com/cairn-audit/cairn/internal/store"
	"github.com/cairn-audit/cairn/internal/stream"
	"github.com/cairn-audit/cairn/internal/sts"
	"github.com/cairn-audit/cairn/internal/trail"
)

// journalTrimEvery is how often journal segments every consumer has passed are deleted.
const journalTrimEvery = time.Minute

type serveFlags struct {
	listen, data, region string
	regions              string
	retention            time.Duration
	lookupRate           float64
	tlsCert, tlsKey      string
	logLevel             string
	debugListen          string
	deliveryInterval     time.Duration
	digestInterval       time.Duration
	keyRotation          time.Duration
	digests              digestFlags
	storage              storageFlags
	snsTopics            topicFlag
	upstreams            upstreamFlag
	upstreamDeadlines    deadlineFlags
	notifyTimeout        time.Duration
	upstreamPassthrough  bool
	lake                 lakeFlags
}

func runServe(args []string) error {
	var f serveFlags
	fl := flag.NewFlagSet("serve", flag.ContinueOnError)
	fl.StringVar(&f.listen, "listen", DefaultListen, "address to listen on")
	fl.StringVar(&f.data, "data", DefaultData, "data directory")
	fl.StringVar(&f.region, "region", DefaultRegion, "region printed in the export lines")
	fl.StringVar(&f.regions, "regions", "", "comma-separated region names accepted in SigV4 scopes besides the AWS partitions' (and --region); see docs/AUTH.md")
	f.retention = cloudtrail.DefaultRetention
	fl.Var(daysDuration{&f.retention}, "retention", "Event history retention, e.g. 90d or 2160h")
	fl.Float64Var(&f.lookupRate, "lookup-rate-limit", 0, "LookupEvents calls per second per account and region (0 = unlimited; AWS allows 2)")
	fl.StringVar(&f.tlsCert, "tls-cert", "", "PEM certificate: serve HTTPS (with --tls-key)")
	fl.StringVar(&f.tlsKey, "tls-key", "", "PEM private key for --tls-cert")
	fl.StringVar(&f.logLevel, "log-level", "info", "debug, info, warn or error")
	fl.StringVar(&f.debugListen, "debug-listen", "", "serve Go pprof profiles on this address (e.g. 127.0.0.1:6060); off by default")
	fl.DurationVar(&f.deliveryInterval, "delivery-interval", delivery.DefaultInterval, "how often trails deliver log files (at least 1s; AWS: about 5m)")
	fl.DurationVar(&f.digestInterval, "digest-interval", delivery.DefaultDigestInterval, "how often trails with log file validation write a digest per region (at least 1s; AWS: 1h)")
	f.keyRotation = digest.DefaultRotation
	fl.Var(daysDuration{&f.keyRotation}, "key-rotation", "how long a region's digest signing key signs before a new one takes over, e.g. 30d")
	f.digests.register(fl)
	f.storage.register(fl)
	f.lake.register(fl)
	f.snsTopics = topicFlag{}
	fl.Var(f.snsTopics, "sns-topic", "NAME=URL: trails naming SNS topic NAME announce delivered files by POSTing SNS notifications to URL (repeatable)")
	f.upstreams = upstreamFlag{}
	fl.Var(f.upstreams, "upstream", "[SERVICE=]URL: forward (and record) calls to SERVICE, or to every service Cairn does not serve, to this AWS-compatible endpoint (repeatable)")
	f.upstreamDeadlines.register(fl, "upstream", "an --upstream", deadlineFlags{gateway.DefaultDialTimeout, gateway.DefaultResponseHeaderTimeout, outbound.DefaultStallTimeout})
	fl.DurationVar(&f.notifyTimeout, "sns-timeout", delivery.DefaultNotifyTimeout, "deadline of one --sns-topic notification POST, connect to answer")
	fl.BoolVar(&f.upstreamPassthrough, "upstream-passthrough-unknown-keys", false, "forward, unverified, gateway calls signed with access keys Cairn does not know (recorded as passthrough calls of an Unknown identity); off: they are refused")
	if err := fl.Parse(args); err != nil {
		return err
	}
	if f.deliveryInterval < delivery.MinInterval {
		return fmt.Errorf("--delivery-interval must be at least %s", delivery.MinInterval)
	}
	if f.digestInterval < delivery.MinDigestInterval {
		return fmt.Errorf("--digest-interval must be at least %s", delivery.MinDigestInterval)
	}
	if (f.tlsCert == "") != (f.tlsKey == "") {
		return errors.New("--tls-cert and --tls-key go together")
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(f.logLevel)); err != nil {
		return fmt.Errorf("--log-level: %w", err)
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return serve(ctx, f, logger)
}

func serve(ctx context.Context, f serveFlags, logger *slog.Logger) error {
	d := dataDir(f.data)
	if err := os.MkdirAll(f.data, 0o700); err != nil {
		return fmt.Errorf("create data dir: %w", err)
	}
	ids, err := identity.Open(d.identity())
	if err != nil {
		return fmt.Errorf("open identity store: %w", err)
	}
	creds, created, err := ids.Bootstrap(os.Getenv("CAIRN_ACCOUNT_ID"), os.Getenv("CAIRN_ACCESS_KEY_ID"), os.Getenv("CAIRN_SECRET_ACCESS_KEY"))
	if err != nil {
		return fmt.Errorf("bootstrap account: %w", err)
	}
	if created {
		if err := d.writeCredentials(creds, f.region); err != nil {
			return err
		}
		logger.Info("created account", "account", creds.AccountID, "credentials", d.credentials())
	}
	tokenKey, err := d.secretKey("lookup-token.key", 32)
	if err != nil {
		return err
	}

	hist, err := store.Open(store.Options{Dir: d.history(), Logger: logger})
	if err != nil {
		return fmt.Errorf("open history store: %w", err)
	}
	defer hist.Close()
	cursor, err := hist.Cursor(ctx)
	if err != nil {
		return fmt.Errorf("history cursor: %w", err)
	}
	jopts := journal.DefaultOptions()
	jopts.FirstSeq, jopts.Logger = cursor+1, logger
	jnl, err := journal.Open(d.journal(), jopts)
	if err != nil {
		return fmt.Errorf("open journal: %w", err)
	}
	defer jnl.Close()
	// Every consumer reads the settled stream of the journal (docs/STREAM.md).
	settled, err := stream.Open(jnl)
	if err != nil {
		return err
	}
	indexer, err := history.NewIndexer(ctx, settled, hist, history.IndexerOptions{Logger: logger})
	if err != nil {
		return err
	}
	trails, err := trail.Open(d.trails(), trail.Options{})
	if err != nil {
		return fmt.Errorf("open trail store: %w", err)
	}
	defer trails.Close()
	if up, ok := f.upstreams["s3"]; ok && f.storage.embedded() {
		// S3 goes upstream, so the trail buckets live there too; Cairn's
		// root keys sign by default (an upstream sharing Cairn's keys).
		f.storage.endpoint = up
		f.storage.fallbackKey, f.storage.fallbackSecret = creds.AccessKeyID, creds.SecretAccessKey
	}
	objects, closeObjects, err := f.storage.open(ctx, d, logger)
	if err != nil {
		return err
	}
	defer closeObjects()
	keys, err := f.digests.openDigestKeys(d, f.data, f.keyRotation, logger)
	if err != nil {
		return err
	}
	anchorSink, err := f.digests.openAnchor(ctx, f.data, f.storage, logger)
	if err != nil {
		return err
	}
	if anchorSink != nil {
		defer anchorSink.Close()
	}
	deliver, err := delivery.New(settled, trails, objects, delivery.Options{
		Dir: d.delivery(), Interval: f.deliveryInterval, SNSTopics: f.snsTopics, NotifyTimeout: f.notifyTimeout, Logger: logger,
		DigestInterval: f.digestInterval, Signer: keys, Anchor: anchorSink,
	})
	if err != nil {
		return err
	}
	// Lake channels, and the stream their PutAuditEvents events are stored in
	// (its own journal, never trimmed, kept for the Lake: see docs/CHANNELS.md).
	channels, err := channel.Open(d.channels(), channel.Options{Logger: logger})
	if err != nil {
		return fmt.Errorf("open channel store: %w", err)
	}
	defer channels.Close()
	auditEvents, err := journal.Open(d.auditEvents(), journal.Options{Logger: logger})
	if err != nil {
		return fmt.Errorf("open audit event journal: %w", err)
	}
	defer auditEvents.Close()
	ctData, err := cloudtraildata.New(cloudtraildata.Options{Channels: channels, Stream: auditEvents, Logger: logger})
	if err != nil {
		return err
	}
	lk, err := openLake(ctx, d, f.lake, settled, auditEvents, channels, objects, logger)
	if err != nil {
		return err
	}
	ctData.SetStoreRetention(func(ref string) (int, bool) { // eventTime bounds (docs/CHANNELS.md)
		st, ok := lk.stores.Get(ref)
		return st.RetentionPeriod, ok
	})
	ctData.SetStoreEventSize(func(ref string) (int, bool) { // MaxEventSize (docs/CLOUDTRAIL.md)
		st, ok := lk.stores.Get(ref)
		return st.MaxEventBytes(), ok
	})
	defer func() {
		if cerr := lk.close(); cerr != nil {
			logger.Error("close lake", "err", cerr)
		}
	}()
	ct, err := cloudtrail.New(cloudtrail.Options{
		Store: hist, Index: indexer, TokenKey: tokenKey,
		Retention: f.retention, LookupRateLimit: f.lookupRate, Logger: logger,
		Trails: trails, Buckets: objects, Status: deliver, SNSTopics: f.snsTopics, Keys: keys, Channels: channels, Lake: lk.lake,
	})
	if err != nil {
		return err
	}
	services := []api.Service{ct, ctData, iam.New(ids), sts.New()}
	var s3svc *s3api.Service // nil with external S3: no S3 API, so no staged S3 calls
	if f.storage.embedded() {
		s3svc = s3api.New(objects, s3api.Options{UploadDir: d.s3Uploads(), Logger: logger})
		services = append(services, s3svc)
	}
	rec := recorder.New(jnl, nil)
	if err := settleInterrupted(ctx, settled, rec, storeOwners(recoveryStores{ids: ids, trails: trails, objects: objects, channels: channels, lake: lk.lake, s3: s3svc}), logger); err != nil {
		return err
	}
	aopts := auth.DefaultOptions()
	if aopts.ExtraRegions, err = auth.ParseRegions(f.regions + "," + f.region); err != nil {
		return fmt.Errorf("--regions/--region: %w", err)
	}
	authFailures := server.NewAuthFailures(rec, server.AuthFailureOptions{Logger: logger})
	sopts := server.Options{
		Verifier: auth.NewVerifier(auth.FromIdentity(ids), aopts),
		Recorder: rec,
		Services: services,
		Logger:   logger,
	}
	sopts.AuthFailures = authFailures
	gw, err := f.upstreams.open(d, sopts, creds.AccountID, f.upstreamPassthrough, f.upstreamDeadlines, logger)
	if err != nil {
		return err
	}
	if gw != nil {
		sopts.Gateway = gw
	}
	front := server.New(sopts)
	if gw != nil {
		gw.SetAuthFailed(front.AuthFailed) // the gateway's failed authentications take the front door's path
	}

	ln, err := net.Listen("tcp", f.listen)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	scheme := "http"
	srv := &http.Server{Handler: front, ReadHeaderTimeout: 30 * time.Second, ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelWarn)}
	if f.tlsCert != "" {
		cert, err := tls.LoadX509KeyPair(f.tlsCert, f.tlsKey)
		if err != nil {
			return fmt.Errorf("load TLS key pair: %w", err)
		}
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		ln = tls.NewListener(ln, srv.TLSConfig)
		scheme = "https"
	}
	endpoint := scheme + "://" + ln.Addr().String()
	if err := writeFileAtomic(d.endpoint(), []byte(endpoint+"\n"), 0o644); err != nil {
		return err
	}

	if f.debugListen != "" {
		dbg := &http.Server{Addr: f.debugListen, Handler: pprofMux(), ReadHeaderTimeout: 10 * time.Second}
		go func() {
			if err := dbg.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
				logger.Error("debug listener failed", "err", err)
			}
		}()
		defer dbg.Close()
	}

	bg, cancelBG := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() {
		if err := indexer.Run(bg); err != nil {
			logger.Error("history indexer stopped", "err", err)
		}
	})
	wg.Go(func() { history.RunRetention(bg, hist, f.retention, history.DefaultRetentionCheck, time.Now, logger) })
	wg.Go(func() {
		if err := deliver.Run(bg); err != nil {
			logger.Error("trail delivery stopped", "err", err)
		}
	})
	if gw != nil {
		wg.Go(func() { gw.Run(bg) })
	}
	wg.Go(func() { authFailures.Run(bg) }) // at shutdown, records what is left before the journal closes
	lk.run(bg, &wg, logger)
	// Retention: what every registered consumer (history, each trail, the Lake) is done with.
	wg.Go(func() { settled.RunRetention(bg, stream.RetentionOptions{Every: journalTrimEvery, Logger: logger}) })

	fmt.Print(banner{Endpoint: endpoint, Account: creds.AccountID, Data: f.data, AccessKeyID: creds.AccessKeyID, Secret: creds.SecretAccessKey,
		Region: f.region, Upstreams: f.upstreams, S3Endpoint: f.storage.endpoint}) // banner.go
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err = <-errc:
	case <-ctx.Done():
		logger.Info("shutting down")
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err = srv.Shutdown(sctx)
		cancel()
	}
	cancelBG()
	wg.Wait()
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// daysDuration is a flag accepting Go durations and whole days ("90d").
type daysDuration struct{ d *time.Duration }

// String shows whole days as days ("90d"), as the flag is usually given.
func (v daysDuration) String() string {
	if v.d == nil || *v.d == 0 {
		return ""
	}
	if day := 24 * time.Hour; *v.d%day == 0 {
		return strconv.FormatInt(int64(*v.d/day), 10) + "d"
	}
	return v.d.String()
}

func (v daysDuration) Set(s string) error {
	if n, ok := strings.CutSuffix(s, "d"); ok {
		days, err := strconv.Atoi(n)
		if err != nil || days <= 0 {
			return fmt.Errorf("invalid number of days %q", s)
		}
		*v.d = time.Duration(days) * 24 * time.Hour
		return nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return fmt.Errorf("invalid duration %q", s)
	}
	*v.d = d
	return nil
}
