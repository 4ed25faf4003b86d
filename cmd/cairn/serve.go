package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/cairn-audit/cairn/internal/node"
)

// serveFlags are the serve flags: they parse straight into a node.Config.
type serveFlags struct {
	cfg      node.Config
	logLevel string
}

func (f *serveFlags) register(fl *flag.FlagSet) {
	c := &f.cfg
	fl.StringVar(&c.Listen, "listen", c.Listen, "address to listen on")
	fl.StringVar(&c.DataDir, "data", c.DataDir, "data directory")
	fl.StringVar(&c.Region, "region", c.Region, "region printed in the export lines")
	fl.StringVar(&c.Regions, "regions", "", "comma-separated region names accepted in SigV4 scopes besides the AWS partitions' (and --region); see docs/AUTH.md")
	fl.Var(daysDuration{&c.Retention}, "retention", "Event history retention, e.g. 90d or 2160h")
	fl.Float64Var(&c.LookupRateLimit, "lookup-rate-limit", 0, "LookupEvents calls per second per account and region (0 = unlimited; AWS allows 2)")
	fl.StringVar(&c.TLSCert, "tls-cert", "", "PEM certificate: serve HTTPS (with --tls-key)")
	fl.StringVar(&c.TLSKey, "tls-key", "", "PEM private key for --tls-cert")
	fl.StringVar(&f.logLevel, "log-level", "info", "debug, info, warn or error")
	fl.StringVar(&c.DebugListen, "debug-listen", "", "serve Go pprof profiles on this address (e.g. 127.0.0.1:6060); off by default")
	fl.DurationVar(&c.DeliveryInterval, "delivery-interval", c.DeliveryInterval, "how often trails deliver log files (at least 1s; AWS: about 5m)")
	fl.DurationVar(&c.DigestInterval, "digest-interval", c.DigestInterval, "how often trails with log file validation write a digest per region (at least 1s; AWS: 1h)")
	registerDigests(fl, &c.Digests)
	registerS3(fl, &c.S3)
	registerLake(fl, &c.Lake)
	fl.Var(topicFlag(c.SNSTopics), "sns-topic", "NAME=URL: trails naming SNS topic NAME announce delivered files by POSTing SNS notifications to URL (repeatable)")
	fl.Var(upstreamFlag(c.Upstreams), "upstream", "[SERVICE=]URL: forward (and record) calls to SERVICE, or to every service Cairn does not serve, to this AWS-compatible endpoint (repeatable)")
	registerDeadlines(fl, &c.UpstreamDeadlines, "upstream", "an --upstream")
	fl.DurationVar(&c.NotifyTimeout, "sns-timeout", c.NotifyTimeout, "deadline of one --sns-topic notification POST, connect to answer")
	fl.BoolVar(&c.UpstreamPassthrough, "upstream-passthrough-unknown-keys", false, "forward, unverified, gateway calls signed with access keys Cairn does not know (recorded as passthrough calls of an Unknown identity); off: they are refused")
}

func runServe(args []string) error {
	f := serveFlags{cfg: node.DefaultConfig()}
	fl := flag.NewFlagSet("serve", flag.ContinueOnError)
	fl.Usage = func() {
		fmt.Fprint(fl.Output(), "usage: cairn serve [flags]\n\nRuns Cairn in the foreground: the AWS-compatible endpoint (CloudTrail, IAM, STS,\nthe embedded S3, PutAuditEvents), event history, trail delivery and the Lake,\nwith everything kept under --data. See README.md and docs/ARCHITECTURE.md.\n\nflags:\n")
		fl.PrintDefaults()
	}
	f.register(fl)
	if err := fl.Parse(args); err != nil {
		return err
	}
	f.cfg.Account, f.cfg.AccessKeyID, f.cfg.SecretAccessKey = os.Getenv("CAIRN_ACCOUNT_ID"), os.Getenv("CAIRN_ACCESS_KEY_ID"), os.Getenv("CAIRN_SECRET_ACCESS_KEY")
	var level slog.Level
	if err := level.UnmarshalText([]byte(f.logLevel)); err != nil {
		return fmt.Errorf("--log-level: %w", err)
	}
	if err := f.cfg.Resolve(); err != nil {
		return err
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return serve(ctx, f.cfg, logger)
}

// serve runs a node on the local backends of cfg's data dir until ctx ends.
func serve(ctx context.Context, cfg node.Config, logger *slog.Logger) (err error) {
	backends, err := node.OpenLocal(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, backends.Close()) }()
	n, err := node.New(ctx, cfg, backends, logger)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, n.Close()) }()
	creds := n.Credentials()
	fmt.Print(banner{Endpoint: n.Endpoint(), Account: creds.AccountID, Data: cfg.DataDir, AccessKeyID: creds.AccessKeyID, Secret: creds.SecretAccessKey,
		Region: cfg.Region, Upstreams: cfg.Upstreams, S3Endpoint: cfg.S3.Endpoint}) // banner.go
	return n.Run(ctx)
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
