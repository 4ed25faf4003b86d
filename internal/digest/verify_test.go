package digest

import (
	"bytes"
	"crypto/x509"
	"encoding/json"
	"errors"
	"maps"
	"strings"
	"testing"
	"time"
)

// sealedPair is a starting digest and the next one, linked.
func sealedPair(t *testing.T) (*Sealed, *Sealed, *SigningKey) {
	t.Helper()
	k := testKey(t, 1024, 0)
	end := time.Date(2024, 1, 1, 1, 0, 0, 0, time.UTC)
	d1, key1 := testDigest(end, 2)
	s1, err := Seal(d1, testBucket, key1, nil, k)
	if err != nil {
		t.Fatal(err)
	}
	d2, key2 := testDigest(end.Add(time.Hour), 1)
	l := s1.Link(testBucket)
	s2, err := Seal(d2, testBucket, key2, &l, k)
	if err != nil {
		t.Fatal(err)
	}
	return s1, s2, k
}

// edit rewrites one member of a digest JSON, keeping the others in order.
func edit(t *testing.T, raw []byte, member string, value any) []byte {
	t.Helper()
	v, err := json.Marshal(value)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	old, ok := m[member]
	if !ok {
		t.Fatalf("no member %s", member)
	}
	out := bytes.Replace(raw, []byte(`"`+member+`":`+string(old)), []byte(`"`+member+`":`+string(v)), 1)
	if bytes.Equal(out, raw) && !bytes.Equal(old, v) {
		t.Fatalf("edit of %s did nothing", member)
	}
	return out
}

func drop(t *testing.T, raw []byte, member string) []byte {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	delete(m, member)
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestVerifyFailures(t *testing.T) {
	_, s, k := sealedPair(t)
	other := testKey(t, 1024, 1)
	keys := keyMap(k)
	meta := s.Metadata
	without := func(name string) map[string]string {
		m := maps.Clone(meta)
		delete(m, name)
		return m
	}
	badKeyMap := map[string]PublicKey{k.Public.Fingerprint: {Value: []byte("not DER"), Fingerprint: k.Public.Fingerprint}}
	// A key listed as SubjectPublicKeyInfo is not PKCS#1: validate-logs rejects it.
	spki, err := x509.MarshalPKIXPublicKey(&k.Private.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	spkiKeyMap := map[string]PublicKey{k.Public.Fingerprint: {Value: spki, Fingerprint: k.Public.Fingerprint}}
	flipped := []byte(s.Signature)
	if flipped[10] == '0' {
		flipped[10] = '1'
	} else {
		flipped[10] = '0'
	}

	cases := []struct {
		name string
		raw  []byte
		bkt  string
		key  string
		meta map[string]string
		keys map[string]PublicKey
		want error
	}{
		{"not JSON", []byte("{"), testBucket, s.Key, meta, keys, ErrFormat},
		{"not an object", []byte("[]"), testBucket, s.Key, meta, keys, ErrFormat},
		{"mistyped member", edit(t, s.Raw, "digestS3Bucket", 5), testBucket, s.Key, meta, keys, ErrFormat},
		{"no signature metadata", s.Raw, testBucket, s.Key, without(MetaSignature), keys, ErrNoSignature},
		{"no algorithm metadata", s.Raw, testBucket, s.Key, without(MetaSignatureAlgorithm), keys, ErrNoSignature},
		{"nil metadata", s.Raw, testBucket, s.Key, nil, keys, ErrNoSignature},
		{"missing fingerprint", drop(t, s.Raw, "digestPublicKeyFingerprint"), testBucket, s.Key, meta, keys, ErrFormat},
		{"missing previousDigestSignature", drop(t, s.Raw, "previousDigestSignature"), testBucket, s.Key, meta, keys, ErrFormat},
		{"missing digestStartTime", drop(t, s.Raw, "digestStartTime"), testBucket, s.Key, meta, keys, ErrFormat},
		{"missing digestEndTime", drop(t, s.Raw, "digestEndTime"), testBucket, s.Key, meta, keys, ErrFormat},
		{"missing digestS3Object", drop(t, s.Raw, "digestS3Object"), testBucket, s.Key, meta, keys, ErrFormat},
		{"missing logFiles", drop(t, s.Raw, "logFiles"), testBucket, s.Key, meta, keys, ErrFormat},
		{"null logFiles", edit(t, s.Raw, "logFiles", nil), testBucket, s.Key, meta, keys, ErrFormat},
		{"bad end time", edit(t, s.Raw, "digestEndTime", "yesterday"), testBucket, s.Key, meta, keys, ErrFormat},
		{"read from another bucket", s.Raw, "other-bucket", s.Key, meta, keys, ErrMoved},
		{"read from another key", s.Raw, testBucket, s.Key + "x", meta, keys, ErrMoved},
		{"unknown fingerprint", s.Raw, testBucket, s.Key, meta, keyMap(other), ErrUnknownKey},
		{"no keys", s.Raw, testBucket, s.Key, meta, nil, ErrUnknownKey},
		{"key not PKCS#1", s.Raw, testBucket, s.Key, meta, badKeyMap, ErrBadKey},
		{"key as SubjectPublicKeyInfo", s.Raw, testBucket, s.Key, meta, spkiKeyMap, ErrBadKey},
		{"wrong key under the fingerprint", s.Raw, testBucket, s.Key, meta, map[string]PublicKey{k.Public.Fingerprint: other.Public}, ErrBadSignature},
		{"signature not hex", s.Raw, testBucket, s.Key, map[string]string{MetaSignature: "zz", MetaSignatureAlgorithm: SignatureAlgorithm}, keys, ErrBadSignature},
		{"empty signature", s.Raw, testBucket, s.Key, map[string]string{MetaSignature: "", MetaSignatureAlgorithm: SignatureAlgorithm}, keys, ErrBadSignature},
		{"tampered signature", s.Raw, testBucket, s.Key, map[string]string{MetaSignature: string(flipped), MetaSignatureAlgorithm: SignatureAlgorithm}, keys, ErrBadSignature},
		{"tampered log file hash", bytes.Replace(s.Raw, []byte("e3b0c442"), []byte("e3b0c443"), 1), testBucket, s.Key, meta, keys, ErrBadSignature},
		{"tampered previous signature", edit(t, s.Raw, "previousDigestSignature", "00"), testBucket, s.Key, meta, keys, ErrBadSignature},
		{"previous signature nulled", edit(t, s.Raw, "previousDigestSignature", nil), testBucket, s.Key, meta, keys, ErrBadSignature},
		{"whitespace added", append(append([]byte{}, s.Raw...), ' '), testBucket, s.Key, meta, keys, ErrBadSignature},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d, err := Verify(tc.raw, tc.bkt, tc.key, tc.meta, tc.keys)
			if !errors.Is(err, tc.want) {
				t.Fatalf("Verify = %v; want %v", err, tc.want)
			}
			// The parsed (unverified) digest comes with errors after parsing.
			if parsed := !strings.HasPrefix(tc.name, "not ") && tc.name != "mistyped member"; parsed != (d != nil) {
				t.Fatalf("digest returned: %v", d != nil)
			}
			for _, e := range []error{ErrFormat, ErrMoved, ErrNoSignature, ErrUnknownKey, ErrBadKey, ErrBadSignature} {
				if e != tc.want && errors.Is(err, e) {
					t.Fatalf("error %v also matches %v", err, e)
				}
			}
		})
	}

	// Metadata names match in any case and with the x-amz-meta- prefix.
	hdr := map[string]string{"X-Amz-Meta-Signature": s.Signature, "x-amz-meta-signature-algorithm": SignatureAlgorithm}
	if _, err := Verify(s.Raw, testBucket, s.Key, hdr, keys); err != nil {
		t.Fatalf("header-style metadata: %v", err)
	}
}

