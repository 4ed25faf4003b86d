package main

import (
	"context"
	"time"

	"github.com/cairn-audit/cairn/internal/event"
	"github.com/cairn-audit/cairn/internal/history"
	"github.com/cairn-audit/cairn/internal/store"
)

// storeAdapter serves history.Store from the DuckDB store.
type storeAdapter struct{ h *store.History }

func (a storeAdapter) Cursor(ctx context.Context) (uint64, error) { return a.h.Cursor(ctx) }
func (a storeAdapter) Apply(ctx context.Context, e []event.Entry, through uint64) error {
	return a.h.Apply(ctx, e, through)
}
func (a storeAdapter) Expire(ctx context.Context, before time.Time) (int, error) {
	return a.h.Expire(ctx, before)
}
func (a storeAdapter) Lookup(ctx context.Context, q history.Query) ([]event.Entry, error) {
	sq := store.Query{Account: q.Account, Region: q.Region, Attr: store.AttrKey(q.Attr), Value: q.Value, Start: q.Start, End: q.End, Limit: q.Limit}
	if q.After != nil {
		sq.After = &store.Cursor{Time: q.After.Time, Seq: q.After.Seq}
	}
	return a.h.Lookup(ctx, sq)
}
