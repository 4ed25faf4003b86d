package digest

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

var t0 = time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)

func openTestKeyring(t *testing.T, dir string, c *clock) *Keyring {
	t.Helper()
	k, err := OpenKeyring(dir, KeyringOptions{Now: c.Now, Bits: 1024, Rotation: 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestKeyringCreate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "keys")
	c := &clock{t: t0.Add(500 * time.Millisecond)}
	kr := openTestKeyring(t, dir, c)
	if got := kr.Regions(); len(got) != 0 {
		t.Fatalf("new keyring has regions %v", got)
	}
	k, err := kr.Current("us-east-1")
	if err != nil {
		t.Fatal(err)
	}
	if k.Private.N.BitLen() != 1024 {
		t.Fatalf("%d-bit key", k.Private.N.BitLen())
	}
	if !k.Public.ValidityStart.Equal(t0) || !k.Public.ValidityEnd.Equal(t0.Add(24*time.Hour)) {
		t.Fatalf("validity %s..%s", k.Public.ValidityStart, k.Public.ValidityEnd)
	}
	// Public half: DER PKCS#1 and MD5 fingerprint.
	pub, err := x509.ParsePKCS1PublicKey(k.Public.Value)
	if err != nil || !pub.Equal(&k.Private.PublicKey) {
		t.Fatalf("Value is not the PKCS#1 public key: %v", err)
	}
	if k.Public.Fingerprint != Fingerprint(k.Public.Value) || len(k.Public.Fingerprint) != 32 {
		t.Fatalf("fingerprint %s", k.Public.Fingerprint)
	}
	again, err := kr.Current("us-east-1")
	if err != nil || again != k {
		t.Fatalf("second Current made another key: %v", err)
	}

	// On disk: dir 0700, region dir 0700, key 0600 PKCS#1 PEM with validity headers.
	for _, p := range []string{dir, filepath.Join(dir, "us-east-1")} {
		if fi, err := os.Stat(p); err != nil || fi.Mode().Perm() != 0o700 {
			t.Fatalf("%s: %v %v", p, fi.Mode(), err)
		}
	}
	path := filepath.Join(dir, "us-east-1", k.Public.Fingerprint+".pem")
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("%s: %v %v", path, fi, err)
	}
	data, _ := os.ReadFile(path)
	block, _ := pem.Decode(data)
	if block == nil || block.Type != "RSA PRIVATE KEY" || block.Headers["Cairn-Validity-Start"] != "2026-01-01T10:00:00Z" || block.Headers["Cairn-Validity-End"] != "2026-01-02T10:00:00Z" {
		t.Fatalf("key file:\n%s", data)
	}
	if _, err := x509.ParsePKCS1PrivateKey(block.Bytes); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(filepath.Join(dir, "us-east-1"))
	if len(entries) != 1 {
		t.Fatalf("region dir holds %d files", len(entries))
	}

	// Regions are independent.
	k2, err := kr.Current("eu-west-1")
	if err != nil || k2.Public.Fingerprint == k.Public.Fingerprint {
		t.Fatalf("eu-west-1: %v", err)
	}
	if got := kr.Regions(); strings.Join(got, ",") != "eu-west-1,us-east-1" {
		t.Fatalf("regions %v", got)
	}
	if sk, ok := kr.Lookup("us-east-1", k.Public.Fingerprint); !ok || sk != k {
		t.Fatal("Lookup")
	}
	if _, ok := kr.Lookup("eu-west-1", k.Public.Fingerprint); ok {
		t.Fatal("Lookup found a key of another region")
	}
}

func TestKeyringRejectsBadRegions(t *testing.T) {
	c := &clock{t: t0}
	kr := openTestKeyring(t, t.TempDir(), c)
	for _, r := range []string{"", "..", "../x", "us/east", "US-EAST-1", "us_east_1", "-us", "us-", strings.Repeat("a", 65)} {
		if _, err := kr.Current(r); !errors.Is(err, ErrInvalidRegion) {
			t.Errorf("Current(%q) = %v", r, err)
		}
		if _, err := kr.PublicKeys(r, t0, t0); !errors.Is(err, ErrInvalidRegion) {
			t.Errorf("PublicKeys(%q) = %v", r, err)
		}
	}
	if _, err := kr.Current("us-gov-west-1"); err != nil {
		t.Fatal(err)
	}
}

