package digest

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"
)

// MaxDigestSize bounds the uncompressed size Decompress accepts.
const MaxDigestSize = 256 << 20

// StringToSign is the data a digest's signature covers, exactly as
// validate-logs rebuilds it: the JSON's digestEndTime text, bucket/key, the
// lowercase hex SHA-256 of the uncompressed digest and the previous digest's
// signature ("null" for a starting digest), joined by newlines.
func StringToSign(endTime, bucket, key, hashHex, prevSig string) string {
	if prevSig == "" {
		prevSig = "null"
	}
	return endTime + "\n" + bucket + "/" + key + "\n" + hashHex + "\n" + prevSig
}

// Seal completes d for storing at bucket/key and signs it with k.
//
// It sets digestS3Bucket/Object, the key's fingerprint, the signature
// algorithm and the five previous* members from prev (all null when prev is
// nil: a starting digest), and an empty logFiles list when there are none;
// log files without a hash algorithm get SHA-256. The JSON is marshalled
// once (Raw), hashed, signed and gzipped (Body).
//
// d.DigestStartTime and d.DigestEndTime must be in TimeFormat, key must be a
// digest key (ParseKey) whose stamp is digestEndTime and whose account is
// d.AWSAccountID.
//
// Seal is deterministic: the same arguments give byte-identical Raw, Body
// and Signature (PKCS#1 v1.5 signatures are deterministic and the gzip
// header carries no name or time).
func Seal(d Digest, bucket, key string, prev *Link, k *SigningKey) (*Sealed, error) {
	if k == nil || k.Private == nil {
		return nil, errors.New("digest: seal: no signing key")
	}
	if bucket == "" {
		return nil, errors.New("digest: seal: empty bucket")
	}
	start, err := time.Parse(TimeFormat, d.DigestStartTime)
	if err != nil {
		return nil, fmt.Errorf("digest: seal: digestStartTime %q is not %s", d.DigestStartTime, TimeFormat)
	}
	end, err := time.Parse(TimeFormat, d.DigestEndTime)
	if err != nil {
		return nil, fmt.Errorf("digest: seal: digestEndTime %q is not %s", d.DigestEndTime, TimeFormat)
	}
	if end.Before(start) {
		return nil, fmt.Errorf("digest: seal: digestEndTime %s is before digestStartTime %s", d.DigestEndTime, d.DigestStartTime)
	}
	ki, ok := ParseKey(key)
	if !ok {
		return nil, fmt.Errorf("digest: seal: %q is not a digest key", key)
	}
	if !ki.End.Equal(end) {
		return nil, fmt.Errorf("digest: seal: key %q is stamped %s, digestEndTime is %s", key, ki.End.Format(TimeFormat), d.DigestEndTime)
	}
	if ki.Account != d.AWSAccountID {
		return nil, fmt.Errorf("digest: seal: key %q is for account %s, awsAccountId is %q", key, ki.Account, d.AWSAccountID)
	}

	d.DigestS3Bucket, d.DigestS3Object = bucket, key
	d.DigestPublicKeyFingerprint = k.Public.Fingerprint
	d.DigestSignatureAlgorithm = SignatureAlgorithm
	prevSig := ""
	if prev == nil {
		d.PreviousDigestS3Bucket, d.PreviousDigestS3Object = nil, nil
		d.PreviousDigestHashValue, d.PreviousDigestHashAlgorithm, d.PreviousDigestSignature = nil, nil, nil
	} else {
		if prev.Bucket == "" || prev.Key == "" || !isHex(prev.Hash, sha256.Size*2) || !isHex(prev.Signature, -1) {
			return nil, fmt.Errorf("digest: seal: incomplete link to the previous digest %+v", *prev)
		}
		p := *prev
		alg := HashAlgorithm
		d.PreviousDigestS3Bucket, d.PreviousDigestS3Object = &p.Bucket, &p.Key
		d.PreviousDigestHashValue, d.PreviousDigestHashAlgorithm, d.PreviousDigestSignature = &p.Hash, &alg, &p.Signature
		prevSig = p.Signature
	}
	files := make([]LogFile, len(d.LogFiles)) // a copy: the caller's slice is left alone
	copy(files, d.LogFiles)
	for i := range files {
		if files[i].HashAlgorithm == "" {
			files[i].HashAlgorithm = HashAlgorithm
		}
	}
	d.LogFiles = files

	raw, err := json.Marshal(&d)
	if err != nil {
		return nil, fmt.Errorf("digest: seal: marshal: %w", err)
	}
	sum := sha256.Sum256(raw)
	hash := hex.EncodeToString(sum[:])
	sig, err := k.Sign([]byte(StringToSign(d.DigestEndTime, bucket, key, hash, prevSig)))
	if err != nil {
		return nil, err
	}
	body, err := compress(raw)
	if err != nil {
		return nil, err
	}
	sigHex := hex.EncodeToString(sig)
	return &Sealed{
		Key:       key,
		Raw:       raw,
		Body:      body,
		Hash:      hash,
		Signature: sigHex,
		Metadata:  map[string]string{MetaSignature: sigHex, MetaSignatureAlgorithm: SignatureAlgorithm},
	}, nil
}

// compress gzips raw with a fixed header (no name, zero time), so the same
// bytes always compress alike.
func compress(raw []byte) ([]byte, error) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(raw); err != nil {
		return nil, fmt.Errorf("digest: gzip: %w", err)
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("digest: gzip: %w", err)
	}
	return buf.Bytes(), nil
}

// Decompress gunzips a stored digest object; a body that is not gzip (or
// decompresses past MaxDigestSize) is an ErrFormat.
func Decompress(body []byte) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("%w: not gzip: %v", ErrFormat, err)
	}
	raw, err := io.ReadAll(io.LimitReader(zr, MaxDigestSize+1))
	if err != nil {
		return nil, fmt.Errorf("%w: gunzip: %v", ErrFormat, err)
	}
	if len(raw) > MaxDigestSize {
		return nil, fmt.Errorf("%w: larger than %d bytes uncompressed", ErrFormat, MaxDigestSize)
	}
	return raw, nil
}

// isHex reports whether s is non-empty lowercase-or-uppercase hex of even
// length, and n characters long when n >= 0.
func isHex(s string, n int) bool {
	if s == "" || len(s)%2 != 0 || (n >= 0 && len(s) != n) {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil
}
