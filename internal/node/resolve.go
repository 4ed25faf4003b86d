package node

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/cairn-audit/cairn/internal/anchor"
	"github.com/cairn-audit/cairn/internal/auth"
	"github.com/cairn-audit/cairn/internal/delivery"
	"github.com/cairn-audit/cairn/internal/digest"
	"github.com/cairn-audit/cairn/internal/lakeproc"
)

// KEKEnv holds the digest keys' key-encryption key (hex or base64) when no
// DigestConfig.KEKFile is given.
const KEKEnv = "CAIRN_KEY_ENCRYPTION_KEY"

// Resolve checks c and settles everything derived from it, once, before
// anything is opened: the upstream-s3 storage, the S3 keys from the
// environment, the key-encryption key (read, and removed from the
// environment so that child processes do not inherit it), the extra
// regions and the Lake's margin. Errors name the serve flags.
func (c *Config) Resolve() error {
	if c.DeliveryInterval < delivery.MinInterval {
		return fmt.Errorf("--delivery-interval must be at least %s", delivery.MinInterval)
	}
	if c.DigestInterval < delivery.MinDigestInterval {
		return fmt.Errorf("--digest-interval must be at least %s", delivery.MinDigestInterval)
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		return errors.New("--tls-cert and --tls-key go together")
	}
	if len(c.Upstreams) == 0 && c.UpstreamPassthrough {
		return errors.New("--upstream-passthrough-unknown-keys needs --upstream")
	}
	var err error
	if c.ExtraRegions, err = auth.ParseRegions(c.Regions + "," + c.Region); err != nil {
		return fmt.Errorf("--regions/--region: %w", err)
	}
	if c.Lake.Margin, err = lakeproc.ParseSize(c.Lake.MemoryMargin); err != nil {
		return fmt.Errorf("--lake-memory-margin: %w", err)
	}
	if _, err := lakeproc.ParseSize(c.Lake.MemoryLimit); err != nil {
		return fmt.Errorf("--lake-memory-limit: %w", err)
	}
	if err := c.resolveS3(); err != nil {
		return err
	}
	if p := anchor.FilePath(c.Digests.Anchor); p != "" && insideDir(p, c.DataDir) {
		return fmt.Errorf("--anchor %s is inside the data dir %s", c.Digests.Anchor, c.DataDir)
	}
	c.Digests.KEK, c.Digests.KEKFrom, err = keyEncryptionKey(c.Digests.KEKFile, c.DataDir)
	return err
}

// resolveS3 settles where trail buckets live and with which keys.
func (c *Config) resolveS3() error {
	s := &c.S3
	if up, ok := c.Upstreams["s3"]; ok && s.Embedded() {
		// S3 goes upstream, so the trail buckets live there too; Cairn's
		// root keys sign by default (an upstream sharing Cairn's keys).
		s.Endpoint, s.RootKeys = up, true
	}
	// The anchor signs with its own keys, else the S3 keys given on the
	// command line or in the environment (never the root keys).
	d := &c.Digests
	if d.AnchorAccessKeyID == "" {
		d.AnchorAccessKeyID, d.AnchorSecretAccessKey = os.Getenv("CAIRN_ANCHOR_ACCESS_KEY_ID"), os.Getenv("CAIRN_ANCHOR_SECRET_ACCESS_KEY")
	}
	if d.AnchorAccessKeyID == "" {
		d.AnchorAccessKeyID, d.AnchorSecretAccessKey = s.AccessKeyID, s.SecretAccessKey
		if d.AnchorAccessKeyID == "" {
			d.AnchorAccessKeyID, d.AnchorSecretAccessKey = os.Getenv("CAIRN_S3_ACCESS_KEY_ID"), os.Getenv("CAIRN_S3_SECRET_ACCESS_KEY")
		}
	}
	if s.Embedded() {
		return nil
	}
	if s.AccessKeyID == "" {
		s.AccessKeyID = os.Getenv("CAIRN_S3_ACCESS_KEY_ID")
	}
	if s.SecretAccessKey == "" {
		s.SecretAccessKey = os.Getenv("CAIRN_S3_SECRET_ACCESS_KEY")
	}
	if s.AccessKeyID == "" && s.SecretAccessKey == "" && s.RootKeys {
		return nil // the root keys sign (OpenLocal)
	}
	if s.AccessKeyID == "" || s.SecretAccessKey == "" {
		return errors.New("--s3-endpoint needs credentials: --s3-access-key-id/--s3-secret-access-key or $CAIRN_S3_ACCESS_KEY_ID/$CAIRN_S3_SECRET_ACCESS_KEY")
	}
	return nil
}

// keyEncryptionKey reads the KEK: the file, else the environment; nil if neither.
func keyEncryptionKey(file, data string) ([]byte, string, error) {
	if file != "" {
		if insideDir(file, data) {
			return nil, "", fmt.Errorf("--key-encryption-key-file %s is inside the data dir %s: keep it where whoever reads the data dir cannot", file, data)
		}
		b, err := os.ReadFile(file)
		if err != nil {
			return nil, "", fmt.Errorf("--key-encryption-key-file: %w", err)
		}
		kek, err := digest.ParseKEK(b)
		if err != nil {
			return nil, "", fmt.Errorf("--key-encryption-key-file %s: %w", file, err)
		}
		return kek, file, nil
	}
	if v := os.Getenv(KEKEnv); v != "" {
		os.Unsetenv(KEKEnv) // not inherited by child processes (the Lake engine)
		kek, err := digest.ParseKEK([]byte(v))
		if err != nil {
			return nil, "", fmt.Errorf("$%s: %w", KEKEnv, err)
		}
		return kek, "$" + KEKEnv, nil
	}
	return nil, "", nil
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

// formatMiB renders a size in MiB as the --lake-memory-margin flag takes it.
func formatMiB(n int64) string { return fmt.Sprintf("%dMiB", n>>20) }
