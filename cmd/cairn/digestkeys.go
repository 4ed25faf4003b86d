package main

import (
	"flag"

	"github.com/cairn-audit/cairn/internal/node"
)

// registerDigests registers serve's flags protecting digest history: the
// keys' rotation and key-encryption key, and the anchor; c holds the defaults.
func registerDigests(fl *flag.FlagSet, c *node.DigestConfig) {
	fl.Var(daysDuration{&c.KeyRotation}, "key-rotation", "how long a region's digest signing key signs before a new one takes over, e.g. 30d")
	fl.StringVar(&c.KEKFile, "key-encryption-key-file", "", "file (outside the data dir) holding the 32-byte key that encrypts the digest signing keys: raw, hex or base64 (default $"+node.KEKEnv+"; none: keys stored unprotected)")
	fl.StringVar(&c.Anchor, "anchor", "", "also write each digest's hash and signature to this write-once anchor: s3://BUCKET[/PREFIX][?endpoint=URL&region=R&retention-days=N] (credentials $CAIRN_ANCHOR_ACCESS_KEY_ID/$CAIRN_ANCHOR_SECRET_ACCESS_KEY) or file:///PATH")
}
