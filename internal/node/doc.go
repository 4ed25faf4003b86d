// Package node assembles and runs one Cairn node: the front door and its
// services, the recorder, the consumers of the event stream (history
// indexer, trail delivery and digests, Lake ingester) and their stores.
//
// A node is built from two things:
//
//   - Config: fully resolved settings (DefaultConfig, then Resolve once;
//     no flag types, nothing rewritten later).
//   - Backends: the swappable bundle under it: the event streams (the
//     recorder's writer side and the consumers' settled side, with
//     retention), the history store and the Lake engine, object storage,
//     and keys (identities and root credentials, digest keyring, lookup
//     token key, anchor). OpenLocal builds today's single-process bundle
//     from the data dir; cluster mode provides another.
//
// New builds the node on them (and listens), Run serves until its context
// ends, Close closes what New opened, newest first. See docs/ARCHITECTURE.md.
package node
