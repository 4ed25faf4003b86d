package digest

import (
	"bytes"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func testKEK(b byte) []byte { return bytes.Repeat([]byte{b}, KEKSize) } // binary: b < 0x20

func openKEKKeyring(t *testing.T, dir string, c *clock, kek []byte) (*Keyring, error) {
	t.Helper()
	return OpenKeyring(dir, KeyringOptions{Now: c.Now, Bits: 1024, Rotation: 24 * time.Hour, KEK: kek})
}

func keyFiles(t *testing.T, dir string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*", "*"+keySuffix))
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func TestParseKEK(t *testing.T) {
	raw := testKEK(7)
	for _, tc := range []struct {
		name string
		in   []byte
		ok   bool
	}{
		{"raw", raw, true},
		{"hex", []byte(hex.EncodeToString(raw) + "\n"), true},
		{"base64", []byte(" " + base64.StdEncoding.EncodeToString(raw) + "\n"), true},
		{"short", raw[:16], false},
		{"hex short", []byte(hex.EncodeToString(raw[:16])), false},
		{"empty", nil, false},
		{"garbage", []byte("not a key at all"), false},
	} {
		got, err := ParseKEK(tc.in)
		if tc.ok != (err == nil) {
			t.Errorf("%s: err %v, want ok=%v", tc.name, err, tc.ok)
			continue
		}
		if tc.ok && !bytes.Equal(got, raw) {
			t.Errorf("%s: got %x", tc.name, got)
		}
	}
}

// With a KEK, the key files hold no parseable private key, and the keyring
// reopens with the same KEK to the same keys.
func TestKeyringEncryptedAtRest(t *testing.T) {
	dir := t.TempDir()
	c := &clock{t: t0}
	k, err := openKEKKeyring(t, dir, c, testKEK(1))
	if err != nil {
		t.Fatal(err)
	}
	sk, err := k.Current("us-east-1")
	if err != nil {
		t.Fatal(err)
	}
	if !k.Protected() {
		t.Error("Protected() false with a KEK")
	}
	files := keyFiles(t, dir)
	if len(files) != 1 {
		t.Fatalf("key files %v", files)
	}
	data, _ := os.ReadFile(files[0])
	block, _ := pem.Decode(data)
	if block == nil || block.Type != encPemType || block.Headers[hdrKEKID] != KEKID(testKEK(1)) {
		t.Fatalf("key file is not an encrypted key:\n%s", data)
	}
	if _, err := x509.ParsePKCS1PrivateKey(block.Bytes); err == nil {
		t.Fatal("the encrypted key file's bytes parse as a PKCS#1 private key")
	}
	if _, err := x509.ParsePKCS8PrivateKey(block.Bytes); err == nil {
		t.Fatal("the encrypted key file's bytes parse as a PKCS#8 private key")
	}
	if bytes.Contains(data, x509.MarshalPKCS1PrivateKey(sk.Private)[:64]) {
		t.Fatal("the key file contains the private key's DER")
	}

	k2, err := openKEKKeyring(t, dir, c, testKEK(1))
	if err != nil {
		t.Fatal(err)
	}
	got, ok := k2.Lookup("us-east-1", sk.Public.Fingerprint)
	if !ok || !got.Private.Equal(sk.Private) {
		t.Fatal("reopened keyring lost the key")
	}
}

// A wrong KEK, a missing one, an edited or moved file: clear errors, never
// a silently made new key.
func TestKeyringEnvelopeRefusals(t *testing.T) {
	setup := func(t *testing.T) (string, string) {
		dir := t.TempDir()
		k, err := openKEKKeyring(t, dir, &clock{t: t0}, testKEK(1))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := k.Current("us-east-1"); err != nil {
			t.Fatal(err)
		}
		return dir, keyFiles(t, dir)[0]
	}
	for _, tc := range []struct {
		name   string
		mutate func(t *testing.T, dir, file string)
		kek    []byte
		want   error
	}{
		{"wrong KEK", nil, testKEK(2), ErrWrongKEK},
		{"no KEK", nil, nil, ErrKEKRequired},
		{"validity edited", func(t *testing.T, dir, file string) {
			data, _ := os.ReadFile(file)
			block, _ := pem.Decode(data)
			block.Headers[hdrValidityEnd] = t0.Add(1000 * time.Hour).Format(time.RFC3339)
			os.WriteFile(file, pem.EncodeToMemory(block), 0o600)
		}, testKEK(1), ErrWrongKEK},
		{"moved to another region", func(t *testing.T, dir, file string) {
			os.MkdirAll(filepath.Join(dir, "eu-west-1"), 0o700)
			if err := os.Rename(file, filepath.Join(dir, "eu-west-1", filepath.Base(file))); err != nil {
				t.Fatal(err)
			}
		}, testKEK(1), ErrWrongKEK},
		{"plaintext key injected", func(t *testing.T, dir, file string) {
			sk := testKey(t, 1024, 0)
			data := pem.EncodeToMemory(&pem.Block{Type: pemType, Headers: map[string]string{
				hdrValidityStart: sk.Public.ValidityStart.Format(time.RFC3339), hdrValidityEnd: sk.Public.ValidityEnd.Format(time.RFC3339),
			}, Bytes: x509.MarshalPKCS1PrivateKey(sk.Private)})
			os.WriteFile(filepath.Join(dir, "us-east-1", sk.Public.Fingerprint+keySuffix), data, 0o600)
		}, testKEK(1), ErrPlaintextKey},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir, file := setup(t)
			if tc.mutate != nil {
				tc.mutate(t, dir, file)
			}
			before := keyFiles(t, dir)
			_, err := openKEKKeyring(t, dir, &clock{t: t0}, tc.kek)
			if !errors.Is(err, tc.want) {
				t.Fatalf("open: %v, want %v", err, tc.want)
			}
			if after := keyFiles(t, dir); strings.Join(after, ",") != strings.Join(before, ",") {
				t.Errorf("key files changed: %v -> %v", before, after)
			}
		})
	}
}

