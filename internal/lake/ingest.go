package lake

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/cairn-audit/cairn/internal/event"
	"github.com/cairn-audit/cairn/internal/stream"
)

// Stream is an event stream the ingester follows, read up to its settled
// position: a Lake control call (CreateEventDataStore,
// StartEventDataStoreIngestion, ...) is settled only once its change to the
// store definitions is committed, so the ingester reading past its event
// sees the change (no window starting at it is missed).
type Stream = stream.Source

// ConsumerName is the ingester's cursor in the streams it follows.
const ConsumerName = "lake"

// Catalog is what the ingester needs of the event data store definitions.
type Catalog interface {
	// Version changes whenever a store definition does (cheap).
	Version() uint64
	// Snapshot returns every store definition as of now (a copy).
	Snapshot() (version uint64, all []EventDataStore)
}

// ChannelRoutes resolves where a channel's PutAuditEvents events go.
type ChannelRoutes interface {
	// Destinations returns the event data store references (ARN or ID) the
	// channel with this ARN delivers to, and the channel's owner account.
	Destinations(channelARN string) (account string, stores []string, ok bool)
}

// Defaults for IngesterOptions.
const (
	DefaultIngestBatchEntries = 20000
	DefaultIngestBatchBytes   = 32 << 20
	DefaultIngestInterval     = 250 * time.Millisecond
	DefaultIngestRetryDelay   = time.Second
)

// IngesterOptions configure an Ingester.
type IngesterOptions struct {
	Engine   Engine        // required
	Catalog  Catalog       // required
	Journal  Stream        // the main event stream; required
	Audit    Stream        // the PutAuditEvents stream; nil for none
	Channels ChannelRoutes // required with Audit

	BatchEntries int           // per stream per batch; default DefaultIngestBatchEntries
	BatchBytes   int           // per stream per batch; default DefaultIngestBatchBytes
	MinInterval  time.Duration // least time between engine transactions; default DefaultIngestInterval
	RetryDelay   time.Duration // after a failed batch; default DefaultIngestRetryDelay
	Logger       *slog.Logger
}

// Ingester feeds event data stores from the recorded streams: each store
// receives the events its selectors, account, region and ingestion windows
// accept. It is the only writer of live events to the Engine; its cursors
// commit with the rows, so a crash neither loses nor duplicates.
type Ingester struct {
	opts IngesterOptions

	mu      sync.Mutex
	journal uint64 // last main-journal seq in the engine
	audit   uint64 // last audit-journal seq in the engine
	lastErr error

	jCursor, aCursor *stream.Cursor // aCursor nil without Audit

	routes *routing
}

// NewIngester returns an ingester resuming from the engine's cursors.
func NewIngester(ctx context.Context, opts IngesterOptions) (*Ingester, error) {
	if opts.Engine == nil || opts.Catalog == nil || opts.Journal == nil {
		return nil, errors.New("lake ingester: Engine, Catalog and Journal are required")
	}
	if opts.Audit != nil && opts.Channels == nil {
		return nil, errors.New("lake ingester: Channels is required with Audit")
	}
	if opts.BatchEntries <= 0 {
		opts.BatchEntries = DefaultIngestBatchEntries
	}
	if opts.BatchBytes <= 0 {
		opts.BatchBytes = DefaultIngestBatchBytes
	}
	if opts.MinInterval == 0 {
		opts.MinInterval = DefaultIngestInterval
	}
	if opts.RetryDelay <= 0 {
		opts.RetryDelay = DefaultIngestRetryDelay
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	cur, err := opts.Engine.Cursors(ctx)
	if err != nil {
		return nil, fmt.Errorf("lake ingester: cursors: %w", err)
	}
	in := &Ingester{opts: opts, jCursor: opts.Journal.Consumer(ConsumerName)}
	if opts.Audit != nil {
		in.aCursor = opts.Audit.Consumer(ConsumerName)
	}
	in.journal, in.audit = in.positions(cur)
	in.commitCursors()
	return in, nil
}

// positions are the streams' last seqs in the engine, from its cursors.
func (in *Ingester) positions(cur map[string]uint64) (journal, audit uint64) {
	journal, audit = cur[CursorJournal], cur[CursorAudit]
	// Entries before a stream's first retained one were trimmed before the
	// Lake followed the stream (no store existed then): start after them.
	if first := in.opts.Journal.First(); first > 0 && journal+1 < first {
		journal = first - 1
	}
	if in.opts.Audit != nil {
		if first := in.opts.Audit.First(); first > 0 && audit+1 < first {
			audit = first - 1
		}
	}
	return journal, audit
}

// resync resumes from the engine's committed cursors. A retry starts from
// them, not from what the ingester last believed: a failed Append may have
// committed after all (DuckDB can fail a COMMIT after its WAL is written),
// and its rows must not be appended twice.
func (in *Ingester) resync(ctx context.Context) error {
	cur, err := in.opts.Engine.Cursors(ctx)
	if err != nil {
		return fmt.Errorf("lake ingester: cursors: %w", err)
	}
	j, a := in.positions(cur)
	in.mu.Lock()
	if j != in.journal || a != in.audit {
		in.opts.Logger.Warn("lake ingest resumes from the engine's cursors", "journal", j, "was", in.journal, "audit", a, "wasAudit", in.audit)
	}
	in.journal, in.audit = j, a
	in.mu.Unlock()
	in.commitCursors()
	return nil
}

// commitCursors reports the engine's positions to the streams (retention).
func (in *Ingester) commitCursors() {
	in.mu.Lock()
	j, a := in.journal, in.audit
	in.mu.Unlock()
	in.jCursor.Commit(j)
	if in.aCursor != nil {
		in.aCursor.Commit(a)
	}
}

// Applied returns the last main-journal seq the Lake is done with (journal
// trimming must keep everything after it).
func (in *Ingester) Applied() uint64 {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.journal
}

// Err returns the last batch error, nil once a batch succeeds again.
func (in *Ingester) Err() error {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.lastErr
}

// Run follows both streams until ctx ends (stream.Follow). A failed batch
// is retried from the engine's cursors; nothing is skipped.
func (in *Ingester) Run(ctx context.Context) error {
	return stream.Follow(ctx, stream.FollowOptions{
		Name: "lake ingest", MinInterval: in.opts.MinInterval, RetryDelay: in.opts.RetryDelay, Logger: in.opts.Logger,
		OnResult: func(err error) {
			in.mu.Lock()
			in.lastErr = err // nil also when the retry found the batch committed
			in.mu.Unlock()
		},
	}, stream.Loop{Wait: in.wait, Step: in.Step, Resync: in.resync})
}

// wait returns once either stream has settled entries the Lake has not read.
func (in *Ingester) wait(ctx context.Context) error {
	if in.behind() {
		return nil
	}
	in.mu.Lock()
	j, a := in.journal, in.audit
	in.mu.Unlock()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan error, 2)
	go func() { _, err := in.opts.Journal.Wait(ctx, j); done <- err }()
	if in.opts.Audit != nil {
		go func() { _, err := in.opts.Audit.Wait(ctx, a); done <- err }()
	}
	return <-done
}

