package digest

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/cairn-audit/cairn/internal/fsutil"
)

// Keyring defaults.
const (
	DefaultRotation = 30 * 24 * time.Hour
	DefaultBits     = 2048
)

// PEM block type and headers of a stored private key.
const (
	pemType          = "RSA PRIVATE KEY" // PKCS#1
	hdrValidityStart = "Cairn-Validity-Start"
	hdrValidityEnd   = "Cairn-Validity-End"
	keySuffix        = ".pem"
)

// ErrInvalidRegion: a region name the keyring cannot hold keys for.
var ErrInvalidRegion = errors.New("digest: invalid region name")

// regionName is what the keyring accepts as a region (it names a directory).
var regionName = regexp.MustCompile(`^[a-z][a-z0-9]*(-[a-z0-9]+)*$`)

// KeyringOptions configure a Keyring.
type KeyringOptions struct {
	Rotation time.Duration    // validity of each key; default DefaultRotation
	Now      func() time.Time // clock; default time.Now
	Bits     int              // RSA modulus size of new keys; default DefaultBits
	// KEK is the key-encryption key (KEKSize bytes) the private keys are
	// encrypted under at rest (AES-256-GCM). Nil: keys are stored in plain
	// text (unprotected against whoever can read the directory). With a KEK,
	// plaintext keys found on open are encrypted in place (migration), unless
	// encrypted keys exist too (ErrPlaintextKey); without one, encrypted keys
	// stop the open (ErrKEKRequired), and a wrong one is ErrWrongKEK.
	KEK []byte
}

// Keyring holds the per-region digest signing keys in a directory:
// dir/<region>/<fingerprint>.pem, PKCS#1 PEM with the validity in the
// Cairn-Validity-Start/End headers (RFC 3339), mode 0600 in 0700
// directories, each written atomically.
//
// A region's first key is made on first use, valid from then for Rotation.
// A key is rotated on first use after its validity has ended: the new key is
// valid from the old one's end, or from now if that is later (whole seconds),
// so validity windows never overlap. Old keys are kept and stay listed by
// PublicKeys. Private keys never leave the process except into dir.
//
// A Keyring is safe for concurrent use.
type Keyring struct {
	dir  string
	opts KeyringOptions

	mu       sync.Mutex
	regions  map[string][]*SigningKey // oldest first
	migrated int
}

// OpenKeyring opens (creating it if needed) the keyring in dir.
func OpenKeyring(dir string, opts KeyringOptions) (*Keyring, error) {
	if opts.Rotation <= 0 {
		opts.Rotation = DefaultRotation
	}
	if opts.Rotation < time.Second {
		return nil, fmt.Errorf("digest: key rotation %s is under a second", opts.Rotation)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Bits == 0 {
		opts.Bits = DefaultBits
	}
	if opts.Bits < 1024 {
		return nil, fmt.Errorf("digest: %d-bit RSA keys are too small", opts.Bits)
	}
	if opts.KEK != nil && len(opts.KEK) != KEKSize {
		return nil, fmt.Errorf("digest: key-encryption key is %d bytes, want %d", len(opts.KEK), KEKSize)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("digest: keyring: %w", err)
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		return nil, fmt.Errorf("digest: keyring: %w", err)
	}
	k := &Keyring{dir: dir, opts: opts, regions: map[string][]*SigningKey{}}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("digest: keyring: %w", err)
	}
	var plain []loadedKey
	encrypted := 0
	for _, e := range entries {
		if !e.IsDir() || !regionName.MatchString(e.Name()) {
			continue
		}
		keys, err := k.loadRegion(e.Name())
		if err != nil {
			return nil, err
		}
		for _, lk := range keys {
			if lk.encrypted {
				encrypted++
			} else {
				plain = append(plain, lk)
			}
			k.regions[e.Name()] = append(k.regions[e.Name()], lk.sk)
		}
		sortKeys(k.regions[e.Name()])
	}
	if opts.KEK != nil && len(plain) > 0 {
		if encrypted > 0 {
			return nil, fmt.Errorf("%w: %s (encrypted keys are in the keyring too: a key written without the key-encryption key; remove it after checking)", ErrPlaintextKey, plain[0].path)
		}
		for _, lk := range plain { // migration: encrypt in place
			if err := k.store(lk.region, lk.sk); err != nil {
				return nil, err
			}
			k.migrated++
		}
	}
	return k, nil
}

// Protected reports whether the keys are encrypted at rest under a KEK.
func (k *Keyring) Protected() bool { return k.opts.KEK != nil }

