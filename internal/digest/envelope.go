package digest

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// KEKSize is the size of a key-encryption key: AES-256.
const KEKSize = 32

// PEM block type and headers of a signing key encrypted under a KEK.
const (
	encPemType   = "CAIRN ENCRYPTED RSA PRIVATE KEY"
	hdrKEKID     = "Cairn-KEK-Id"
	hdrCipher    = "Cairn-Cipher"
	cipherAESGCM = "AES-256-GCM"
	gcmNonceSize = 12
)

// Envelope errors.
var (
	// ErrWrongKEK: the key-encryption key given is not the one the signing
	// keys were encrypted under (or a key file was altered).
	ErrWrongKEK = errors.New("digest: wrong key-encryption key")
	// ErrKEKRequired: the signing keys are encrypted and no key-encryption
	// key was given.
	ErrKEKRequired = errors.New("digest: the signing keys are encrypted: a key-encryption key is required")
	// ErrPlaintextKey: a plaintext key file next to encrypted ones (a key
	// someone put there without the KEK).
	ErrPlaintextKey = errors.New("digest: plaintext signing key among encrypted ones")
)

// ParseKEK reads a key-encryption key: 64 hex digits or the standard base64
// of 32 bytes (surrounding white space ignored), or 32 raw bytes (binary:
// not all printable ASCII, so a short text key is never taken as raw).
func ParseKEK(data []byte) ([]byte, error) {
	if len(data) == KEKSize && !printable(data) {
		return append([]byte(nil), data...), nil
	}
	s := strings.TrimSpace(string(data))
	if b, err := hex.DecodeString(s); err == nil && len(b) == KEKSize {
		return b, nil
	}
	if b, err := base64.StdEncoding.DecodeString(s); err == nil && len(b) == KEKSize {
		return b, nil
	}
	return nil, fmt.Errorf("digest: a key-encryption key is %d bytes: raw, 64 hex digits or base64 (got %d bytes of input)", KEKSize, len(data))
}

func printable(b []byte) bool {
	for _, c := range b {
		if c < 0x20 || c > 0x7e {
			return false
		}
	}
	return true
}

// KEKID names a KEK without revealing it: the first 8 bytes, hex, of
// SHA-256("cairn-kek-id\x00" || kek).
func KEKID(kek []byte) string {
	h := sha256.Sum256(append([]byte("cairn-kek-id\x00"), kek...))
	return hex.EncodeToString(h[:8])
}

// keyAAD binds an encrypted key to its place and validity, so a file cannot
// be moved to another region or name, or its validity headers edited.
func keyAAD(region, fingerprint, start, end string) []byte {
	return []byte("cairn-digest-key\x00" + region + "\x00" + fingerprint + "\x00" + start + "\x00" + end)
}

// sealKey encrypts plain under kek: nonce (12 bytes) || AES-256-GCM ciphertext+tag.
func sealKey(kek, plain, aad []byte) ([]byte, error) {
	gcm, err := newGCM(kek)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, gcmNonceSize)
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("digest: nonce: %w", err)
	}
	return gcm.Seal(nonce, nonce, plain, aad), nil
}

// openKey decrypts what sealKey made.
func openKey(kek, blob, aad []byte) ([]byte, error) {
	gcm, err := newGCM(kek)
	if err != nil {
		return nil, err
	}
	if len(blob) < gcmNonceSize+gcm.Overhead() {
		return nil, ErrWrongKEK
	}
	plain, err := gcm.Open(nil, blob[:gcmNonceSize], blob[gcmNonceSize:], aad)
	if err != nil {
		return nil, ErrWrongKEK
	}
	return plain, nil
}

func newGCM(kek []byte) (cipher.AEAD, error) {
	if len(kek) != KEKSize {
		return nil, fmt.Errorf("digest: key-encryption key is %d bytes, want %d", len(kek), KEKSize)
	}
	blk, err := aes.NewCipher(kek)
	if err != nil {
		return nil, fmt.Errorf("digest: %w", err)
	}
	return cipher.NewGCM(blk)
}
