package lake

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/cairn-audit/cairn/internal/event"
)

// Stream is a durable event stream the ingester follows (a journal).
type Stream interface {
	Durable() uint64
	First() uint64
	WaitDurable(ctx context.Context, after uint64) (uint64, error)
	Read(from uint64, maxEntries, maxBytes int, fn func(seq uint64, payload []byte) error) (uint64, error)
}

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
	// DefaultControlWait bounds how long the ingester waits for a Lake
	// control call's change to be published before reading past its event.
	DefaultControlWait = 10 * time.Second
)

// IngesterOptions configure an Ingester.
type IngesterOptions struct {
	Engine   Engine        // required
	Catalog  Catalog       // required
	Journal  Stream        // the main event journal; required
	Audit    Stream        // the PutAuditEvents journal; nil for none
	Channels ChannelRoutes // required with Audit
	Commits  *Commits      // control-call tracker; nil to not wait

	BatchEntries int           // per stream per batch; default DefaultIngestBatchEntries
	BatchBytes   int           // per stream per batch; default DefaultIngestBatchBytes
	MinInterval  time.Duration // least time between engine transactions; default DefaultIngestInterval
	RetryDelay   time.Duration // after a failed batch; default DefaultIngestRetryDelay
	ControlWait  time.Duration // default DefaultControlWait
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
	if opts.ControlWait <= 0 {
		opts.ControlWait = DefaultControlWait
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	cur, err := opts.Engine.Cursors(ctx)
	if err != nil {
		return nil, fmt.Errorf("lake ingester: cursors: %w", err)
	}
	in := &Ingester{opts: opts}
	in.journal, in.audit = in.positions(cur)
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
	return nil
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

// Run follows both streams until ctx ends. A failed batch is retried;
// nothing is skipped.
func (in *Ingester) Run(ctx context.Context) error {
	wake := make(chan struct{}, 1)
	var wg sync.WaitGroup
	defer wg.Wait()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	follow := func(s Stream, pos func() uint64) {
		defer wg.Done()
		for {
			after := pos()
			if _, err := s.WaitDurable(ctx, after); err != nil {
				return
			}
			select {
			case wake <- struct{}{}:
			default:
			}
			// Wait for the batch to move the position before waiting again.
			for pos() == after {
				select {
				case <-ctx.Done():
					return
				case <-time.After(in.opts.MinInterval / 4):
				}
			}
		}
	}
	wg.Add(1)
	go follow(in.opts.Journal, func() uint64 { in.mu.Lock(); defer in.mu.Unlock(); return in.journal })
	if in.opts.Audit != nil {
		wg.Add(1)
		go follow(in.opts.Audit, func() uint64 { in.mu.Lock(); defer in.mu.Unlock(); return in.audit })
	}
	var last time.Time
	failed := false
	for {
		if !failed && !in.behind() {
			select {
			case <-ctx.Done():
				return nil
			case <-wake:
			}
		}
		if linger := in.opts.MinInterval - time.Since(last); linger > 0 {
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(linger):
			}
		}
		last = time.Now()
		err := error(nil)
		if failed {
			err = in.resync(ctx)
		}
		if err == nil {
			err = in.Step(ctx)
		}
		failed = err != nil
		if !failed {
			in.mu.Lock()
			in.lastErr = nil // also when the retry found the batch committed
			in.mu.Unlock()
		}
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			in.mu.Lock()
			in.lastErr = err
			in.mu.Unlock()
			in.opts.Logger.Error("lake ingest batch failed; retrying", "err", err)
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(in.opts.RetryDelay):
			}
		}
	}
}

// behind reports whether either stream has entries the Lake has not read.
func (in *Ingester) behind() bool {
	in.mu.Lock()
	j, a := in.journal, in.audit
	in.mu.Unlock()
	if in.opts.Journal.Durable() > j {
		return true
	}
	return in.opts.Audit != nil && in.opts.Audit.Durable() > a
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
		if in.isControl(&e) && in.opts.Commits != nil {
			// The store change this call made may not be published yet.
			if !in.opts.Commits.Wait(ctx, seq, in.opts.ControlWait) && ctx.Err() == nil {
				in.opts.Logger.Warn("lake control call not settled in time; continuing", "seq", seq, "event", e.Meta.EventName)
			}
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
// changes which events stores receive: the ingester waits for its mark in
// Commits, so only these calls need marking.
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
