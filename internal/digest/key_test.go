package digest

import (
	"regexp"
	"testing"
	"time"
)

func TestKeyLayout(t *testing.T) {
	end := time.Date(2024, 1, 2, 3, 4, 5, 999, time.FixedZone("x", 3600)) // 02:04:05 UTC
	cases := []struct{ prefix, want string }{
		{"", "AWSLogs/123456789012/CloudTrail-Digest/eu-west-1/2024/01/02/123456789012_CloudTrail-Digest_eu-west-1_my_trail_us-east-1_20240102T020405Z.json.gz"},
		{"a/b", "a/b/AWSLogs/123456789012/CloudTrail-Digest/eu-west-1/2024/01/02/123456789012_CloudTrail-Digest_eu-west-1_my_trail_us-east-1_20240102T020405Z.json.gz"},
	}
	for _, tc := range cases {
		got := Key(tc.prefix, "123456789012", "eu-west-1", "my_trail", "us-east-1", end)
		if got != tc.want {
			t.Fatalf("Key(%q) = %s\nwant %s", tc.prefix, got, tc.want)
		}
		// validate-logs: the stamp is key[-24:-8] and the key matches its regex.
		if stamp := got[len(got)-24 : len(got)-8]; stamp != "20240102T020405Z" {
			t.Fatalf("positional stamp %q", stamp)
		}
		re := `^AWSLogs/123456789012/CloudTrail\-Digest/eu\-west\-1/\d+/\d+/\d+/123456789012_CloudTrail\-Digest_eu\-west\-1_my_trail_us\-east\-1_.+(?:_backfill)?\.json\.gz$`
		if tc.prefix != "" {
			re = "^" + regexp.QuoteMeta(tc.prefix) + "/" + re[1:]
		}
		if !regexp.MustCompile(re).MatchString(got) {
			t.Fatalf("%s does not match the CLI's regex", got)
		}
	}
}

func TestParseKey(t *testing.T) {
	end := time.Date(2024, 12, 31, 23, 0, 0, 0, time.UTC)
	for _, prefix := range []string{"", "p", "deep/er/prefix", "AWSLogs"} {
		for _, name := range []string{"t", "my_trail_us-east-1", "a.b-c_d"} {
			key := Key(prefix, "123456789012", "ap-south-1", name, "us-west-2", end)
			ki, ok := ParseKey(key)
			want := KeyInfo{Prefix: prefix, Account: "123456789012", Region: "ap-south-1", TrailName: name, HomeRegion: "us-west-2", End: end}
			if !ok || ki != want {
				t.Fatalf("ParseKey(%s) = %+v, %v; want %+v", key, ki, ok, want)
			}
		}
	}

	bf := "pfx/AWSLogs/o-abc123/123456789012/CloudTrail-Digest/us-east-1/2015/08/17/123456789012_CloudTrail-Digest_us-east-1_tr_eu-west-1_20150817T150131Z_backfill.json.gz"
	ki, ok := ParseKey(bf)
	want := KeyInfo{Prefix: "pfx", OrgID: "o-abc123", Account: "123456789012", Region: "us-east-1", TrailName: "tr", HomeRegion: "eu-west-1",
		End: time.Date(2015, 8, 17, 15, 1, 31, 0, time.UTC), Backfill: true}
	if !ok || ki != want {
		t.Fatalf("ParseKey(backfill) = %+v, %v", ki, ok)
	}

	good := "AWSLogs/123456789012/CloudTrail-Digest/us-east-1/2024/01/01/123456789012_CloudTrail-Digest_us-east-1_tr_us-east-1_20240101T010000Z.json.gz"
	if _, ok := ParseKey(good); !ok {
		t.Fatalf("ParseKey(%s) failed", good)
	}
	bad := []string{
		"",
		"AWSLogs/123456789012/CloudTrail/us-east-1/2024/01/01/123456789012_CloudTrail_us-east-1_20240101T0100Z_abc.json.gz",
		"AWSLogs/123456789012/CloudTrail-Digest/us-east-1/2024/01/02/123456789012_CloudTrail-Digest_us-east-1_tr_us-east-1_20240101T010000Z.json.gz", // folder date
		"AWSLogs/123456789012/CloudTrail-Digest/us-east-1/2024/01/01/123456789012_CloudTrail-Digest_eu-west-1_tr_us-east-1_20240101T010000Z.json.gz", // region
		"AWSLogs/210987654321/CloudTrail-Digest/us-east-1/2024/01/01/123456789012_CloudTrail-Digest_us-east-1_tr_us-east-1_20240101T010000Z.json.gz", // account
		"AWSLogs/12345678901/CloudTrail-Digest/us-east-1/2024/01/01/12345678901_CloudTrail-Digest_us-east-1_tr_us-east-1_20240101T010000Z.json.gz",   // 11 digits
		"AWSLogs/123456789012/CloudTrail-Digest/us-east-1/2024/01/01/123456789012_CloudTrail-Digest_us-east-1_tr_us-east-1_20240101T010000Z.json",    // suffix
		"AWSLogs/123456789012/CloudTrail-Digest/us-east-1/2024/01/01/123456789012_CloudTrail-Digest_us-east-1_tr_us-east-1_20240101T250000Z.json.gz", // hour 25
		"AWSLogs/123456789012/CloudTrail-Digest/us-east-1/2024/01/01/123456789012_CloudTrail-Digest_us-east-1_us-east-1_20240101T010000Z.json.gz",    // no trail
		"AWSLogs/123456789012/CloudTrail-Digest/us-east-1/2024/01/01/123456789012_CloudTrail-Digest_us-east-1_tr__20240101T010000Z.json.gz",          // no home
		"AWSLogs/123456789012/CloudTrail-Digest/us-east-1/2024/01/01/123456789012_CloudTrail-Digest_us-east-1_tr_us-east-1-20240101T010000Z.json.gz", // separator
		"x/123456789012/CloudTrail-Digest/us-east-1/2024/01/01/123456789012_CloudTrail-Digest_us-east-1_tr_us-east-1_20240101T010000Z.json.gz",
		"/AWSLogs/123456789012/CloudTrail-Digest/us-east-1/2024/01/01/123456789012_CloudTrail-Digest_us-east-1_tr_us-east-1_20240101T010000Z.json.gz",
	}
	for _, k := range bad {
		if ki, ok := ParseKey(k); ok {
			t.Errorf("ParseKey(%s) = %+v, want failure", k, ki)
		}
	}
}
