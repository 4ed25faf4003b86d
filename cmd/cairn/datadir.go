package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/cairn-audit/cairn/internal/node"
)

// Default endpoint and data directory (internal/node).
const (
	DefaultListen = node.DefaultListen
	DefaultData   = node.DefaultData
	DefaultRegion = node.DefaultRegion
)

// dataDir names the parts of a data directory: node.DataDir's layout
// (documented in docs/DATA-DIR.md), for the commands beside serve.
type dataDir string

func (d dataDir) layout() node.DataDir    { return node.DataDir(d) }
func (d dataDir) credentials() string     { return d.layout().Credentials() }
func (d dataDir) endpoint() string        { return d.layout().Endpoint() }
func (d dataDir) journal() string         { return d.layout().Journal() }
func (d dataDir) channels() string        { return d.layout().Channels() }
func (d dataDir) auditEvents() string     { return d.layout().AuditEvents() }
func (d dataDir) lake(part string) string { return d.layout().Lake(part) }

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
