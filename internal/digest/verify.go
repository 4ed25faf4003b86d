package digest

import (
	"bytes"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Verification failures. Verify and CheckLink wrap them with detail; test
// with errors.Is. The texts follow validate-logs' "INVALID: ..." messages.
var (
	ErrFormat       = errors.New("invalid format")
	ErrMoved        = errors.New("has been moved from its original location")
	ErrNoSignature  = errors.New("signature verification failed: no signature metadata")
	ErrUnknownKey   = errors.New("public key not found")
	ErrBadKey       = errors.New("unable to load PKCS #1 key")
	ErrBadSignature = errors.New("signature verification failed")
	ErrBrokenLink   = errors.New("does not match the previous digest")
)

// requiredMembers must be present in a digest (null allowed):
// validate-logs' required keys, plus logFiles, which it indexes.
var requiredMembers = []string{
	"digestPublicKeyFingerprint", "digestS3Bucket", "digestS3Object",
	"previousDigestSignature", "digestEndTime", "digestStartTime", "logFiles",
}

// Verify checks an uncompressed digest read from bucket/key with the
// object's user metadata meta, as `aws cloudtrail validate-logs` does and
// in its order:
//
//   - raw parses as a digest JSON object (ErrFormat);
//   - meta holds "signature" and "signature-algorithm" (ErrNoSignature; like
//     the CLI, the algorithm's value is not checked);
//   - the required members are present, logFiles not null, and the start and
//     end times are in TimeFormat (ErrFormat);
//   - digestS3Bucket/Object are bucket/key (ErrMoved);
//   - keys (by fingerprint) holds digestPublicKeyFingerprint (ErrUnknownKey)
//     and its Value is a DER PKCS#1 RSA public key (ErrBadKey);
//   - the signature verifies (SHA256withRSA) over StringToSign of the JSON's
//     digestEndTime, bucket/key, SHA-256 of raw and previousDigestSignature
//     (ErrBadSignature).
//
// Metadata names are matched case-insensitively. Verify does not check the
// listed log files or the link to the previous digest (see CheckLink).
//
// When raw parses but a later check fails, the parsed digest is returned
// with the error, for reporting (its times, its link); it is not verified.
func Verify(raw []byte, bucket, key string, meta map[string]string, keys map[string]PublicKey) (*Digest, error) {
	var members map[string]json.RawMessage
	if err := json.Unmarshal(raw, &members); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrFormat, err)
	}
	var d Digest
	if err := json.Unmarshal(raw, &d); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrFormat, err)
	}
	sigHex, ok1 := metaValue(meta, MetaSignature)
	_, ok2 := metaValue(meta, MetaSignatureAlgorithm)
	if !ok1 || !ok2 {
		return &d, fmt.Errorf("%w (want x-amz-meta-%s and x-amz-meta-%s)", ErrNoSignature, MetaSignature, MetaSignatureAlgorithm)
	}
	for _, m := range requiredMembers {
		if _, ok := members[m]; !ok {
			return &d, fmt.Errorf("%w: member %s is missing", ErrFormat, m)
		}
	}
	if bytes.Equal(bytes.TrimSpace(members["logFiles"]), []byte("null")) {
		return &d, fmt.Errorf("%w: logFiles is null", ErrFormat)
	}
	if d.DigestS3Bucket != bucket || d.DigestS3Object != key {
		return &d, fmt.Errorf("%w: it names s3://%s/%s", ErrMoved, d.DigestS3Bucket, d.DigestS3Object)
	}
	for _, t := range [][2]string{{"digestStartTime", d.DigestStartTime}, {"digestEndTime", d.DigestEndTime}} {
		if _, err := time.Parse(TimeFormat, t[1]); err != nil {
			return &d, fmt.Errorf("%w: %s %q is not %s", ErrFormat, t[0], t[1], TimeFormat)
		}
	}
	pk, ok := keys[d.DigestPublicKeyFingerprint]
	if !ok {
		return &d, fmt.Errorf("%w for fingerprint %s", ErrUnknownKey, d.DigestPublicKeyFingerprint)
	}
	pub, err := pk.RSA()
	if err != nil {
		return &d, fmt.Errorf("%w with fingerprint %s: %v", ErrBadKey, d.DigestPublicKeyFingerprint, err)
	}
	sig, err := hex.DecodeString(sigHex)
	if err != nil {
		return &d, fmt.Errorf("%w: the signature is not hex", ErrBadSignature)
	}
	prevSig := ""
	if d.PreviousDigestSignature != nil {
		prevSig = *d.PreviousDigestSignature
	}
	sum := sha256.Sum256(raw)
	h := sha256.Sum256([]byte(StringToSign(d.DigestEndTime, d.DigestS3Bucket, d.DigestS3Object, hex.EncodeToString(sum[:]), prevSig)))
	if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, h[:], sig); err != nil {
		return &d, ErrBadSignature
	}
	return &d, nil
}