func TestKeyringRotation(t *testing.T) {
	c := &clock{t: t0}
	kr := openTestKeyring(t, t.TempDir(), c)
	k1, err := kr.Current("us-east-1")
	if err != nil {
		t.Fatal(err)
	}
	c.Add(24*time.Hour - time.Second) // still valid
	if k, _ := kr.Current("us-east-1"); k != k1 {
		t.Fatal("rotated before the key expired")
	}
	c.Add(time.Second) // validity [t0, t0+24h) has ended
	k2, err := kr.Current("us-east-1")
	if err != nil || k2 == k1 {
		t.Fatalf("not rotated: %v", err)
	}
	if !k2.Public.ValidityStart.Equal(k1.Public.ValidityEnd) || !k2.Public.ValidityEnd.Equal(k1.Public.ValidityEnd.Add(24*time.Hour)) {
		t.Fatalf("k2 validity %s..%s", k2.Public.ValidityStart, k2.Public.ValidityEnd)
	}
	// A late rotation (nothing asked for a key for days) starts now.
	c.Add(72*time.Hour + 1500*time.Millisecond)
	k3, err := kr.Current("us-east-1")
	if err != nil {
		t.Fatal(err)
	}
	if want := c.Now().Truncate(time.Second); !k3.Public.ValidityStart.Equal(want) {
		t.Fatalf("k3 starts %s, want %s", k3.Public.ValidityStart, want)
	}
	// Every key stays listed, oldest first.
	pk, err := kr.PublicKeys("us-east-1", t0, c.Now())
	if err != nil || len(pk) != 3 || pk[0].Fingerprint != k1.Public.Fingerprint || pk[1].Fingerprint != k2.Public.Fingerprint || pk[2].Fingerprint != k3.Public.Fingerprint {
		t.Fatalf("PublicKeys = %d keys, %v", len(pk), err)
	}
	// A clock going backwards keeps the newest key.
	c.Set(t0)
	if k, _ := kr.Current("us-east-1"); k != k3 {
		t.Fatal("clock going backwards changed the current key")
	}
}

func TestKeyringPublicKeysWindows(t *testing.T) {
	c := &clock{t: t0}
	kr := openTestKeyring(t, t.TempDir(), c)
	var keys []*SigningKey
	for i := 0; i < 3; i++ { // validities [t0, +24h), [+24h, +48h), [+48h, +72h)
		k, err := kr.Current("us-east-1")
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, k)
		c.Add(24 * time.Hour)
	}
	c.Set(t0.Add(60 * time.Hour)) // key 3 current
	h := func(n float64) time.Time { return t0.Add(time.Duration(n * float64(time.Hour))) }
	cases := []struct {
		start, end time.Time
		want       []int
	}{
		{h(-100), h(-1), nil},
		{h(-100), h(0), []int{0}},
		{h(1), h(1), []int{0}},
		{h(23), h(24), []int{0, 1}},
		{h(24), h(24), []int{1}},
		{h(10), h(50), []int{0, 1, 2}},
		{h(-5), h(500), []int{0, 1, 2}},
		{h(60), h(60), []int{2}},
		{h(72), h(100), nil},
	}
	for _, tc := range cases {
		got, err := kr.PublicKeys("us-east-1", tc.start, tc.end)
		if err != nil {
			t.Fatal(err)
		}
		var idx []int
		for _, g := range got {
			for i, k := range keys {
				if g.Fingerprint == k.Public.Fingerprint {
					idx = append(idx, i)
				}
			}
		}
		if len(idx) != len(tc.want) || len(got) != len(idx) {
			t.Fatalf("[%s, %s]: keys %v, want %v", tc.start, tc.end, idx, tc.want)
		}
		for i := range idx {
			if idx[i] != tc.want[i] {
				t.Fatalf("[%s, %s]: keys %v, want %v", tc.start, tc.end, idx, tc.want)
			}
		}
	}
	if _, err := kr.PublicKeys("us-east-1", h(2), h(1)); err == nil {
		t.Fatal("end before start accepted")
	}
	// A region without keys gets its first key when its keys are listed.
	got, err := kr.PublicKeys("ap-east-1", c.Now(), c.Now())
	if err != nil || len(got) != 1 || !got[0].ValidityStart.Equal(c.Now()) {
		t.Fatalf("first key of ap-east-1: %v %v", got, err)
	}
	// So does one whose key expired.
	c.Set(t0.Add(100 * time.Hour))
	got, err = kr.PublicKeys("us-east-1", c.Now(), c.Now())
	if err != nil || len(got) != 1 || !got[0].ValidityStart.Equal(c.Now()) {
		t.Fatalf("after expiry: %v %v", got, err)
	}
}

func TestKeyringKeyAt(t *testing.T) {
	c := &clock{t: t0}
	kr := openTestKeyring(t, t.TempDir(), c)
	k1, _ := kr.Current("us-east-1")
	c.Add(30 * time.Hour) // k2 valid [t0+30h, t0+54h): a gap after k1
	k2, _ := kr.Current("us-east-1")
	for _, tc := range []struct {
		at   time.Time
		want *SigningKey
	}{
		{t0.Add(-time.Hour), k1},
		{t0, k1},
		{t0.Add(23 * time.Hour), k1},
		{t0.Add(25 * time.Hour), k2}, // gap: the next key
		{t0.Add(31 * time.Hour), k2},
		{t0.Add(100 * time.Hour), k2}, // beyond: the current key
	} {
		got, err := kr.KeyAt("us-east-1", tc.at)
		if err != nil || got != tc.want {
			t.Errorf("KeyAt(%s) = %v, %v", tc.at, got.Public.Fingerprint, err)
		}
	}
}

