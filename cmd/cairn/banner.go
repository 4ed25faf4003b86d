package main

import (
	"fmt"
	"sort"
	"strings"
)

// banner is what `cairn serve` prints once it listens: where, which account
// and data dir, where calls and trail files go besides Cairn itself, and the
// export lines that point AWS clients at it (always last: scripts and the
// e2e harness read them).
type banner struct {
	Endpoint, Account, Data string
	AccessKeyID, Secret     string
	Region                  string
	// Upstreams are the --upstream routes: service signing name ("*" for
	// every service Cairn does not serve itself) to URL.
	Upstreams map[string]string
	// S3Endpoint is the external S3 endpoint trail buckets live on ("" for
	// the embedded bucket store).
	S3Endpoint string
}

// String renders the banner.
func (b banner) String() string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "Cairn is listening on %s (account %s, data %s).\n", b.Endpoint, b.Account, b.Data)
	services := make([]string, 0, len(b.Upstreams))
	for svc := range b.Upstreams {
		if svc != "*" {
			services = append(services, svc)
		}
	}
	sort.Strings(services)
	for _, svc := range services {
		fmt.Fprintf(&sb, "Forwarding %s → %s (recorded)\n", svc, b.Upstreams[svc])
	}
	if u, ok := b.Upstreams["*"]; ok {
		fmt.Fprintf(&sb, "Forwarding every other service → %s (recorded)\n", u)
	}
	if b.S3Endpoint != "" {
		fmt.Fprintf(&sb, "Trail buckets live on %s (external S3).\n", b.S3Endpoint)
	}
	fmt.Fprintf(&sb, "Point AWS clients at it with:\n\n%s\n", exportLines(b.Endpoint, b.AccessKeyID, b.Secret, b.Region))
	return sb.String()
}
