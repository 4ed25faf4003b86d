package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/cairn-audit/cairn/internal/anchor"
	"github.com/cairn-audit/cairn/internal/digest"
)

// kekEnv holds the digest keys' key-encryption key (hex or base64) when no
// --key-encryption-key-file is given.
const kekEnv = "CAIRN_KEY_ENCRYPTION_KEY"

// digestFlags are serve's flags protecting digest history: the keys'
// key-encryption key and the anchor.
type digestFlags struct {
	kekFile string
	anchor  string
}

func (f *digestFlags) register(fl *flag.FlagSet) {
	fl.StringVar(&f.kekFile, "key-encryption-key-file", "", "file (outside the data dir) holding the 32-byte key that encrypts the digest signing keys: raw, hex or base64 (default $"+kekEnv+"; none: keys stored unprotected)")
	fl.StringVar(&f.anchor, "anchor", "", "also write each digest's hash and signature to this write-once anchor: s3://BUCKET[/PREFIX][?endpoint=URL&region=R&retention-days=N] (credentials $CAIRN_ANCHOR_ACCESS_KEY_ID/$CAIRN_ANCHOR_SECRET_ACCESS_KEY) or file:///PATH")
}

// insideDir reports whether path is dir or below it (symlinks resolved as
// far as they exist).
func insideDir(path, dir string) bool {
	abs := func(p string) string {
		p, _ = filepath.Abs(p)
		if r, err := filepath.EvalSymlinks(p); err == nil {
			return r
		}
		if r, err := filepath.EvalSymlinks(filepath.Dir(p)); err == nil {
			return filepath.Join(r, filepath.Base(p))
		}
		return p
	}
	p, d := abs(path), abs(dir)
	rel, err := filepath.Rel(d, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, "../")
}

// keyEncryptionKey reads the KEK: the file, else the environment; nil if neither.
func (f *digestFlags) keyEncryptionKey(data string) ([]byte, string, error) {
	if f.kekFile != "" {
		if insideDir(f.kekFile, data) {
			return nil, "", fmt.Errorf("--key-encryption-key-file %s is inside the data dir %s: keep it where whoever reads the data dir cannot", f.kekFile, data)
		}
		b, err := os.ReadFile(f.kekFile)
		if err != nil {
			return nil, "", fmt.Errorf("--key-encryption-key-file: %w", err)
		}
		kek, err := digest.ParseKEK(b)
		if err != nil {
			return nil, "", fmt.Errorf("--key-encryption-key-file %s: %w", f.kekFile, err)
		}
		return kek, f.kekFile, nil
	}
	if v := os.Getenv(kekEnv); v != "" {
		os.Unsetenv(kekEnv) // not inherited by child processes (the Lake engine)
		kek, err := digest.ParseKEK([]byte(v))
		if err != nil {
			return nil, "", fmt.Errorf("$%s: %w", kekEnv, err)
		}
		return kek, "$" + kekEnv, nil
	}
	return nil, "", nil
}

// openDigestKeys opens the keyring, encrypted under the KEK if one is given.
func (f *digestFlags) openDigestKeys(d dataDir, data string, rotation time.Duration, logger *slog.Logger) (*digest.Keyring, error) {
	kek, from, err := f.keyEncryptionKey(data)
	if err != nil {
		return nil, err
	}
	keys, err := digest.OpenKeyring(d.digestKeys(), digest.KeyringOptions{Rotation: rotation, KEK: kek})
	if err != nil {
		if errors.Is(err, digest.ErrWrongKEK) {
			return nil, fmt.Errorf("open digest signing keys with the key-encryption key from %s: %w", from, err)
		}
		return nil, fmt.Errorf("open digest signing keys: %w", err)
	}
	switch {
	case kek == nil:
		logger.Warn("digest signing keys are stored unprotected: whoever can read the data dir can re-sign digests; pass --key-encryption-key-file (see docs/DIGESTS.md)", "dir", d.digestKeys())
	case keys.Migrated() > 0:
		logger.Info("encrypted plaintext digest signing keys", "keys", keys.Migrated(), "kek", digest.KEKID(kek), "from", from)
	default:
		logger.Info("digest signing keys encrypted at rest", "kek", digest.KEKID(kek), "from", from)
	}
	return keys, nil
}

// openAnchor opens the --anchor sink (nil without one).
func (f *digestFlags) openAnchor(ctx context.Context, data string, storage storageFlags, logger *slog.Logger) (anchor.Sink, error) {
	if f.anchor == "" {
		logger.Warn("no --anchor: a rewrite of digest history by whoever controls the host and bucket is not detectable (see docs/DIGESTS.md)")
		return nil, nil
	}
	if p := anchor.FilePath(f.anchor); p != "" && insideDir(p, data) {
		return nil, fmt.Errorf("--anchor %s is inside the data dir %s", f.anchor, data)
	}
	opts := anchor.Options{Endpoint: storage.endpoint, Region: storage.region,
		AccessKeyID: os.Getenv("CAIRN_ANCHOR_ACCESS_KEY_ID"), SecretAccessKey: os.Getenv("CAIRN_ANCHOR_SECRET_ACCESS_KEY")}
	if opts.AccessKeyID == "" {
		opts.AccessKeyID, opts.SecretAccessKey = storage.accessKey, storage.secretKey
		if opts.AccessKeyID == "" {
			opts.AccessKeyID, opts.SecretAccessKey = os.Getenv("CAIRN_S3_ACCESS_KEY_ID"), os.Getenv("CAIRN_S3_SECRET_ACCESS_KEY")
		}
	}
	sink, err := anchor.Open(ctx, f.anchor, opts)
	if err != nil {
		return nil, fmt.Errorf("--anchor: %w", err)
	}
	if s3, ok := sink.(*anchor.S3); ok {
		switch known, locked, unreadable := s3.Lock(); {
		case !known:
			logger.Warn("the anchor bucket cannot be reached yet; digests wait for it (see LatestDigestDeliveryError)", "anchor", sink.Describe())
		case unreadable:
			logger.Info("cannot read the anchor bucket's Object Lock configuration (write-only credentials): its default retention applies", "anchor", sink.Describe())
		case !locked:
			logger.Warn("the anchor bucket has no Object Lock: whoever holds its credentials can delete anchors", "anchor", sink.Describe())
		}
	}
	logger.Info("anchoring digests", "anchor", sink.Describe())
	return sink, nil
}
