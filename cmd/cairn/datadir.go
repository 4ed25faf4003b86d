package main

import (
	"crypto/rand"
	"errors"
	"fmt"
	"github.com/cairn-audit/cairn/internal/fsutil"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/cairn-audit/cairn/internal/identity"
)

// Default endpoint and data directory.
const (
	DefaultListen = "127.0.0.1:4590"
	DefaultData   = "./cairn-data"
	DefaultRegion = "us-east-1"
)

// dataDir names the parts of a data directory (documented in docs/DATA-DIR.md).
type dataDir string

func (d dataDir) path(parts ...string) string {
	return filepath.Join(append([]string{string(d)}, parts...)...)
}
func (d dataDir) credentials() string     { return d.path("credentials") }
func (d dataDir) endpoint() string        { return d.path("endpoint") }
func (d dataDir) identity() string        { return d.path("identity") }
func (d dataDir) journal() string         { return d.path("journal") }
func (d dataDir) history() string         { return d.path("history") }
func (d dataDir) keys() string            { return d.path("keys") }
func (d dataDir) buckets() string         { return d.path("buckets") }
func (d dataDir) s3Uploads() string       { return d.path("s3-uploads") }
func (d dataDir) trails() string          { return d.path("trails") }
func (d dataDir) delivery() string        { return d.path("delivery") }
func (d dataDir) digestKeys() string      { return d.path("keys", "digest") }
func (d dataDir) channels() string        { return d.path("channels") }
func (d dataDir) auditEvents() string     { return d.path("channels", "events") }
func (d dataDir) lake(part string) string { return d.path("lake", part) }

// secretKey returns the key in keys/<name>, creating a random one on first use.
func (d dataDir) secretKey(name string, size int) ([]byte, error) {
	p := filepath.Join(d.keys(), name)
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
	if err := writeFileAtomic(p, b, 0o600); err != nil {
		return nil, err
	}
	return b, nil
}

// writeCredentials writes the root credentials in the AWS shared-credentials format.
func (d dataDir) writeCredentials(c identity.Credentials, region string) error {
	body := fmt.Sprintf("# Cairn root credentials for account %s (written %s)\n[default]\naws_access_key_id = %s\naws_secret_access_key = %s\nregion = %s\n",
		c.AccountID, time.Now().UTC().Format(time.RFC3339), c.AccessKeyID, c.SecretAccessKey, region)
	return writeFileAtomic(d.credentials(), []byte(body), 0o600)
}

// readCredentials reads the [default] profile of the credentials file.
func (d dataDir) readCredentials() (akid, secret, region string, err error) {
	b, err := os.ReadFile(d.credentials())
	if err != nil {
		return "", "", "", fmt.Errorf("read credentials: %w", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		switch strings.TrimSpace(k) {
		case "aws_access_key_id":
			akid = strings.TrimSpace(v)
		case "aws_secret_access_key":
			secret = strings.TrimSpace(v)
		case "region":
			region = strings.TrimSpace(v)
		}
	}
	if akid == "" || secret == "" {
		return "", "", "", fmt.Errorf("credentials file %s has no access key", d.credentials())
	}
	if region == "" {
		region = DefaultRegion
	}
	return akid, secret, region, nil
}

// endpointURL is the URL the last server on this data dir listened on.
func (d dataDir) endpointURL() string {
	b, err := os.ReadFile(d.endpoint())
	if err != nil {
		return "http://" + DefaultListen
	}
	return strings.TrimSpace(string(b))
}

func exportLines(endpoint, akid, secret, region string) string {
	return fmt.Sprintf("export AWS_ENDPOINT_URL=%s\nexport AWS_ACCESS_KEY_ID=%s\nexport AWS_SECRET_ACCESS_KEY=%s\nexport AWS_DEFAULT_REGION=%s\n",
		endpoint, akid, secret, region)
}

// writeFileAtomic creates path's directory if needed and replaces the file atomically.
func writeFileAtomic(path string, data []byte, perm os.FileMode) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("create %s: %w", filepath.Dir(path), err)
	}
	return fsutil.WriteFileAtomic(path, data, perm)
}
