package delivery

import (
	"crypto/rand"
	"strings"
	"time"
)

const uniqueAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// uniqueString is CloudTrail's 16-character [A-Za-z0-9] file-name suffix.
func uniqueString() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand never fails on supported platforms
	for i := range b {
		b[i] = uniqueAlphabet[int(b[i])%len(uniqueAlphabet)]
	}
	return string(b[:])
}

// LogKey is the object key of a log file:
// [<prefix>/]AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/<account>_CloudTrail_<region>_YYYYMMDDTHHmmZ_<unique>.json.gz
// where the time is the delivery time (UTC, to the minute).
func LogKey(prefix, account, region string, delivered time.Time, unique string) string {
	t := delivered.UTC()
	var b strings.Builder
	if prefix != "" {
		b.WriteString(strings.TrimSuffix(prefix, "/"))
		b.WriteByte('/')
	}
	b.WriteString("AWSLogs/")
	b.WriteString(account)
	b.WriteString("/CloudTrail/")
	b.WriteString(region)
	b.WriteString(t.Format("/2006/01/02/"))
	b.WriteString(account)
	b.WriteString("_CloudTrail_")
	b.WriteString(region)
	b.WriteByte('_')
	b.WriteString(t.Format("20060102T1504Z"))
	b.WriteByte('_')
	b.WriteString(unique)
	b.WriteString(".json.gz")
	return b.String()
}
