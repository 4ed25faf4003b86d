package auth

import (
	"strings"
	"testing"
)

// BenchmarkVerify is the hot path: a header-form cloudtrail POST with a
// 300-byte JSON body, signing key cached.
func BenchmarkVerify(b *testing.B) {
	body := []byte(`{"LookupAttributes":[{"AttributeKey":"EventName","AttributeValue":"CreateUser"}],"MaxResults":50,"NextToken":"` +
		strings.Repeat("t", 300-120) + `"}`)
	for len(body) < 300 {
		body = append(body, ' ')
	}
	body = body[:300]
	r := clientReq{method: "POST", url: "http://" + testHost + "/", body: body, header: map[string][]string{
		"Content-Type": {"application/x-amz-json-1.1"},
		"X-Amz-Target": {"com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents"},
	}}.build(b)
	signGo(b, r, body, signOpts{service: "cloudtrail"})
	sr := serverView(b, r, body)
	v := newTestVerifier(t0)
	if _, _, err := v.Verify(sr, body); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if _, _, err := v.Verify(sr, body); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyPresigned is a presigned s3 GET (query parsing and sorting).
func BenchmarkVerifyPresigned(b *testing.B) {
	r := clientReq{method: "GET", url: "http://" + testHost + "/x?versionId=3", rawPath: escapeS3(s3Path)}.build(b)
	signGo(b, r, nil, signOpts{service: "s3", s3: true, presign: true, expires: 3600, payload: unsignedPayload})
	sr := serverView(b, r, nil)
	v := newTestVerifier(t0)
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := v.Verify(sr, nil); err != nil {
			b.Fatal(err)
		}
	}
}
