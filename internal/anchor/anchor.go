// Package anchor writes each digest's hash and signature to a second,
// write-once destination outside the operator's reach (an anchor), and reads
// them back for `cairn validate --anchor`. A digest chain rewritten in the
// trail bucket (edited log files, re-signed digests) no longer matches what
// was anchored when the digests were first delivered.
//
// Sinks: an S3 bucket (s3://bucket/prefix: one object per digest, written
// with If-None-Match and, when the bucket has Object Lock, COMPLIANCE
// retention), and an append-only file (file:///path: one JSON line per
// digest, fsync'd). See docs/DIGESTS.md for the formats and threat model.
package anchor

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// Version is the record format version.
const Version = 1

// Record is what is anchored for one digest. The identity of a record is
// (Trail, Region, Key); Hash and Signature are what must match.
type Record struct {
	V           int    `json:"v"`
	Trail       string `json:"trail"`  // trail ARN
	Region      string `json:"region"` // region the digest covers
	Bucket      string `json:"bucket"`
	Key         string `json:"key"`
	Start       string `json:"start"` // digestStartTime
	End         string `json:"end"`   // digestEndTime
	Hash        string `json:"hash"`  // hex SHA-256 of the digest's uncompressed bytes
	Signature   string `json:"signature"`
	Fingerprint string `json:"fingerprint"`
	// PreviousHash is the previous digest's hash; "" for a chain's first digest.
	PreviousHash string `json:"previousHash"`
	// Final: the digest ends its chain (StopLogging, validation turned off).
	Final      bool      `json:"final"`
	AnchoredAt time.Time `json:"anchoredAt"` // when it was first written (informational)
}

// Same reports whether r and o anchor the same digest identically
// (everything but AnchoredAt).
func (r Record) Same(o Record) bool {
	r.AnchoredAt, o.AnchoredAt = time.Time{}, time.Time{}
	return r == o
}

func (r Record) check() error {
	if r.Trail == "" || r.Region == "" || r.Bucket == "" || r.Key == "" || r.Hash == "" || r.Signature == "" {
		return errors.New("anchor: record lacks trail, region, bucket, key, hash or signature")
	}
	return nil
}

// EndTime parses End (zero if malformed).
func (r Record) EndTime() time.Time {
	t, _ := time.Parse("2006-01-02T15:04:05Z", r.End)
	return t
}

// ErrConflict: a different record is already anchored for the same digest
// (same trail, region and key). Anchors are never overwritten.
var ErrConflict = errors.New("anchor: a different record is already anchored for this digest")

// Sink is an anchor destination. Append is durable when it returns nil and
// idempotent: appending a record Same as one already there is a no-op.
type Sink interface {
	Append(ctx context.Context, r Record) error
	// Records returns the records of the trail (every trail if ""), in the
	// order they were written, and problems found reading the sink (a record
	// overwritten or unreadable), which validation reports.
	Records(ctx context.Context, trailARN string) ([]Record, []string, error)
	// Describe names the sink for messages (no credentials).
	Describe() string
	Close() error
}

// Options configure Open.
type Options struct {
	// S3 sinks: endpoint (default: the URI's ?endpoint=, else AWS S3),
	// region (default ?region=, else us-east-1) and static credentials.
	Endpoint, Region             string
	AccessKeyID, SecretAccessKey string
	// Retention of the COMPLIANCE lock on each anchor object when the bucket
	// has Object Lock (default ?retention-days=, else DefaultRetention).
	Retention time.Duration
	Now       func() time.Time
}

// DefaultRetention is the Object Lock retention of an S3 anchor object.
const DefaultRetention = 365 * 24 * time.Hour

// Open opens the sink a URI names: s3://bucket[/prefix][?endpoint=URL&region=R&retention-days=N]
// or file:///absolute/path.
func Open(ctx context.Context, uri string, opts Options) (Sink, error) {
	u, err := url.Parse(uri)
	if err != nil {
		return nil, fmt.Errorf("anchor %q: %w", uri, err)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	switch u.Scheme {
	case "file":
		if u.Host != "" && u.Host != "localhost" {
			return nil, fmt.Errorf("anchor %q: file URIs name a local path (file:///path)", uri)
		}
		if u.Path == "" || !strings.HasPrefix(u.Path, "/") {
			return nil, fmt.Errorf("anchor %q: file URIs need an absolute path (file:///path)", uri)
		}
		return OpenFile(u.Path, opts)
	case "s3":
		return openS3(ctx, u, opts)
	}
	return nil, fmt.Errorf("anchor %q: scheme must be s3:// or file://", uri)
}

// FilePath returns the local path of a file:// anchor URI ("" otherwise).
func FilePath(uri string) string {
	u, err := url.Parse(uri)
	if err != nil || u.Scheme != "file" {
		return ""
	}
	return u.Path
}