// behind reports whether either stream has settled entries the Lake has not read.
func (in *Ingester) behind() bool {
	in.mu.Lock()
	j, a := in.journal, in.audit
	in.mu.Unlock()
	if in.opts.Journal.Settled() > j {
		return true
	}
	return in.opts.Audit != nil && in.opts.Audit.Settled() > a
}

// Step ingests one batch from each stream and commits it with the cursors.
func (in *Ingester) Step(ctx context.Context) error {
	in.mu.Lock()
	jFrom, aFrom := in.journal+1, in.audit+1
	in.mu.Unlock()

	var rows []Row
	jNext, err := in.opts.Journal.Read(jFrom, in.opts.BatchEntries, in.opts.BatchBytes, func(seq uint64, payload []byte) error {
		e, err := decodeEntry(seq, payload)
		if err != nil {
			return err
		}
		if in.isControl(&e) {
			// Settled: the store change this call made is committed. Rebuild
			// the routes so the events after it see it.
			in.routes = nil
		}
		rows = in.route().journalRows(rows, &e)
		return nil
	})
	if err != nil {
		return fmt.Errorf("read journal from %d: %w", jFrom, err)
	}
	aNext := aFrom
	if in.opts.Audit != nil {
		in.routes = nil // channel destinations may have changed
		aNext, err = in.opts.Audit.Read(aFrom, in.opts.BatchEntries, in.opts.BatchBytes, func(seq uint64, payload []byte) error {
			e, err := decodeEntry(seq, payload)
			if err != nil {
				return err
			}
			rows = in.route().auditRows(rows, &e, in.opts.Channels)
			return nil
		})
		if err != nil {
			return fmt.Errorf("read audit journal from %d: %w", aFrom, err)
		}
	}
	if jNext == jFrom && aNext == aFrom {
		return nil
	}
	cursors := map[string]uint64{CursorJournal: jNext - 1}
	if in.opts.Audit != nil {
		cursors[CursorAudit] = aNext - 1
	}
	if err := in.opts.Engine.Append(ctx, rows, cursors); err != nil {
		return fmt.Errorf("append %d events (journal %d..%d, audit %d..%d): %w", len(rows), jFrom, jNext-1, aFrom, aNext-1, err)
	}
	in.mu.Lock()
	in.journal, in.audit, in.lastErr = jNext-1, aNext-1, nil
	in.mu.Unlock()
	in.commitCursors()
	return nil
}

// route returns the routing table for the current store definitions,
// rebuilding it when they changed.
func (in *Ingester) route() *routing {
	if in.routes != nil && in.routes.version == in.opts.Catalog.Version() {
		return in.routes
	}
	version, all := in.opts.Catalog.Snapshot()
	if in.routes == nil || in.routes.version != version {
		r, err := newRouting(version, all)
		if err != nil {
			in.opts.Logger.Error("lake: store selectors do not compile; skipping those stores", "err", err)
		}
		in.routes = r
	}
	return in.routes
}

// controlEvents are the calls whose success changes which events stores receive.
var controlEvents = map[string]bool{
	"CreateEventDataStore": true, "UpdateEventDataStore": true, "DeleteEventDataStore": true,
	"RestoreEventDataStore": true, "StartEventDataStoreIngestion": true, "StopEventDataStoreIngestion": true,
}

// IsControlCall reports whether a successful CloudTrail call named op
// changes which events stores receive (the ingester rebuilds its routes
// after reading one).
func IsControlCall(op string) bool { return controlEvents[op] }

func (in *Ingester) isControl(e *event.Entry) bool {
	return e.Meta.ErrorCode == "" && e.Meta.EventSource == "cloudtrail.amazonaws.com" && IsControlCall(e.Meta.EventName)
}

func decodeEntry(seq uint64, payload []byte) (event.Entry, error) {
	var e event.Entry
	if err := e.UnmarshalBinary(payload); err != nil {
		return e, fmt.Errorf("decode entry %d: %w", seq, err)
	}
	e.Seq = seq
	return e, nil
}