func TestCheckLink(t *testing.T) {
	s1, s2, k := sealedPair(t)
	d1, err := Verify(s1.Raw, testBucket, s1.Key, s1.Metadata, keyMap(k))
	if err != nil {
		t.Fatal(err)
	}
	d2, err := Verify(s2.Raw, testBucket, s2.Key, s2.Metadata, keyMap(k))
	if err != nil {
		t.Fatal(err)
	}
	if err := CheckLink(d2, s1.Raw, s1.Signature, testBucket, s1.Key); err != nil {
		t.Fatal(err)
	}
	if err := CheckLink(d2, s1.Raw, strings.ToUpper(s1.Signature), testBucket, s1.Key); err != nil {
		t.Fatalf("hex case: %v", err)
	}
	bad := []struct {
		name string
		d    *Digest
		raw  []byte
		sig  string
		bkt  string
		key  string
	}{
		{"starting digest", d1, s1.Raw, s1.Signature, testBucket, s1.Key},
		{"other bytes", d2, append([]byte(" "), s1.Raw...), s1.Signature, testBucket, s1.Key},
		{"other signature", d2, s1.Raw, s2.Signature, testBucket, s1.Key},
		{"other bucket", d2, s1.Raw, s1.Signature, "b2", s1.Key},
		{"other key", d2, s1.Raw, s1.Signature, testBucket, s2.Key},
	}
	for _, tc := range bad {
		if err := CheckLink(tc.d, tc.raw, tc.sig, tc.bkt, tc.key); !errors.Is(err, ErrBrokenLink) {
			t.Errorf("%s: CheckLink = %v", tc.name, err)
		}
	}
	alg := "MD5"
	d3 := *d2
	d3.PreviousDigestHashAlgorithm = &alg
	if err := CheckLink(&d3, s1.Raw, s1.Signature, testBucket, s1.Key); !errors.Is(err, ErrBrokenLink) {
		t.Errorf("hash algorithm: CheckLink = %v", err)
	}
	if _, ok := d1.Previous(); ok {
		t.Error("starting digest has a previous link")
	}
}

func TestDecompress(t *testing.T) {
	if _, err := Decompress([]byte("{}")); !errors.Is(err, ErrFormat) {
		t.Fatalf("plain JSON: %v", err)
	}
	s1, _, _ := sealedPair(t)
	if _, err := Decompress(s1.Body[:len(s1.Body)-5]); !errors.Is(err, ErrFormat) {
		t.Fatalf("truncated: %v", err)
	}
	raw, err := Decompress(s1.Body)
	if err != nil || !bytes.Equal(raw, s1.Raw) {
		t.Fatalf("Decompress: %v", err)
	}
}
