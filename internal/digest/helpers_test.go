package digest

import (
	"sync"
	"testing"
	"time"
)

const (
	testAccount = "123456789012"
	testBucket  = "ct-bucket"
	testRegion  = "us-east-1"
	testTrail   = "mytrail"
)

var (
	testKeys    = map[int]*SigningKey{}
	testKeysMu  sync.Mutex
	testKeyFrom = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
)

// testKey returns a shared signing key of the given size (n picks one of
// several distinct keys of that size).
func testKey(t testing.TB, bits, n int) *SigningKey {
	t.Helper()
	testKeysMu.Lock()
	defer testKeysMu.Unlock()
	id := bits*10 + n
	if k := testKeys[id]; k != nil {
		return k
	}
	k, err := GenerateSigningKey(bits, testKeyFrom, testKeyFrom.Add(DefaultRotation))
	if err != nil {
		t.Fatal(err)
	}
	testKeys[id] = k
	return k
}

// testDigest is a digest covering the hour ending at end with n log files.
func testDigest(end time.Time, n int) (Digest, string) {
	start := end.Add(-time.Hour)
	d := Digest{
		AWSAccountID:    testAccount,
		DigestStartTime: start.Format(TimeFormat),
		DigestEndTime:   end.Format(TimeFormat),
	}
	for i := range n {
		ts := start.Add(time.Duration(i+1) * time.Minute).Format(TimeFormat)
		d.LogFiles = append(d.LogFiles, LogFile{
			S3Bucket:        testBucket,
			S3Object:        "pfx/AWSLogs/123456789012/CloudTrail/us-east-1/" + start.Format("2006/01/02") + "/log" + ts + ".json.gz",
			HashValue:       "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
			HashAlgorithm:   HashAlgorithm,
			NewestEventTime: ts,
			OldestEventTime: ts,
		})
	}
	if n > 0 {
		oldest, newest := d.LogFiles[0].OldestEventTime, d.LogFiles[n-1].NewestEventTime
		d.OldestEventTime, d.NewestEventTime = &oldest, &newest
	}
	return d, Key("pfx", testAccount, testRegion, testTrail, testRegion, end)
}

func keyMap(keys ...*SigningKey) map[string]PublicKey {
	m := map[string]PublicKey{}
	for _, k := range keys {
		m[k.Public.Fingerprint] = k.Public
	}
	return m
}
