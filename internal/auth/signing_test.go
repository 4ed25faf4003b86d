package auth

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"testing"
)

func TestDeriveSigningKey(t *testing.T) {
	// The example in AWS's SigV4 documentation ("Examples of how to derive a signing key").
	got := deriveSigningKey("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20120215", "us-east-1", "iam")
	if want := "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d"; hex.EncodeToString(got[:]) != want {
		t.Fatalf("signing key %x, want %s", got, want)
	}
	// Secrets longer than the HMAC block size are hashed first.
	long := strings.Repeat("s", 100)
	got = deriveSigningKey(long, "20261121", "us-east-1", "s3")
	k := refHMAC([]byte("AWS4"+long), "20261121")
	k = refHMAC(k, "us-east-1")
	k = refHMAC(k, "s3")
	k = refHMAC(k, "aws4_request")
	if !hmac.Equal(got[:], k) {
		t.Fatalf("long secret: %x, want %x", got, k)
	}
}

func TestHMACMatchesStdlib(t *testing.T) {
	for _, n := range []int{0, 1, 32, 63, 64, 65, 200} {
		key := []byte(strings.Repeat("k", n))
		msg := []byte("message " + strconv.Itoa(n))
		got, _ := hmacSHA256(key, msg, nil)
		m := hmac.New(sha256.New, key)
		m.Write(msg)
		if !hmac.Equal(got[:], m.Sum(nil)) {
			t.Errorf("key length %d: mismatch", n)
		}
	}
}

func TestKeyCacheBounded(t *testing.T) {
	c := newKeyCache(8)
	first := c.get("secret", "20261121", "us-east-1", "iam")
	for i := range 100 {
		region := "region-" + strconv.Itoa(i)
		if got, want := c.get("secret", "20261121", region, "iam"), deriveSigningKey("secret", "20261121", region, "iam"); got != want {
			t.Fatalf("cached key for %s differs from derived", region)
		}
		if n := c.len(); n > 8 {
			t.Fatalf("cache holds %d entries, bound 8", n)
		}
	}
	// An evicted entry is derived again, identically.
	if again := c.get("secret", "20261121", "us-east-1", "iam"); again != first {
		t.Fatal("re-derived key differs")
	}
	// A recently used entry survives a generation flip.
	c.get("secret", "d", "hot", "s")
	for i := range 3 {
		c.get("secret", "d", "cold"+strconv.Itoa(i), "s")
		c.get("secret", "d", "hot", "s")
	}
	c.mu.Lock()
	_, inCur := c.cur[keyCacheKey{"secret", "d", "hot", "s"}]
	c.mu.Unlock()
	if !inCur {
		t.Error("hot entry not kept in the current generation")
	}
	// Different secrets never share an entry.
	if c.get("a", "d", "r", "s") == c.get("b", "d", "r", "s") {
		t.Error("different secrets gave the same signing key")
	}
}
