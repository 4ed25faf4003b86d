package main

import (
	"flag"

	"github.com/cairn-audit/cairn/internal/node"
)

// registerDeadlines registers the deadlines of one kind of outbound call
// (see internal/outbound and docs/DELIVERY.md, "Deadlines"): --PREFIX-connect-timeout,
// --PREFIX-response-header-timeout and --PREFIX-stall-timeout; d holds the defaults.
func registerDeadlines(fl *flag.FlagSet, d *node.Deadlines, prefix, what string) {
	fl.DurationVar(&d.Connect, prefix+"-connect-timeout", d.Connect, "deadline to connect (TCP, and TLS) to "+what)
	fl.DurationVar(&d.Header, prefix+"-response-header-timeout", d.Header, "deadline for "+what+" to answer a request with its response headers")
	fl.DurationVar(&d.Stall, prefix+"-stall-timeout", d.Stall, "longest wait for progress on a request or response body to or from "+what+" (bodies of any size stream while they move)")
}
