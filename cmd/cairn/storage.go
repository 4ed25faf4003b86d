package main

import (
	"flag"
	"fmt"
	"strings"

	"github.com/cairn-audit/cairn/internal/node"
)

// registerS3 registers the flags choosing where trail buckets live: the
// embedded store under the data dir (the default, also served over Cairn's
// own S3 API) or an external S3-compatible endpoint; c holds the defaults.
func registerS3(fl *flag.FlagSet, c *node.S3Config) {
	fl.StringVar(&c.Endpoint, "s3-endpoint", "", "deliver trails to this external S3-compatible endpoint instead of the embedded bucket store")
	fl.StringVar(&c.Region, "s3-region", c.Region, "signing region for --s3-endpoint")
	fl.StringVar(&c.AccessKeyID, "s3-access-key-id", "", "access key for --s3-endpoint (default $CAIRN_S3_ACCESS_KEY_ID)")
	fl.StringVar(&c.SecretAccessKey, "s3-secret-access-key", "", "secret key for --s3-endpoint (default $CAIRN_S3_SECRET_ACCESS_KEY)")
	fl.BoolVar(&c.PathStyle, "s3-path-style", c.PathStyle, "use path-style URLs with --s3-endpoint (false: virtual-host style)")
	registerDeadlines(fl, &c.Deadlines, "s3", "--s3-endpoint")
	fl.DurationVar(&c.OperationTimeout, "s3-operation-timeout", c.OperationTimeout, "deadline of one --s3-endpoint operation with its retries, up to its response (a PutObject adds 1s per 256 KiB of body)")
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
