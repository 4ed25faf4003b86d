package node

import (
	"context"
	"errors"

	"github.com/cairn-audit/cairn/internal/anchor"
	"github.com/cairn-audit/cairn/internal/bucket"
	"github.com/cairn-audit/cairn/internal/cloudtraildata"
	"github.com/cairn-audit/cairn/internal/digest"
	"github.com/cairn-audit/cairn/internal/event"
	"github.com/cairn-audit/cairn/internal/historydb"
	"github.com/cairn-audit/cairn/internal/identity"
	"github.com/cairn-audit/cairn/internal/lake"
	"github.com/cairn-audit/cairn/internal/recorder"
	"github.com/cairn-audit/cairn/internal/stream"
)

// EventStream is the consumer side of the main event stream: the settled
// stream every consumer reads (stream.Source), the calls a crash left
// unsettled (recovered before the node takes calls), and retention.
type EventStream interface {
	stream.Source
	// Unsettled lists the pending calls without a settle marker.
	Unsettled() ([]event.Entry, error)
	// RunRetention deletes what every registered consumer is done with,
	// until ctx ends.
	RunRetention(ctx context.Context, opts stream.RetentionOptions)
}

// Backends are the swappable parts a node runs on: the seam cluster mode
// replaces (OpenLocal builds the single-process bundle). A node never
// closes them: their opener does (Close).
type Backends struct {
	// Keys.
	Identity   *identity.Store      // accounts, users and access keys
	Root       identity.Credentials // the root account's credentials
	TokenKey   []byte               // signs LookupEvents NextTokens (32 bytes)
	DigestKeys *digest.Keyring      // digest signing keys
	Anchor     anchor.Sink          // write-once digest anchor; nil without one

	// The main event stream: the recorder appends to Log, consumers read
	// the settled Events.
	Log    recorder.Stream
	Events EventStream
	// The PutAuditEvents stream: cloudtrail-data appends to AuditLog, the
	// Lake reads AuditEvents; AuditDurable is AuditLog's last durable seq.
	AuditLog     cloudtraildata.Stream
	AuditEvents  stream.Source
	AuditDurable func() uint64

	// Stores.
	History *historydb.History // event history (LookupEvents)
	Lake    lake.Engine        // the Lake's SQL engine (events of event data stores)

	// Objects hold trail buckets (and the anchor when on S3).
	Objects bucket.Store

	closers []func() error
}

// onClose registers fn to run at Close (newest first).
func (b *Backends) onClose(fn func() error) { b.closers = append(b.closers, fn) }

// Close closes what the opener opened, newest first, and joins the errors.
func (b *Backends) Close() error {
	var errs []error
	for i := len(b.closers) - 1; i >= 0; i-- {
		errs = append(errs, b.closers[i]())
	}
	b.closers = nil
	return errors.Join(errs...)
}