// metaValue finds a user metadata value by name, in any case and with or
// without the x-amz-meta- prefix.
func metaValue(meta map[string]string, name string) (string, bool) {
	if v, ok := meta[name]; ok {
		return v, true
	}
	for k, v := range meta {
		k = strings.ToLower(k)
		if k == name || k == "x-amz-meta-"+name {
			return v, true
		}
	}
	return "", false
}

// Previous returns the link d records to its predecessor; ok is false for
// a starting digest (previousDigestS3Bucket or previousDigestS3Object null),
// which validate-logs treats as a break in the chain.
func (d *Digest) Previous() (l Link, ok bool) {
	if d.PreviousDigestS3Bucket == nil || d.PreviousDigestS3Object == nil {
		return Link{}, false
	}
	l.Bucket, l.Key = *d.PreviousDigestS3Bucket, *d.PreviousDigestS3Object
	if d.PreviousDigestHashValue != nil {
		l.Hash = *d.PreviousDigestHashValue
	}
	if d.PreviousDigestSignature != nil {
		l.Signature = *d.PreviousDigestSignature
	}
	return l, true
}

// CheckLink checks the chain checks validate-logs skips: that d's previous*
// members describe the digest stored at prevBucket/prevKey whose
// uncompressed bytes are prevRaw and whose signature (hex, its
// x-amz-meta-signature) is prevSig: same bucket and key,
// previousDigestHashAlgorithm SHA-256, previousDigestHashValue the SHA-256
// of prevRaw, previousDigestSignature prevSig. Failures wrap ErrBrokenLink.
func CheckLink(d *Digest, prevRaw []byte, prevSig string, prevBucket, prevKey string) error {
	l, ok := d.Previous()
	if !ok {
		return fmt.Errorf("%w: it is a starting digest (no previous digest)", ErrBrokenLink)
	}
	if l.Bucket != prevBucket || l.Key != prevKey {
		return fmt.Errorf("%w: it links to s3://%s/%s, not s3://%s/%s", ErrBrokenLink, l.Bucket, l.Key, prevBucket, prevKey)
	}
	if d.PreviousDigestHashAlgorithm == nil || *d.PreviousDigestHashAlgorithm != HashAlgorithm {
		return fmt.Errorf("%w: previousDigestHashAlgorithm is not %s", ErrBrokenLink, HashAlgorithm)
	}
	sum := sha256.Sum256(prevRaw)
	if want := hex.EncodeToString(sum[:]); !strings.EqualFold(l.Hash, want) {
		return fmt.Errorf("%w: previousDigestHashValue %s, the previous digest hashes to %s", ErrBrokenLink, l.Hash, want)
	}
	if d.PreviousDigestSignature == nil || !strings.EqualFold(l.Signature, prevSig) {
		return fmt.Errorf("%w: previousDigestSignature differs from the previous digest's signature", ErrBrokenLink)
	}
	return nil
}
