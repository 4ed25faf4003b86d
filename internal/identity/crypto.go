package identity

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/cairn-audit/cairn/internal/fsutil"
)

const (
	masterKeyFile = "master.key"
	masterKeySize = 32 // AES-256
	sealPrefix    = "v1:"
	aadPrefix     = "cairn-identity/v1/secret/"
)

// sealer encrypts secret access keys with AES-256-GCM under the master key.
type sealer struct{ aead cipher.AEAD }

func newSealer(key []byte) (*sealer, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("master key: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("master key: %w", err)
	}
	return &sealer{aead: aead}, nil
}

// aad binds a ciphertext to the key it belongs to, so ciphertexts cannot be
// swapped between keys in the state file.
func aad(accountID, keyID string) []byte {
	return []byte(aadPrefix + accountID + "/" + keyID)
}

// seal returns "v1:" + base64(nonce || ciphertext || tag).
func (s *sealer) seal(accountID, keyID, secret string) string {
	nonce := make([]byte, s.aead.NonceSize(), s.aead.NonceSize()+len(secret)+s.aead.Overhead())
	_, _ = rand.Read(nonce)
	out := s.aead.Seal(nonce, nonce, []byte(secret), aad(accountID, keyID))
	return sealPrefix + base64.StdEncoding.EncodeToString(out)
}

func (s *sealer) open(accountID, keyID, sealed string) (string, error) {
	enc, ok := strings.CutPrefix(sealed, sealPrefix)
	if !ok {
		return "", errors.New("unknown secret encoding")
	}
	raw, err := base64.StdEncoding.DecodeString(enc)
	if err != nil {
		return "", fmt.Errorf("decode secret: %w", err)
	}
	ns := s.aead.NonceSize()
	if len(raw) < ns+s.aead.Overhead() {
		return "", errors.New("sealed secret too short")
	}
	plain, err := s.aead.Open(nil, raw[:ns], raw[ns:], aad(accountID, keyID))
	if err != nil {
		return "", fmt.Errorf("decrypt secret (wrong master key or tampered state): %w", err)
	}
	return string(plain), nil
}

// loadMasterKey reads <dir>/master.key, creating it if neither it nor the
// state file exist yet. A state file without its master key is an error: its
// secrets could never be decrypted.
func loadMasterKey(dir string) ([]byte, error) {
	path := filepath.Join(dir, masterKeyFile)
	fi, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		if _, serr := os.Stat(filepath.Join(dir, stateFile)); serr == nil {
			return nil, fmt.Errorf("master key %s missing but state file exists: secrets cannot be decrypted", path)
		}
		key := make([]byte, masterKeySize)
		_, _ = rand.Read(key)
		if err := writeFileAtomic(dir, masterKeyFile, key); err != nil {
			return nil, fmt.Errorf("create master key: %w", err)
		}
		return key, nil
	}
	if err != nil {
		return nil, fmt.Errorf("stat master key: %w", err)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return nil, fmt.Errorf("master key %s has mode %#o: it must not be accessible by group or others (chmod 600)", path, perm)
	}
	key, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read master key: %w", err)
	}
	if len(key) != masterKeySize {
		return nil, fmt.Errorf("master key %s: %d bytes, want %d", path, len(key), masterKeySize)
	}
	return key, nil
}

// writeFileAtomic replaces dir/name with data (mode 0600); a crash leaves
// either the old or the new file.
func writeFileAtomic(dir, name string, data []byte) error {
	return fsutil.WriteFileAtomic(filepath.Join(dir, name), data, 0o600)
}

// removeStaleTemp deletes the temp file of dir/name a crash mid-write may
// have left.
func removeStaleTemp(dir, name string) error {
	err := os.Remove(filepath.Join(dir, name+tempSuffix))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove stale temp file: %w", err)
	}
	return nil
}