// Plaintext keys found at the first start with a KEK are encrypted in
// place; the keys (fingerprints, validity) stay the same.
func TestKeyringMigratesPlaintextKeys(t *testing.T) {
	dir := t.TempDir()
	c := &clock{t: t0}
	plain := openTestKeyring(t, dir, c)
	var want []PublicKey
	for _, r := range []string{"us-east-1", "eu-west-1"} {
		sk, err := plain.Current(r)
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, sk.Public)
	}
	k, err := openKEKKeyring(t, dir, c, testKEK(3))
	if err != nil {
		t.Fatal(err)
	}
	if k.Migrated() != 2 {
		t.Errorf("Migrated() = %d, want 2", k.Migrated())
	}
	for _, f := range keyFiles(t, dir) {
		data, _ := os.ReadFile(f)
		if bytes.Contains(data, []byte(pemType+"-----")) && !bytes.Contains(data, []byte(encPemType)) {
			t.Errorf("%s still plaintext", f)
		}
		if strings.Contains(string(data), "BEGIN RSA PRIVATE KEY") {
			t.Errorf("%s still plaintext", f)
		}
	}
	for _, p := range want {
		r := "us-east-1"
		if _, ok := k.Lookup(r, p.Fingerprint); !ok {
			if _, ok := k.Lookup("eu-west-1", p.Fingerprint); !ok {
				t.Errorf("key %s lost in migration", p.Fingerprint)
			}
		}
	}
	// Reopening needs the KEK now.
	if _, err := openKEKKeyring(t, dir, c, nil); !errors.Is(err, ErrKEKRequired) {
		t.Errorf("reopen without KEK: %v", err)
	}
	k2, err := openKEKKeyring(t, dir, c, testKEK(3))
	if err != nil || k2.Migrated() != 0 {
		t.Fatalf("reopen: %v, migrated %d", err, k2.Migrated())
	}
}
