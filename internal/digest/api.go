// Package digest holds CloudTrail log file integrity validation: the digest
// file format, its signing and verification (exactly as `aws cloudtrail
// validate-logs` checks them), and the per-region RSA signing keys, stored
// encrypted under an operator-held key-encryption key (envelope.go).
//
// The producer (internal/delivery) builds a Digest, calls Seal to get the
// exact bytes, object key, signature and metadata to store; validators
// (cmd/cairn validate, internal/validate) call Verify on what they read.
package digest

import (
	"time"
)

// Formats and names as AWS writes them.
const (
	TimeFormat         = "2006-01-02T15:04:05Z"
	SignatureAlgorithm = "SHA256withRSA"
	HashAlgorithm      = "SHA-256"
	// Metadata keys on the digest object (x-amz-meta-*), lower-case.
	MetaSignature          = "signature"
	MetaSignatureAlgorithm = "signature-algorithm"
)

// LogFile is one log file a digest lists.
type LogFile struct {
	S3Bucket        string `json:"s3Bucket"`
	S3Object        string `json:"s3Object"`
	HashValue       string `json:"hashValue"` // hex SHA-256 of the uncompressed log file
	HashAlgorithm   string `json:"hashAlgorithm"`
	NewestEventTime string `json:"newestEventTime"`
	OldestEventTime string `json:"oldestEventTime"`
}

// Digest is a digest file's JSON, members in AWS's order. Pointer members
// are null in a starting digest (previous*) or an empty one (event times).
type Digest struct {
	AWSAccountID                string    `json:"awsAccountId"`
	DigestStartTime             string    `json:"digestStartTime"`
	DigestEndTime               string    `json:"digestEndTime"`
	DigestS3Bucket              string    `json:"digestS3Bucket"`
	DigestS3Object              string    `json:"digestS3Object"`
	DigestPublicKeyFingerprint  string    `json:"digestPublicKeyFingerprint"`
	DigestSignatureAlgorithm    string    `json:"digestSignatureAlgorithm"`
	NewestEventTime             *string   `json:"newestEventTime"`
	OldestEventTime             *string   `json:"oldestEventTime"`
	PreviousDigestS3Bucket      *string   `json:"previousDigestS3Bucket"`
	PreviousDigestS3Object      *string   `json:"previousDigestS3Object"`
	PreviousDigestHashValue     *string   `json:"previousDigestHashValue"`
	PreviousDigestHashAlgorithm *string   `json:"previousDigestHashAlgorithm"`
	PreviousDigestSignature     *string   `json:"previousDigestSignature"`
	LogFiles                    []LogFile `json:"logFiles"`
}

// Link is what the next digest of a chain records about its predecessor.
type Link struct {
	Bucket, Key string
	Hash        string // hex SHA-256 of the previous digest's uncompressed bytes
	Signature   string // hex signature of the previous digest
}

// Sealed is a digest ready to store: Body is the gzip of Raw, Raw the exact
// JSON bytes hashed and signed.
type Sealed struct {
	Key       string
	Raw       []byte
	Body      []byte
	Hash      string // hex SHA-256 of Raw
	Signature string // hex
	Metadata  map[string]string
}

// Link returns the link the next digest of the chain records.
func (s *Sealed) Link(bucket string) Link {
	return Link{Bucket: bucket, Key: s.Key, Hash: s.Hash, Signature: s.Signature}
}

// PublicKey is a signing key as ListPublicKeys returns it.
type PublicKey struct {
	Value         []byte // DER PKCS#1 RSAPublicKey
	Fingerprint   string // lowercase hex MD5 of Value
	ValidityStart time.Time
	ValidityEnd   time.Time
}
