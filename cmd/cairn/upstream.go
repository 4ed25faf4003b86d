package main

import (
	"fmt"
	"sort"
	"strings"

	"github.com/cairn-audit/cairn/internal/gateway"
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
