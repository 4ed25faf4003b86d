package server

import (
	"strings"
	"testing"
)

// TestBadSignatureFloodIsBounded: 3,000 bad-signature requests of a known
// key through a default front door write at most 2 records (before: 3,000
// fsync'd records). Uses only the front door's API, so it runs unchanged
// against the code before AuthFailures.
func TestBadSignatureFloodIsBounded(t *testing.T) {
	srv, st, _ := setup(t)
	for i := range 3000 {
		req := signedForm(t, srv, "sts", "Action=GetCallerIdentity&Version=2011-06-15")
		req.Header.Set("Authorization", strings.Replace(req.Header.Get("Authorization"), "Signature=", "Signature=00", 1))
		if status, body := do(t, req); status != 403 || !strings.Contains(body, "SignatureDoesNotMatch") {
			t.Fatalf("request %d: %d %s", i, status, body)
		}
	}
	st.mu.Lock()
	n := len(st.entries)
	st.mu.Unlock()
	if n > 2 {
		t.Fatalf("%d records for 3,000 failed authentications", n)
	}
}
