package digest

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestStringToSign(t *testing.T) {
	got := StringToSign("2024-01-01T01:00:00Z", "b", "k/x.json.gz", "abc", "")
	if want := "2024-01-01T01:00:00Z\nb/k/x.json.gz\nabc\nnull"; got != want {
		t.Fatalf("got %q want %q", got, want)
	}
	got = StringToSign("2024-01-01T01:00:00Z", "b", "k", "abc", "ff00")
	if want := "2024-01-01T01:00:00Z\nb/k\nabc\nff00"; got != want {
		t.Fatalf("got %q want %q", got, want)
	}
}

func TestSealRoundTrip(t *testing.T) {
	k := testKey(t, 1024, 0)
	end := time.Date(2024, 1, 1, 1, 0, 0, 0, time.UTC)

	d1, key1 := testDigest(end, 3)
	s1, err := Seal(d1, testBucket, key1, nil, k)
	if err != nil {
		t.Fatal(err)
	}
	d2, key2 := testDigest(end.Add(time.Hour), 0)
	link := s1.Link(testBucket)
	s2, err := Seal(d2, testBucket, key2, &link, k)
	if err != nil {
		t.Fatal(err)
	}

	for i, s := range []*Sealed{s1, s2} {
		raw, err := Decompress(s.Body)
		if err != nil || !bytes.Equal(raw, s.Raw) {
			t.Fatalf("digest %d: body does not gunzip to Raw: %v", i, err)
		}
		if sum := sha256.Sum256(raw); hex.EncodeToString(sum[:]) != s.Hash {
			t.Fatalf("digest %d: Hash is not SHA-256 of Raw", i)
		}
		if s.Metadata[MetaSignature] != s.Signature || s.Metadata[MetaSignatureAlgorithm] != "SHA256withRSA" || len(s.Metadata) != 2 {
			t.Fatalf("digest %d: metadata %v", i, s.Metadata)
		}
		if len(s.Signature) != 256 { // 1024-bit key
			t.Fatalf("digest %d: signature %d hex chars", i, len(s.Signature))
		}
		got, err := Verify(raw, testBucket, s.Key, s.Metadata, keyMap(k))
		if err != nil {
			t.Fatalf("digest %d: Verify: %v", i, err)
		}
		if got.DigestS3Bucket != testBucket || got.DigestS3Object != s.Key || got.DigestPublicKeyFingerprint != k.Public.Fingerprint || got.DigestSignatureAlgorithm != SignatureAlgorithm {
			t.Fatalf("digest %d: %+v", i, got)
		}
	}

	// Starting digest: the five previous* members are null, log files listed.
	var m1 map[string]any
	if err := json.Unmarshal(s1.Raw, &m1); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"previousDigestS3Bucket", "previousDigestS3Object", "previousDigestHashValue", "previousDigestHashAlgorithm", "previousDigestSignature"} {
		if v, ok := m1[f]; !ok || v != nil {
			t.Fatalf("starting digest %s = %v (present %v), want null", f, v, ok)
		}
	}
	if lf := m1["logFiles"].([]any); len(lf) != 3 {
		t.Fatalf("logFiles %v", lf)
	}
	// Linked empty digest: logFiles is [], event times null, link filled in.
	if !bytes.Contains(s2.Raw, []byte(`"newestEventTime":null,"oldestEventTime":null`)) || !bytes.HasSuffix(s2.Raw, []byte(`"logFiles":[]}`)) {
		t.Fatalf("empty digest %s", s2.Raw)
	}
	got2, _ := Verify(s2.Raw, testBucket, s2.Key, s2.Metadata, keyMap(k))
	if l, ok := got2.Previous(); !ok || l != link || *got2.PreviousDigestHashAlgorithm != "SHA-256" {
		t.Fatalf("link %+v %v", l, ok)
	}
	if err := CheckLink(got2, s1.Raw, s1.Signature, testBucket, s1.Key); err != nil {
		t.Fatal(err)
	}
}

// The members are in the order AWS writes them.
func TestSealMemberOrder(t *testing.T) {
	d, key := testDigest(time.Date(2024, 1, 1, 1, 0, 0, 0, time.UTC), 1)
	s, err := Seal(d, testBucket, key, nil, testKey(t, 1024, 0))
	if err != nil {
		t.Fatal(err)
	}
	order := []string{"awsAccountId", "digestStartTime", "digestEndTime", "digestS3Bucket", "digestS3Object",
		"digestPublicKeyFingerprint", "digestSignatureAlgorithm", "newestEventTime", "oldestEventTime",
		"previousDigestS3Bucket", "previousDigestS3Object", "previousDigestHashValue", "previousDigestHashAlgorithm",
		"previousDigestSignature", "logFiles", "s3Bucket", "s3Object", "hashValue", "hashAlgorithm"}
	last := -1
	for _, m := range order {
		i := strings.Index(string(s.Raw), `"`+m+`":`)
		if i <= last {
			t.Fatalf("member %s out of order in %s", m, s.Raw)
		}
		last = i
	}
}