// Migrated is how many plaintext keys the open encrypted.
func (k *Keyring) Migrated() int { return k.migrated }

// loadedKey is a key file read by OpenKeyring.
type loadedKey struct {
	region, path string
	sk           *SigningKey
	encrypted    bool
}

// loadRegion reads one region's keys and removes temporary files an
// interrupted write left.
func (k *Keyring) loadRegion(region string) ([]loadedKey, error) {
	dir := filepath.Join(k.dir, region)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("digest: keyring: %w", err)
	}
	var keys []loadedKey
	for _, e := range entries {
		name := e.Name()
		path := filepath.Join(dir, name)
		if strings.HasSuffix(name, fsutil.TempSuffix) {
			if err := os.Remove(path); err != nil {
				return nil, fmt.Errorf("digest: keyring: remove leftover %s: %w", path, err)
			}
			continue
		}
		if e.IsDir() || !strings.HasSuffix(name, keySuffix) {
			continue
		}
		want := strings.TrimSuffix(name, keySuffix)
		sk, encrypted, err := readKey(path, region, want, k.opts.KEK)
		if err != nil {
			return nil, err
		}
		if sk.Public.Fingerprint != want {
			return nil, fmt.Errorf("digest: keyring: %s holds the key with fingerprint %s", path, sk.Public.Fingerprint)
		}
		keys = append(keys, loadedKey{region: region, path: path, sk: sk, encrypted: encrypted})
	}
	return keys, nil
}

func sortKeys(keys []*SigningKey) {
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i].Public, keys[j].Public
		if !a.ValidityStart.Equal(b.ValidityStart) {
			return a.ValidityStart.Before(b.ValidityStart)
		}
		return a.Fingerprint < b.Fingerprint
	})
}

// readKey reads a key file: plaintext PKCS#1 PEM, or the same DER
// encrypted under kek (encrypted true).
func readKey(path, region, fingerprint string, kek []byte) (sk *SigningKey, encrypted bool, err error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, false, fmt.Errorf("digest: keyring: %w", err)
	}
	block, _ := pem.Decode(data)
	if block == nil || (block.Type != pemType && block.Type != encPemType) {
		return nil, false, fmt.Errorf("digest: keyring: %s is not a PEM %s or %s", path, pemType, encPemType)
	}
	startS, endS := block.Headers[hdrValidityStart], block.Headers[hdrValidityEnd]
	start, err1 := time.Parse(time.RFC3339, startS)
	end, err2 := time.Parse(time.RFC3339, endS)
	if err1 != nil || err2 != nil {
		return nil, false, fmt.Errorf("digest: keyring: %s: missing or bad %s/%s headers", path, hdrValidityStart, hdrValidityEnd)
	}
	der := block.Bytes
	if block.Type == encPemType {
		encrypted = true
		if kek == nil {
			return nil, true, fmt.Errorf("%w (%s is encrypted under key-encryption key %s): pass --key-encryption-key-file or set CAIRN_KEY_ENCRYPTION_KEY", ErrKEKRequired, path, block.Headers[hdrKEKID])
		}
		if c := block.Headers[hdrCipher]; c != cipherAESGCM {
			return nil, true, fmt.Errorf("digest: keyring: %s: unknown cipher %q", path, c)
		}
		if id := block.Headers[hdrKEKID]; id != KEKID(kek) {
			return nil, true, fmt.Errorf("%w: %s is encrypted under key-encryption key %s, the one given is %s", ErrWrongKEK, path, id, KEKID(kek))
		}
		if der, err = openKey(kek, block.Bytes, keyAAD(region, fingerprint, startS, endS)); err != nil {
			return nil, true, fmt.Errorf("%w: %s does not decrypt (altered, moved or renamed)", ErrWrongKEK, path)
		}
	}
	priv, err := x509.ParsePKCS1PrivateKey(der)
	if err != nil {
		return nil, encrypted, fmt.Errorf("digest: keyring: %s: %w", path, err)
	}
	sk, err = NewSigningKey(priv, start, end)
	if err != nil {
		return nil, encrypted, fmt.Errorf("digest: keyring: %s: %w", path, err)
	}
	return sk, encrypted, nil
}

// Dir is the keyring's directory.
func (k *Keyring) Dir() string { return k.dir }

// Current returns the region's current signing key, making the region's
// first key or rotating an expired one as needed.
func (k *Keyring) Current(region string) (*SigningKey, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.current(region)
}

