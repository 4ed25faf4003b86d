package lake

import (
	"context"
	"errors"
	"fmt"

	"github.com/cairn-audit/cairn/internal/event"
)

// BackfillOptions configure Backfill.
type BackfillOptions struct {
	Engine   Engine        // required
	Catalog  Catalog       // required
	Journal  Stream        // required
	Audit    Stream        // nil for none
	Channels ChannelRoutes // required with Audit
	// Want selects the rows to re-derive (e.g. the stores and months rows
	// were quarantined from); nil for all.
	Want func(Row) bool
	// BatchRows is the rows per Import; default 5000.
	BatchRows int
}

// BackfillResult is what Backfill did.
type BackfillResult struct {
	Entries int64 // journal entries read
	Rows    int64 // rows routed and wanted
	Stored  int64 // of them, missing from their store and stored
}

// Backfill re-derives rows from the streams' retained entries up to the
// engine's cursors, routed as the ingester routes them under the current
// store definitions, and imports them: Import skips the events a store
// already holds, so only events missing from a store (e.g. rows removed
// as malformed) are stored. Events the streams no longer hold cannot be
// re-derived. It is for a stopped server (`cairn lake repair`): the
// ingester must not run meanwhile.
func Backfill(ctx context.Context, opts BackfillOptions) (BackfillResult, error) {
	var res BackfillResult
	if opts.Engine == nil || opts.Catalog == nil || opts.Journal == nil {
		return res, errors.New("lake backfill: Engine, Catalog and Journal are required")
	}
	if opts.Audit != nil && opts.Channels == nil {
		return res, errors.New("lake backfill: Channels is required with Audit")
	}
	if opts.BatchRows <= 0 {
		opts.BatchRows = 5000
	}
	cur, err := opts.Engine.Cursors(ctx)
	if err != nil {
		return res, fmt.Errorf("lake backfill: cursors: %w", err)
	}
	version, all := opts.Catalog.Snapshot()
	routes, err := newRouting(version, all)
	if err != nil {
		return res, fmt.Errorf("lake backfill: %w", err)
	}
	pending := map[string][]Row{}
	flush := func(store string) error {
		rows := pending[store]
		if len(rows) == 0 {
			return nil
		}
		n, err := opts.Engine.Import(ctx, store, rows)
		if err != nil {
			return fmt.Errorf("lake backfill: store %d rows into %s: %w", len(rows), store, err)
		}
		res.Stored += int64(n)
		pending[store] = nil
		return nil
	}
	add := func(rows []Row) error {
		for _, r := range rows {
			if opts.Want != nil && !opts.Want(r) {
				continue
			}
			res.Rows++
			pending[r.Store] = append(pending[r.Store], r)
			if len(pending[r.Store]) >= opts.BatchRows {
				if err := flush(r.Store); err != nil {
					return err
				}
			}
		}
		return nil
	}
	if err := backfillStream(ctx, opts.Journal, cur[CursorJournal], &res, func(e *event.Entry) error {
		return add(routes.journalRows(nil, e))
	}); err != nil {
		return res, err
	}
	if opts.Audit != nil {
		if err := backfillStream(ctx, opts.Audit, cur[CursorAudit], &res, func(e *event.Entry) error {
			return add(routes.auditRows(nil, e, opts.Channels))
		}); err != nil {
			return res, err
		}
	}
	for store := range pending {
		if err := flush(store); err != nil {
			return res, err
		}
	}
	return res, nil
}

// backfillStream calls fn with each retained entry of s up to upTo.
func backfillStream(ctx context.Context, s Stream, upTo uint64, res *BackfillResult, fn func(*event.Entry) error) error {
	for from := max(s.First(), 1); from <= upTo; {
		if err := ctx.Err(); err != nil {
			return err
		}
		var fnErr error
		next, err := s.Read(from, 1000, 8<<20, func(seq uint64, payload []byte) error {
			if seq > upTo {
				return errStopRead
			}
			e, err := decodeEntry(seq, payload)
			if err != nil {
				return err
			}
			res.Entries++
			fnErr = fn(&e)
			return fnErr
		})
		switch {
		case fnErr != nil:
			return fnErr
		case errors.Is(err, errStopRead):
			return nil
		case err != nil:
			return fmt.Errorf("lake backfill: read from %d: %w", from, err)
		case next <= from:
			return nil
		}
		from = next
	}
	return nil
}

// errStopRead ends a Read at the engine's cursor.
var errStopRead = errors.New("past the cursor")
