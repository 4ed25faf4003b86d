package main

import (
	"flag"
	"time"
)

// deadlineFlags are the deadlines of one kind of outbound call (see
// internal/outbound and docs/DELIVERY.md, "Deadlines"): --PREFIX-connect-timeout,
// --PREFIX-response-header-timeout and --PREFIX-stall-timeout.
type deadlineFlags struct {
	connect, header, stall time.Duration
}

func (d *deadlineFlags) register(fl *flag.FlagSet, prefix, what string, def deadlineFlags) {
	fl.DurationVar(&d.connect, prefix+"-connect-timeout", def.connect, "deadline to connect (TCP, and TLS) to "+what)
	fl.DurationVar(&d.header, prefix+"-response-header-timeout", def.header, "deadline for "+what+" to answer a request with its response headers")
	fl.DurationVar(&d.stall, prefix+"-stall-timeout", def.stall, "longest wait for progress on a request or response body to or from "+what+" (bodies of any size stream while they move)")
}
