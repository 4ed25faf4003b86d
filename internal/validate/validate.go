// Package validate checks a trail's log file integrity: it verifies every
// digest file of the requested time range and the log files they list, the
// way `aws cloudtrail validate-logs` does, and more strictly:
//
//   - the chain is checked both ways: previousDigest* links are followed and
//     previousDigestHashValue / previousDigestSignature are compared with the
//     actual previous object, and each digest's digestStartTime must equal its
//     predecessor's digestEndTime, so runs of consecutive deleted digests are
//     found and counted (the CLI misses all but the first, aws-cli #7054);
//   - a digest whose signature metadata was removed or altered is still
//     authenticated through its successor's link, and its log files checked;
//   - digests no link reaches, log files in the bucket that no digest lists,
//     and (when the trail was logging throughout) chains that end early are
//     reported;
//   - it knows where the chain must end: the producer's latest digest
//     delivery (Options.ChainEnd) and, with an anchor (Options.Anchor), every
//     digest delivered, whose hash and signature must match (anchor.go);
//   - digests and log files are fetched by a bounded pool of workers, log
//     files streamed through gunzip and SHA-256.
package validate

import (
	"context"
	"fmt"
	"time"

	"github.com/cairn-audit/cairn/internal/bucket"
	"github.com/cairn-audit/cairn/internal/digest"
)

// Trail is the trail whose files are validated and where they live.
type Trail struct {
	ARN            string
	Bucket         string
	Prefix         string // S3KeyPrefix, "" if none
	Account        string // account ID in the key layout
	Name           string // trail name
	HomeRegion     string
	OrganizationID string // organization trails: the o-… inserted after AWSLogs/
}

// KeySource returns the public keys of region whose validity overlaps
// [start, end], as ListPublicKeys does.
type KeySource func(ctx context.Context, region string, start, end time.Time) ([]digest.PublicKey, error)

// Options configure Run.
type Options struct {
	Trail Trail
	// Regions are the source regions to check. Default: every region with a
	// CloudTrail-Digest/<region>/ or CloudTrail/<region>/ folder under the
	// account.
	Regions []string
	// StartTime and EndTime bound the check (EndTime zero: Now). As with
	// validate-logs, digests whose key time is in [StartTime, EndTime+1h]
	// are checked, with the log files they list.
	StartTime, EndTime time.Time
	Store              bucket.Store
	PublicKeys         KeySource
	// DigestInterval is how often digests are delivered (AWS: 1h). Zero:
	// inferred from the digests' own windows. It is used to count missing
	// digests and to tell a chain that ends early.
	DigestInterval time.Duration
	// Continuous says the trail was logging (with validation) throughout the
	// range: a chain whose newest digest ends more than DigestInterval+Grace
	// before EndTime (or Now), a chain starting late, a gap between two
	// chains, or no digest at all in the home region, is then a
	// ChainTruncated error.
	Continuous bool
	// Grace is the delivery delay tolerated by the Continuous checks.
	// Default: half the digest interval, at least a minute (AWS: 30 minutes).
	Grace time.Duration
	// ChainEnd is when the producer last delivered a digest (GetTrailStatus
	// LatestDigestDeliveryTime), zero if unknown. When it falls in the range
	// (and every region is checked), the newest digest in the bucket must
	// have been stored then: otherwise the newest digests were removed
	// (ChainTruncated, an error). ChainEndSource names it in messages.
	ChainEnd       time.Time
	ChainEndSource string
	// Anchor, if set, is what the trail's digest anchor holds: the digests
	// in the bucket must be exactly the anchored ones (AnchorMismatch,
	// AnchorMissing, NotAnchored).
	Anchor *Anchored
	// Strict makes warnings (LogUncovered, NotAnchored) errors.
	Strict bool
	// Parallel bounds concurrent object reads. Default 4×GOMAXPROCS.
	Parallel int
	// Progress, if set, is called every ProgressInterval (default 2s) while
	// Run works, and once at the end.
	Progress         func(Progress)
	ProgressInterval time.Duration
	// Verbose makes Report.Files list every file checked.
	Verbose bool
	// Now is the clock. Default time.Now.
	Now func() time.Time
}

// Progress is a snapshot of the work done.
type Progress struct {
	DigestsDone, DigestsQueued int
	LogsDone, LogsQueued       int
	Bytes                      int64 // compressed bytes read
	Elapsed                    time.Duration
}

// Severity ranks a Problem.
type Severity int

const (
	Info    Severity = iota // a notice (a chain restart, as AWS reports gaps)
	Warning                 // suspicious but possibly legitimate; an error with Options.Strict
	Error                   // integrity failure: the run fails
)

func (s Severity) String() string {
	switch s {
	case Info:
		return "info"
	case Warning:
		return "warning"
	}
	return "error"
}

// Kind names what is wrong.
type Kind string

