package main

import (
	"strings"
	"testing"
)

// The start banner names every configured upstream, the external trail
// storage, and ends with the export lines.
func TestBannerNamesUpstreams(t *testing.T) {
	b := banner{Endpoint: "http://127.0.0.1:4590", Account: "123456789012", Data: "./cairn-data", AccessKeyID: "AKIA1", Secret: "s", Region: "us-east-1",
		Upstreams: map[string]string{"s3": "http://127.0.0.1:9000", "*": "http://127.0.0.1:5000", "sqs": "http://127.0.0.1:4566"}, S3Endpoint: "http://127.0.0.1:9000"}
	got := b.String()
	want := `Cairn is listening on http://127.0.0.1:4590 (account 123456789012, data ./cairn-data).
Forwarding s3 → http://127.0.0.1:9000 (recorded)
Forwarding sqs → http://127.0.0.1:4566 (recorded)
Forwarding every other service → http://127.0.0.1:5000 (recorded)
Trail buckets live on http://127.0.0.1:9000 (external S3).
Point AWS clients at it with:

export AWS_ENDPOINT_URL=http://127.0.0.1:4590
export AWS_ACCESS_KEY_ID=AKIA1
export AWS_SECRET_ACCESS_KEY=s
export AWS_DEFAULT_REGION=us-east-1

`
	if got != want {
		t.Fatalf("banner:\n%s\nwant:\n%s", got, want)
	}
	plain := banner{Endpoint: "http://x", Account: "1", Data: "d", AccessKeyID: "k", Secret: "s", Region: "r"}.String()
	if strings.Contains(plain, "Forwarding") || strings.Contains(plain, "external") {
		t.Fatalf("no upstreams: %s", plain)
	}
}
