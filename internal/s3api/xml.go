package s3api

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"net/url"
	"strings"
	"time"

	"github.com/cairn-audit/cairn/internal/api"
)

// timeFormat is how S3 writes times in XML bodies.
const timeFormat = "2006-01-02T15:04:05.000Z"

func xmlTime(t time.Time) string { return t.UTC().Format(timeFormat) }

// xmlResult renders v (whose XMLName carries the S3 namespace) as a
// successful response.
func xmlResult(status int, v any, requestID string) (*api.Result, error) {
	var b bytes.Buffer
	b.WriteString(xml.Header)
	if err := xml.NewEncoder(&b).Encode(v); err != nil {
		return nil, err
	}
	res := emptyResult(status, requestID)
	res.Header.Set("Content-Type", "application/xml")
	res.Body = b.Bytes()
	return res, nil
}

// emptyResult is a successful response without a body.
func emptyResult(status int, requestID string) *api.Result {
	return &api.Result{Status: status, Header: responseHeader(requestID)}
}

// owner is an S3 owner: a canonical user ID derived from the account.
type owner struct {
	ID          string `xml:"ID"`
	DisplayName string `xml:"DisplayName,omitempty"`
}

func ownerOf(account string) owner {
	s := sha256.Sum256([]byte("cairn-s3-canonical-user:" + account))
	return owner{ID: hex.EncodeToString(s[:]), DisplayName: account}
}

// urlEncode encodes a key or prefix for EncodingType=url listings, as S3
// does: form encoding (space as '+'), with '/' left as is. Clients decode it
// with unquote_plus (botocore) or url.QueryUnescape.
func urlEncode(s string) string {
	return strings.ReplaceAll(url.QueryEscape(s), "%2F", "/")
}
