package auth

import (
	"crypto/sha256"
	"sync"
)

// hmacSHA256 is HMAC-SHA256(key, msg) without heap allocations for the short
// messages SigV4 signs: buf is scratch space that is grown and returned.
func hmacSHA256(key []byte, msg []byte, buf []byte) ([32]byte, []byte) {
	var k [sha256.BlockSize]byte
	if len(key) > sha256.BlockSize {
		s := sha256.Sum256(key)
		copy(k[:], s[:])
	} else {
		copy(k[:], key)
	}
	buf = buf[:0]
	for _, b := range k {
		buf = append(buf, b^0x36)
	}
	buf = append(buf, msg...)
	inner := sha256.Sum256(buf)
	buf = buf[:0]
	for _, b := range k {
		buf = append(buf, b^0x5c)
	}
	buf = append(buf, inner[:]...)
	return sha256.Sum256(buf), buf
}

// deriveSigningKey is the SigV4 key derivation:
// HMAC(HMAC(HMAC(HMAC("AWS4"+secret, date), region), service), "aws4_request").
func deriveSigningKey(secret, date, region, service string) [32]byte {
	buf := make([]byte, 0, 2*sha256.BlockSize+len(region)+len(service))
	k := append([]byte("AWS4"), secret...)
	h, buf := hmacSHA256(k, []byte(date), buf)
	h, buf = hmacSHA256(h[:], []byte(region), buf)
	h, buf = hmacSHA256(h[:], []byte(service), buf)
	h, _ = hmacSHA256(h[:], []byte("aws4_request"), buf)
	clear(k)
	return h
}

type keyCacheKey struct {
	secret, date, region, service string
}

// keyCache caches derived signing keys. It is bounded by two generations:
// lookups promote entries from the old generation into the current one, and
// when the current generation is full it becomes the old one (the previous
// old one is dropped). At most size entries are held.
type keyCache struct {
	mu       sync.Mutex
	half     int
	cur, old map[keyCacheKey][32]byte
}

func newKeyCache(size int) *keyCache {
	half := max(size/2, 1)
	return &keyCache{half: half, cur: make(map[keyCacheKey][32]byte, half)}
}

// get returns the signing key for (secret, date, region, service), deriving
// and caching it on a miss.
func (c *keyCache) get(secret, date, region, service string) [32]byte {
	ck := keyCacheKey{secret, date, region, service}
	c.mu.Lock()
	if k, ok := c.cur[ck]; ok {
		c.mu.Unlock()
		return k
	}
	k, ok := c.old[ck]
	c.mu.Unlock()
	if !ok {
		k = deriveSigningKey(secret, date, region, service)
	}
	c.mu.Lock()
	c.put(ck, k)
	c.mu.Unlock()
	return k
}

func (c *keyCache) put(ck keyCacheKey, k [32]byte) {
	if len(c.cur) >= c.half {
		c.old, c.cur = c.cur, make(map[keyCacheKey][32]byte, c.half)
	}
	c.cur[ck] = k
}

func (c *keyCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.cur) + len(c.old)
}
