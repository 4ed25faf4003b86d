package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/cairn-audit/cairn/internal/bucket"
	"github.com/cairn-audit/cairn/internal/bucket/file"
	s3store "github.com/cairn-audit/cairn/internal/bucket/s3"
	"github.com/cairn-audit/cairn/internal/outbound"
)

// storageFlags choose where trail buckets live: the embedded store under the
// data dir (the default, also served over Cairn's own S3 API) or an external
// S3-compatible endpoint.
type storageFlags struct {
	endpoint, region, accessKey, secretKey string
	pathStyle                              bool
	deadlines                              deadlineFlags
	operationTimeout                       time.Duration
	// fallbackKey/Secret sign for the external endpoint when no S3
	// credentials are given (--upstream s3=URL: Cairn's root keys).
	fallbackKey, fallbackSecret string
}

func (s *storageFlags) register(fl *flag.FlagSet) {
	fl.StringVar(&s.endpoint, "s3-endpoint", "", "deliver trails to this external S3-compatible endpoint instead of the embedded bucket store")
	fl.StringVar(&s.region, "s3-region", "us-east-1", "signing region for --s3-endpoint")
	fl.StringVar(&s.accessKey, "s3-access-key-id", "", "access key for --s3-endpoint (default $CAIRN_S3_ACCESS_KEY_ID)")
	fl.StringVar(&s.secretKey, "s3-secret-access-key", "", "secret key for --s3-endpoint (default $CAIRN_S3_SECRET_ACCESS_KEY)")
	fl.BoolVar(&s.pathStyle, "s3-path-style", true, "use path-style URLs with --s3-endpoint (false: virtual-host style)")
	s.deadlines.register(fl, "s3", "--s3-endpoint", deadlineFlags{outbound.DefaultDialTimeout, outbound.DefaultResponseHeaderTimeout, outbound.DefaultStallTimeout})
	fl.DurationVar(&s.operationTimeout, "s3-operation-timeout", s3store.DefaultOperationTimeout, "deadline of one --s3-endpoint operation with its retries, up to its response (a PutObject adds 1s per 256 KiB of body)")
}

// embedded reports whether buckets live in the embedded store.
func (s *storageFlags) embedded() bool { return s.endpoint == "" }

// open returns the bucket store and a function that closes it.
func (s *storageFlags) open(ctx context.Context, d dataDir, logger *slog.Logger) (bucket.Store, func() error, error) {
	if s.embedded() {
		st, err := file.Open(d.buckets(), file.Options{Logger: logger})
		if err != nil {
			return nil, nil, fmt.Errorf("open embedded bucket store: %w", err)
		}
		return st, st.Close, nil
	}
	ak, sk := s.accessKey, s.secretKey
	if ak == "" {
		ak = os.Getenv("CAIRN_S3_ACCESS_KEY_ID")
	}
	if sk == "" {
		sk = os.Getenv("CAIRN_S3_SECRET_ACCESS_KEY")
	}
	if ak == "" && sk == "" {
		ak, sk = s.fallbackKey, s.fallbackSecret
	}
	if ak == "" || sk == "" {
		return nil, nil, errors.New("--s3-endpoint needs credentials: --s3-access-key-id/--s3-secret-access-key or $CAIRN_S3_ACCESS_KEY_ID/$CAIRN_S3_SECRET_ACCESS_KEY")
	}
	st, err := s3store.New(ctx, s3store.Options{Endpoint: s.endpoint, Region: s.region, AccessKeyID: ak, SecretAccessKey: sk, PathStyle: s.pathStyle, VirtualHostStyle: !s.pathStyle,
		Outbound: outbound.Options{DialTimeout: s.deadlines.connect, TLSHandshakeTimeout: s.deadlines.connect,
			ResponseHeaderTimeout: s.deadlines.header, StallTimeout: s.deadlines.stall},
		OperationTimeout: s.operationTimeout})
	if err != nil {
		return nil, nil, fmt.Errorf("external S3 %s: %w", s.endpoint, err)
	}
	return st, func() error { return nil }, nil
}

// topicFlag collects --sns-topic name=URL pairs.
type topicFlag map[string]string

func (t topicFlag) String() string {
	var parts []string
	for k, v := range t {
		parts = append(parts, k+"="+v)
	}
	return strings.Join(parts, ",")
}

func (t topicFlag) Set(s string) error {
	name, url, ok := strings.Cut(s, "=")
	if !ok || name == "" || !(strings.HasPrefix(url, "http://") || strings.HasPrefix(url, "https://")) {
		return fmt.Errorf("want TOPIC=http(s)://URL, got %q", s)
	}
	t[name] = url
	return nil
}