func TestSealDeterministic(t *testing.T) {
	k := testKey(t, 1024, 0)
	end := time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)
	d, key := testDigest(end, 5)
	prev := &Link{Bucket: testBucket, Key: Key("pfx", testAccount, testRegion, testTrail, testRegion, end.Add(-time.Hour)),
		Hash: strings.Repeat("ab", 32), Signature: strings.Repeat("cd", 128)}
	a, err := Seal(d, testBucket, key, prev, k)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Seal(d, testBucket, key, prev, k)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Raw, b.Raw) || !bytes.Equal(a.Body, b.Body) || a.Signature != b.Signature || a.Hash != b.Hash || a.Key != b.Key {
		t.Fatal("two seals of the same digest differ")
	}
	zr, err := gzip.NewReader(bytes.NewReader(a.Body))
	if err != nil {
		t.Fatal(err)
	}
	if zr.Name != "" || !zr.ModTime.IsZero() || zr.Comment != "" {
		t.Fatalf("gzip header %+v", zr.Header)
	}
	// The caller's digest is not modified.
	if d.DigestS3Bucket != "" || d.LogFiles[0].HashAlgorithm != HashAlgorithm {
		t.Fatalf("Seal changed its argument: %+v", d)
	}
	// Another key gives another fingerprint and signature.
	c, err := Seal(d, testBucket, key, prev, testKey(t, 1024, 1))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(c.Raw, a.Raw) || c.Signature == a.Signature {
		t.Fatal("different keys, same seal")
	}
}

func TestSealDefaults(t *testing.T) {
	d, key := testDigest(time.Date(2024, 1, 1, 1, 0, 0, 0, time.UTC), 1)
	d.LogFiles[0].HashAlgorithm = ""
	s, err := Seal(d, testBucket, key, nil, testKey(t, 1024, 0))
	if err != nil {
		t.Fatal(err)
	}
	var out Digest
	if err := json.Unmarshal(s.Raw, &out); err != nil {
		t.Fatal(err)
	}
	if out.LogFiles[0].HashAlgorithm != HashAlgorithm {
		t.Fatalf("hashAlgorithm %q", out.LogFiles[0].HashAlgorithm)
	}
	if d.LogFiles[0].HashAlgorithm != "" {
		t.Fatal("Seal changed the caller's log files")
	}
}

func TestSealRejects(t *testing.T) {
	k := testKey(t, 1024, 0)
	end := time.Date(2024, 1, 1, 1, 0, 0, 0, time.UTC)
	good, key := testDigest(end, 1)
	with := func(f func(*Digest)) Digest { d := good; f(&d); return d }
	okLink := &Link{Bucket: "b", Key: "k", Hash: strings.Repeat("0", 64), Signature: "00"}
	cases := []struct {
		name   string
		d      Digest
		bucket string
		key    string
		prev   *Link
		k      *SigningKey
	}{
		{"no key", good, testBucket, key, nil, nil},
		{"no bucket", good, "", key, nil, k},
		{"not a digest key", good, testBucket, "x.json.gz", nil, k},
		{"stamp differs from end time", good, testBucket, Key("pfx", testAccount, testRegion, testTrail, testRegion, end.Add(time.Second)), nil, k},
		{"other account", with(func(d *Digest) { d.AWSAccountID = "210987654321" }), testBucket, key, nil, k},
		{"bad end time", with(func(d *Digest) { d.DigestEndTime = "2024-01-01 01:00:00" }), testBucket, key, nil, k},
		{"bad start time", with(func(d *Digest) { d.DigestStartTime = "" }), testBucket, key, nil, k},
		{"start after end", with(func(d *Digest) { d.DigestStartTime = "2024-01-01T02:00:00Z" }), testBucket, key, nil, k},
		{"link without hash", good, testBucket, key, &Link{Bucket: "b", Key: "k", Signature: "00"}, k},
		{"link without signature", good, testBucket, key, &Link{Bucket: "b", Key: "k", Hash: okLink.Hash}, k},
	}
	for _, tc := range cases {
		if _, err := Seal(tc.d, tc.bucket, tc.key, tc.prev, tc.k); err == nil {
			t.Errorf("%s: Seal succeeded", tc.name)
		}
	}
	if _, err := Seal(good, testBucket, key, okLink, k); err != nil {
		t.Fatalf("good link: %v", err)
	}
}