// Problem kinds. The message of each is Problem.String.
const (
	// A log file listed in a digest: its uncompressed SHA-256 differs from
	// the digest's hashValue.
	LogModified Kind = "log-modified"
	// A log file listed in a digest is not in the bucket.
	LogMissing Kind = "log-missing"
	// A log file listed in a digest is not gzip (or its bytes are not JSON),
	// or cannot be read (access denied).
	LogUnreadable Kind = "log-unreadable"
	// A log file in the bucket, delivered in the window of a valid digest,
	// that no digest lists (inserted).
	LogNotDigested Kind = "log-not-digested"
	// Log files in the bucket delivered while no digest chain covered that
	// time (validation off, or digests of a chain's end removed). Warning.
	LogUncovered Kind = "log-uncovered"

	// A digest whose signature does not verify (content or signature altered).
	DigestModified Kind = "digest-modified"
	// A digest that should exist is not in the bucket: a link points to a
	// missing object, or a time gap in the chain shows it was removed.
	DigestMissing Kind = "digest-missing"
	// A digest not at the location (digestS3Bucket/digestS3Object) it was
	// signed for.
	DigestMoved Kind = "digest-moved"
	// A digest that is not gzip JSON, lacks required fields, or cannot be read.
	DigestUnreadable Kind = "digest-unreadable"
	// A digest without x-amz-meta-signature / signature-algorithm.
	SignatureMissing Kind = "signature-missing"
	// A digest whose content matches its successor's link but whose
	// signature metadata does not verify: the metadata was altered.
	SignatureAltered Kind = "signature-altered"
	// A digest signed with a key ListPublicKeys does not know.
	UnknownKey Kind = "unknown-key"
	// The previousDigest* fields of a digest disagree with the previous
	// object (hash, signature, or digestStartTime ≠ previous digestEndTime).
	ChainMismatch Kind = "chain-mismatch"
	// A digest no chain link reaches (inserted, or a duplicate window).
	DigestOutOfChain Kind = "digest-out-of-chain"
	// A new chain starts (previous* null) after an older one: AWS's gap
	// notice "No log files were delivered by CloudTrail between …". Info.
	ChainRestarted Kind = "chain-restarted"
	// With Options.Continuous: the newest digest ends well before the end of
	// the range, a chain starts well after its start, or two chains leave a
	// gap; with Options.ChainEnd: the newest digest was stored before the
	// producer's latest digest delivery. Error.
	ChainTruncated Kind = "chain-truncated"
	// With Options.Anchor: a digest whose hash or signature differs from
	// the anchored one (rewritten), or the summary naming the first digest
	// that differs.
	AnchorMismatch Kind = "anchor-mismatch"
	// With Options.Anchor: an anchored digest is not in the bucket.
	AnchorMissing Kind = "anchor-missing"
	// With Options.Anchor: a digest in the bucket the anchor does not hold
	// (an error; a warning for one just stored, info for one older than
	// the anchor's first record).
	NotAnchored Kind = "not-anchored"
	// With Options.Anchor: a chain restarts although the anchored chain
	// before it has no final digest. Warning; error with Continuous.
	AnchorRestart Kind = "anchor-restart"
)

// Problem is one finding.
type Problem struct {
	Kind     Kind
	Severity Severity
	Region   string
	Backfill bool   // concerns a backfill digest
	Bucket   string // where the object is (or should be)
	Key      string // its S3 key; "" for a region-level finding
	Time     time.Time
	Detail   string
}

// IsLog reports whether p is about a log file.
func (p Problem) IsLog() bool {
	switch p.Kind {
	case LogModified, LogMissing, LogUnreadable, LogNotDigested, LogUncovered:
		return true
	}
	return false
}

// String is the problem as the CLI prints it, in validate-logs' format:
//
//	Digest file	s3://bucket/key	INVALID: not found
//	Log file	s3://bucket/key	INVALID: hash value doesn't match
func (p Problem) String() string {
	if p.Kind == ChainRestarted {
		return p.Detail
	}
	what := "Digest file"
	if p.IsLog() {
		what = "Log file"
	} else if p.Backfill {
		what = "(backfill) Digest file"
	}
	loc := "s3://" + p.Bucket + "/" + p.Key
	if p.Key == "" {
		what, loc = "Region", p.Region
	}
	tag := "INVALID"
	switch p.Severity {
	case Warning:
		tag = "WARNING"
	case Info:
		tag = "NOTICE"
	}
	return fmt.Sprintf("%s\t%s\t%s: %s", what, loc, tag, p.Detail)
}

// Count is valid/total for one kind of file.
type Count struct{ Valid, Total int }

// Invalid is Total-Valid.
func (c Count) Invalid() int { return c.Total - c.Valid }

// FileType says what a checked file is.
type FileType int

const (
	DigestFile FileType = iota
	BackfillDigestFile
	LogFile
)

// File is one checked file (Report.Files, with Options.Verbose).
type File struct {
	Type   FileType
	Region string
	Bucket string
	Key    string
	Time   time.Time // digest end, log file delivery
	Valid  bool
}

// Report is the outcome of Run.
type Report struct {
	Trail              Trail
	StartTime, EndTime time.Time
	Regions            []string
	// FoundStart and FoundEnd span the valid digests, clamped to the range
	// (validate-logs' "Results found for"); zero if none.
	FoundStart, FoundEnd time.Time
	Digests              Count // missing digests count as invalid
	BackfillDigests      Count
	LogFiles             Count // distinct log files; an undigested one counts as invalid
	Problems             []Problem
	Files                []File // with Options.Verbose, sorted by region and time
	Elapsed              time.Duration
}

// OK reports whether no problem is an error.
func (r *Report) OK() bool {
	for _, p := range r.Problems {
		if p.Severity == Error {
			return false
		}
	}
	return true
}
