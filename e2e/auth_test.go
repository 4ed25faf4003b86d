package e2e

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

func writeFile(t *testing.T, path, body string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

func lookupRequest(t *testing.T, s *server, body string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, s.endpoint+"/", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents")
	return req
}

func sign(t *testing.T, req *http.Request, body string, at time.Time) {
	t.Helper()
	sum := sha256.Sum256([]byte(body))
	err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: testKey, SecretAccessKey: testSecret},
		req, hex.EncodeToString(sum[:]), "cloudtrail", testRegion, at)
	if err != nil {
		t.Fatal(err)
	}
}

func send(t *testing.T, req *http.Request) (int, string, string) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var e struct {
		Type    string `json:"__type"`
		Message string `json:"message"`
	}
	_ = json.Unmarshal(b, &e)
	return resp.StatusCode, e.Type, e.Message
}

func TestRawAuthentication(t *testing.T) {
	s := startServer(t)
	body := `{"MaxResults":1}`

	status, code, _ := send(t, lookupRequest(t, s, body))
	if status != 403 || code != "MissingAuthenticationTokenException" {
		t.Errorf("unsigned: %d %s", status, code)
	}

	old := lookupRequest(t, s, body)
	sign(t, old, body, time.Now().Add(-20*time.Minute))
	status, code, msg := send(t, old)
	if status != 403 || code != "InvalidSignatureException" || !strings.Contains(msg, "Signature expired") {
		t.Errorf("20 minutes old: %d %s %q", status, code, msg)
	}

	future := lookupRequest(t, s, body)
	sign(t, future, body, time.Now().Add(20*time.Minute))
	if status, code, _ := send(t, future); status != 403 || code != "InvalidSignatureException" {
		t.Errorf("20 minutes ahead: %d %s", status, code)
	}

	ok := lookupRequest(t, s, body)
	sign(t, ok, body, time.Now())
	if status, code, msg := send(t, ok); status != 200 {
		t.Fatalf("fresh signature: %d %s %s", status, code, msg)
	}

	// The body is covered by the signature.
	tampered := lookupRequest(t, s, `{"MaxResults":2}`)
	sign(t, tampered, body, time.Now())
	if status, code, _ := send(t, tampered); status != 403 || code != "InvalidSignatureException" {
		t.Errorf("tampered body: %d %s", status, code)
	}

	// Presigned query form.
	pre := lookupRequest(t, s, body)
	sum := sha256.Sum256([]byte(body))
	url, hdr, err := v4.NewSigner().PresignHTTP(context.Background(), aws.Credentials{AccessKeyID: testKey, SecretAccessKey: testSecret},
		pre, hex.EncodeToString(sum[:]), "cloudtrail", testRegion, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	preReq, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader([]byte(body)))
	for k, v := range hdr {
		preReq.Header[k] = v
	}
	preReq.Header.Set("Content-Type", "application/x-amz-json-1.1")
	if status, code, msg := send(t, preReq); status != 200 {
		t.Errorf("presigned: %d %s %s", status, code, msg)
	}

	// Unknown services get a clear error.
	other, _ := http.NewRequest(http.MethodPost, s.endpoint+"/", strings.NewReader("Action=ListQueues"))
	other.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	sum = sha256.Sum256([]byte("Action=ListQueues"))
	_ = v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: testKey, SecretAccessKey: testSecret}, other, hex.EncodeToString(sum[:]), "sqs", testRegion, time.Now())
	resp, err := http.DefaultClient.Do(other)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 400 || !strings.Contains(string(b), "UnknownServiceException") || !strings.Contains(string(b), "sqs") {
		t.Errorf("unknown service: %d %s", resp.StatusCode, b)
	}
}
