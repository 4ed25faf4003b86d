// Package stream is the event stream as every consumer sees it: the history
// indexer, the Lake ingester, trail delivery and digests (and, later,
// CloudWatch Logs delivery, EventBridge rules, Insights). It is the seam
// cluster mode swaps: consumers depend on Source only, never on the journal.
//
// The contract (Source; checked for any implementation by streamtest.Run):
//
//   - Positions are uint64 seqs, increasing, with gaps allowed (a seq the
//     stream does not hand over, e.g. a settle marker, is skipped; Read's
//     next still moves past it). 0 means "before the first entry".
//   - First() is the lowest seq still readable; reading below it fails with
//     ErrTrimmed.
//   - Settled() is the settled position: every entry at or below it is
//     durable and its call's effect is committed or aborted (an aborted call
//     is handed over as failed). Consumers read only up to it: Read never
//     hands over an entry above the Settled() it observed at its start, so a
//     consumer cannot act on an event whose effect (a StartLogging, a new
//     event data store) is not visible yet.
//   - Wait(ctx, after) returns once Settled() > after (or ctx ends).
//   - Read(from, maxEntries, maxBytes, fn) hands over settled entries with
//     seq >= from in order and returns next, the position to read from
//     next. payload is only valid during fn (decode or copy it).
//   - Consumer(name) is the named consumer's cursor: the consumer commits
//     the last seq it has made durable on its side (Cursor.Commit); the
//     stream may delete everything at or below the minimum cursor of all
//     registered consumers (retention), never above it.
//
// Follow is the one follow loop consumers share: wait for more after their
// position, linger to batch, apply a step, retry a failed step after a
// resync. Journal is the journal-backed implementation (one node, the local
// journal read through the settled view, internal/settle). See docs/STREAM.md.
package stream
