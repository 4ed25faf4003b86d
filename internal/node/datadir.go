package node

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/cairn-audit/cairn/internal/fsutil"
	"github.com/cairn-audit/cairn/internal/identity"
)

// DataDir names the parts of a data directory (docs/DATA-DIR.md).
type DataDir string

// Path joins parts under the data dir.
func (d DataDir) Path(parts ...string) string {
	return filepath.Join(append([]string{string(d)}, parts...)...)
}

// The parts of a data dir.
func (d DataDir) Credentials() string     { return d.Path("credentials") }
func (d DataDir) Endpoint() string        { return d.Path("endpoint") }
func (d DataDir) Identity() string        { return d.Path("identity") }
func (d DataDir) Journal() string         { return d.Path("journal") }
func (d DataDir) History() string         { return d.Path("history") }
func (d DataDir) Keys() string            { return d.Path("keys") }
func (d DataDir) Buckets() string         { return d.Path("buckets") }
func (d DataDir) S3Uploads() string       { return d.Path("s3-uploads") }
func (d DataDir) Trails() string          { return d.Path("trails") }
func (d DataDir) Delivery() string        { return d.Path("delivery") }
func (d DataDir) DigestKeys() string      { return d.Path("keys", "digest") }
func (d DataDir) Channels() string        { return d.Path("channels") }
func (d DataDir) AuditEvents() string     { return d.Path("channels", "events") }
func (d DataDir) Lake(part string) string { return d.Path("lake", part) }
func (d DataDir) GatewaySpill() string    { return d.Path("gateway-spill") }
func (d DataDir) GatewayBodies() string   { return d.Path("gateway-bodies") }

// SecretKey returns the key in keys/<name>, creating a random one on first use.
func (d DataDir) SecretKey(name string, size int) ([]byte, error) {
	p := filepath.Join(d.Keys(), name)
	b, err := os.ReadFile(p)
	if err == nil {
		if len(b) != size {
			return nil, fmt.Errorf("key file %s: %d bytes, want %d", p, len(b), size)
		}
		return b, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("read key %s: %w", p, err)
	}
	b = make([]byte, size)
	_, _ = rand.Read(b)
	if err := WriteFileAtomic(p, b, 0o600); err != nil {
		return nil, err
	}
	return b, nil
}

// WriteCredentials writes the root credentials in the AWS shared-credentials format.
func (d DataDir) WriteCredentials(c identity.Credentials, region string) error {
	body := fmt.Sprintf("# Cairn root credentials for account %s (written %s)\n[default]\naws_access_key_id = %s\naws_secret_access_key = %s\nregion = %s\n",
		c.AccountID, time.Now().UTC().Format(time.RFC3339), c.AccessKeyID, c.SecretAccessKey, region)
	return WriteFileAtomic(d.Credentials(), []byte(body), 0o600)
}

// WriteFileAtomic creates path's directory if needed and replaces the file atomically.
func WriteFileAtomic(path string, data []byte, perm os.FileMode) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("create %s: %w", filepath.Dir(path), err)
	}
	return fsutil.WriteFileAtomic(path, data, perm)
}