func TestKeyringReopen(t *testing.T) {
	dir := t.TempDir()
	c := &clock{t: t0}
	kr := openTestKeyring(t, dir, c)
	a1, _ := kr.Current("us-east-1")
	c.Add(25 * time.Hour)
	a2, _ := kr.Current("us-east-1")
	b1, _ := kr.Current("eu-central-1")
	// A write a crash interrupted and a stray file.
	os.WriteFile(filepath.Join(dir, "us-east-1", "deadbeef.pem.tmp"), []byte("partial"), 0o600)
	os.WriteFile(filepath.Join(dir, "README"), []byte("x"), 0o600)

	kr2 := openTestKeyring(t, dir, c)
	if got := kr2.Regions(); strings.Join(got, ",") != "eu-central-1,us-east-1" {
		t.Fatalf("regions %v", got)
	}
	cur, err := kr2.Current("us-east-1")
	if err != nil || cur.Public.Fingerprint != a2.Public.Fingerprint || !cur.Private.Equal(a2.Private) {
		t.Fatalf("current after reopen: %v", err)
	}
	pk, err := kr2.PublicKeys("us-east-1", t0, c.Now())
	if err != nil || len(pk) != 2 {
		t.Fatalf("%d keys, %v", len(pk), err)
	}
	for i, want := range []*SigningKey{a1, a2} {
		g := pk[i]
		if g.Fingerprint != want.Public.Fingerprint || !bytes.Equal(g.Value, want.Public.Value) || !g.ValidityStart.Equal(want.Public.ValidityStart) || !g.ValidityEnd.Equal(want.Public.ValidityEnd) {
			t.Fatalf("key %d after reopen: %+v", i, g)
		}
	}
	if b, _ := kr2.Current("eu-central-1"); b.Public.Fingerprint != b1.Public.Fingerprint {
		t.Fatal("eu-central-1 key changed")
	}
	if _, err := os.Stat(filepath.Join(dir, "us-east-1", "deadbeef.pem.tmp")); !os.IsNotExist(err) {
		t.Fatalf("leftover temp file: %v", err)
	}

	// A key file whose name is not its fingerprint is corruption.
	os.Rename(filepath.Join(dir, "eu-central-1", b1.Public.Fingerprint+".pem"), filepath.Join(dir, "eu-central-1", strings.Repeat("0", 32)+".pem"))
	if _, err := OpenKeyring(dir, KeyringOptions{Bits: 1024}); err == nil {
		t.Fatal("renamed key file accepted")
	}
	os.WriteFile(filepath.Join(dir, "eu-central-1", strings.Repeat("0", 32)+".pem"), []byte("garbage"), 0o600)
	if _, err := OpenKeyring(dir, KeyringOptions{Bits: 1024}); err == nil {
		t.Fatal("garbage key file accepted")
	}
}

func TestKeyringConcurrent(t *testing.T) {
	c := &clock{t: t0}
	kr := openTestKeyring(t, t.TempDir(), c)
	regions := []string{"us-east-1", "us-west-2"}
	var wg sync.WaitGroup
	got := make([]*SigningKey, 16)
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := regions[i%2]
			k, err := kr.Current(r)
			if err != nil {
				t.Error(err)
				return
			}
			if _, err := kr.PublicKeys(r, t0, t0); err != nil {
				t.Error(err)
			}
			got[i] = k
		}()
	}
	wg.Wait()
	for i := range got {
		if got[i] != got[i%2] {
			t.Fatalf("goroutine %d got another key for %s", i, regions[i%2])
		}
	}
	if got[0] == got[1] {
		t.Fatal("two regions share a key")
	}
}

func TestKeyringSignsVerifiably(t *testing.T) {
	c := &clock{t: t0}
	kr := openTestKeyring(t, t.TempDir(), c)
	k, err := kr.KeyAt(testRegion, t0)
	if err != nil {
		t.Fatal(err)
	}
	end := t0.Add(time.Hour)
	d, key := testDigest(end, 1)
	s, err := Seal(d, testBucket, key, nil, k)
	if err != nil {
		t.Fatal(err)
	}
	pks, err := kr.PublicKeys(testRegion, end, end.Add(2*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	keys := map[string]PublicKey{}
	for _, p := range pks {
		keys[p.Fingerprint] = p
	}
	if _, err := Verify(s.Raw, testBucket, key, s.Metadata, keys); err != nil {
		t.Fatal(err)
	}
}
