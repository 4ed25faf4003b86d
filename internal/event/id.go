package event

import (
	"crypto/rand"
	"encoding/hex"
)

// NewID returns a random (version 4) UUID in its canonical lower-case form,
// the format of eventID and requestID.
func NewID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return formatUUID(b[:])
}

// NewIDs returns n random (version 4) UUIDs, drawing randomness once.
func NewIDs(n int) []string {
	raw := make([]byte, 16*n)
	_, _ = rand.Read(raw) // crypto/rand.Read never fails (Go 1.24+)
	out := make([]string, n)
	for i := range out {
		out[i] = formatUUID(raw[16*i : 16*i+16])
	}
	return out
}

// formatUUID stamps b (16 random bytes) as a version 4 UUID and formats it.
func formatUUID(b []byte) string {
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	var s [36]byte
	hex.Encode(s[0:8], b[0:4])
	s[8] = '-'
	hex.Encode(s[9:13], b[4:6])
	s[13] = '-'
	hex.Encode(s[14:18], b[6:8])
	s[18] = '-'
	hex.Encode(s[19:23], b[8:10])
	s[23] = '-'
	hex.Encode(s[24:], b[10:])
	return string(s[:])
}