// KeyAt returns the region's key for signing a digest of time t: the key
// whose validity contains t; for a t before a key's validity (before the
// first key, or in a gap between two), the next key; for a t after the
// current key's validity, the current key. It brings the region's keys up
// to date first, as Current does. Signing each digest with KeyAt(its end
// time) lets a producer re-seal a digest byte for byte after a rotation.
func (k *Keyring) KeyAt(region string, t time.Time) (*SigningKey, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	cur, err := k.current(region)
	if err != nil {
		return nil, err
	}
	for _, sk := range k.regions[region] {
		if sk.Public.ValidityEnd.After(t) {
			return sk, nil
		}
	}
	return cur, nil
}

// Lookup returns the region's key with the given fingerprint.
func (k *Keyring) Lookup(region, fingerprint string) (*SigningKey, bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	for _, sk := range k.regions[region] {
		if sk.Public.Fingerprint == fingerprint {
			return sk, true
		}
	}
	return nil, false
}

// PublicKeys returns the public half of every key of the region whose
// validity overlaps [start, end], oldest first. Like AWS, which always has
// a current key in every region, it first brings the region's keys up to
// date (Current), so a region never answers an empty list for a window
// reaching now.
func (k *Keyring) PublicKeys(region string, start, end time.Time) ([]PublicKey, error) {
	if end.Before(start) {
		return nil, fmt.Errorf("digest: public keys: end %s before start %s", end.Format(time.RFC3339), start.Format(time.RFC3339))
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if _, err := k.current(region); err != nil {
		return nil, err
	}
	var out []PublicKey
	for _, sk := range k.regions[region] {
		if sk.Public.Overlaps(start, end) {
			out = append(out, sk.Public)
		}
	}
	return out, nil
}

// Regions lists the regions holding keys, sorted.
func (k *Keyring) Regions() []string {
	k.mu.Lock()
	defer k.mu.Unlock()
	out := make([]string, 0, len(k.regions))
	for r := range k.regions {
		out = append(out, r)
	}
	sort.Strings(out)
	return out
}

// current returns the region's current key, creating or rotating it. k.mu is held.
func (k *Keyring) current(region string) (*SigningKey, error) {
	if len(region) > 64 || !regionName.MatchString(region) {
		return nil, fmt.Errorf("%w: %q", ErrInvalidRegion, region)
	}
	now := k.opts.Now().UTC().Truncate(time.Second)
	keys := k.regions[region]
	start := now
	if n := len(keys); n > 0 {
		last := keys[n-1]
		if now.Before(last.Public.ValidityEnd) {
			return last, nil
		}
		if end := last.Public.ValidityEnd; end.After(start) {
			start = end
		}
	}
	sk, err := GenerateSigningKey(k.opts.Bits, start, start.Add(k.opts.Rotation))
	if err != nil {
		return nil, err
	}
	if err := k.store(region, sk); err != nil {
		return nil, err
	}
	k.regions[region] = append(keys, sk)
	return sk, nil
}

// store writes sk under dir/<region>/<fingerprint>.pem.
func (k *Keyring) store(region string, sk *SigningKey) error {
	rdir := filepath.Join(k.dir, region)
	if err := os.MkdirAll(rdir, 0o700); err != nil {
		return fmt.Errorf("digest: keyring: %w", err)
	}
	if err := os.Chmod(rdir, 0o700); err != nil {
		return fmt.Errorf("digest: keyring: %w", err)
	}
	start, end := sk.Public.ValidityStart.Format(time.RFC3339), sk.Public.ValidityEnd.Format(time.RFC3339)
	block := &pem.Block{
		Type:    pemType,
		Headers: map[string]string{hdrValidityStart: start, hdrValidityEnd: end},
		Bytes:   x509.MarshalPKCS1PrivateKey(sk.Private),
	}
	if kek := k.opts.KEK; kek != nil {
		blob, err := sealKey(kek, block.Bytes, keyAAD(region, sk.Public.Fingerprint, start, end))
		if err != nil {
			return err
		}
		block.Type, block.Bytes = encPemType, blob
		block.Headers[hdrKEKID], block.Headers[hdrCipher] = KEKID(kek), cipherAESGCM
	}
	data := pem.EncodeToMemory(block)
	if err := fsutil.WriteFileAtomic(filepath.Join(rdir, sk.Public.Fingerprint+keySuffix), data, 0o600); err != nil {
		return fmt.Errorf("digest: keyring: store key: %w", err)
	}
	return fsutil.SyncDir(k.dir)
}
