package main

import (
	"fmt"
	"log/slog"
	"sort"
	"strings"

	"github.com/cairn-audit/cairn/internal/gateway"
	"github.com/cairn-audit/cairn/internal/server"
)

// upstreamFlag collects --upstream [SERVICE=]URL: the services Cairn
// forwards (and records) to an upstream AWS-compatible endpoint. A URL
// without a service takes every service Cairn does not serve ("*").
type upstreamFlag map[string]string

func (u upstreamFlag) String() string {
	parts := make([]string, 0, len(u))
	for k, v := range u {
		parts = append(parts, k+"="+v)
	}
	sort.Strings(parts)
	return strings.Join(parts, ",")
}

func (u upstreamFlag) Set(s string) error {
	svc, raw := "*", s
	if !strings.HasPrefix(s, "http://") && !strings.HasPrefix(s, "https://") {
		var ok bool
		if svc, raw, ok = strings.Cut(s, "="); !ok || svc == "" {
			return fmt.Errorf("want [SERVICE=]http(s)://HOST[:PORT], got %q", s)
		}
		svc = strings.ToLower(svc)
	}
	if _, err := gateway.ParseUpstream(raw); err != nil {
		return err
	}
	if prev, ok := u[svc]; ok && prev != raw {
		return fmt.Errorf("two upstreams for %q: %s and %s", svc, prev, raw)
	}
	u[svc] = raw
	return nil
}

// open builds the gateway for the routes (nil when there are none). The
// services of opts stay local unless a route names them; so does
// cloudtrail-data, which belongs to Cairn. passthrough forwards the requests
// of access keys Cairn does not know, unverified
// (--upstream-passthrough-unknown-keys).
func (u upstreamFlag) open(d dataDir, opts server.Options, account string, passthrough bool, deadlines deadlineFlags, logger *slog.Logger) (*gateway.Gateway, error) {
	if len(u) == 0 && passthrough {
		return nil, fmt.Errorf("--upstream-passthrough-unknown-keys needs --upstream")
	}
	if len(u) == 0 {
		return nil, nil
	}
	local := map[string]bool{"cloudtrail-data": true}
	for _, s := range opts.Services {
		local[s.SigningName()] = true
	}
	gw, err := gateway.New(gateway.Options{
		Routes: u, Local: local, Verifier: opts.Verifier, Recorder: opts.Recorder,
		DefaultAccount: account, SpillDir: d.path("gateway-spill"), SpoolDir: d.path("gateway-bodies"),
		PassthroughUnknownKeys: passthrough, Logger: logger,
		DialTimeout: deadlines.connect, ResponseHeaderTimeout: deadlines.header, StallTimeout: deadlines.stall,
	})
	if err != nil {
		return nil, err
	}
	for _, svc := range []string{"s3", "iam", "sts"} {
		if _, ok := u[svc]; ok && local[svc] {
			logger.Warn("a service Cairn serves goes upstream", "service", svc, "upstream", u[svc])
		}
	}
	if passthrough {
		logger.Warn("requests signed with access keys Cairn does not know are forwarded unverified (--upstream-passthrough-unknown-keys)")
	}
	return gw, nil
}
