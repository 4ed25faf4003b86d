package lake

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestClassifyFolder(t *testing.T) {
	day := func(y, m, d int) folder {
		from := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
		return folder{kind: folderDay, from: from, to: from.AddDate(0, 0, 1)}
	}
	cases := []struct {
		path string
		want folder
	}{
		{"", folder{kind: folderOther}},
		{"my/trail/prefix/", folder{kind: folderOther}},
		{"AWSLogs/", folder{kind: folderAWSLogs}},
		{"p/AWSLogs/o-abcdefghij/", folder{kind: folderOrg}},
		{"p/AWSLogs/o-abcdefghij/111111111111/", folder{kind: folderAccount}},
		{"AWSLogs/111111111111/", folder{kind: folderAccount}},
		{"AWSLogs/111111111111/CloudTrail/", folder{kind: folderCloudTrail}},
		{"AWSLogs/111111111111/CloudTrail/eu-west-1/", folder{kind: folderRegion}},
		{"AWSLogs/111111111111/CloudTrail/eu-west-1/2024/", folder{kind: folderYear,
			from: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), to: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}},
		{"AWSLogs/111111111111/CloudTrail/eu-west-1/2024/12/", folder{kind: folderMonth,
			from: time.Date(2024, 12, 1, 0, 0, 0, 0, time.UTC), to: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}},
		{"AWSLogs/111111111111/CloudTrail/eu-west-1/2024/02/29/", day(2024, 2, 29)},
		{"AWSLogs/o-abcdefghij/111111111111/CloudTrail/eu-west-1/2024/02/29/", day(2024, 2, 29)},
		// A trail prefix that itself holds an AWSLogs folder.
		{"AWSLogs/AWSLogs/111111111111/CloudTrail/eu-west-1/2024/02/29/", day(2024, 2, 29)},
		{"AWSLogs/AWSLogs/", folder{kind: folderAWSLogs}},
		// Not CloudTrail event logs.
		{"AWSLogs/111111111111/CloudTrail-Digest/", folder{kind: folderSkip}},
		{"AWSLogs/111111111111/CloudTrail-Insight/eu-west-1/", folder{kind: folderSkip}},
		{"AWSLogs/111111111111/elasticloadbalancing/", folder{kind: folderSkip}},
		{"AWSLogs/1111/", folder{kind: folderSkip}},
		{"AWSLogs/111111111111/CloudTrail/eu-west-1/2023/02/29/", folder{kind: folderSkip}},
		{"AWSLogs/111111111111/CloudTrail/eu-west-1/2024/13/", folder{kind: folderSkip}},
		{"AWSLogs/111111111111/CloudTrail/eu-west-1/24/", folder{kind: folderSkip}},
		{"AWSLogs/111111111111/CloudTrail/eu-west-1/2024/02/29/extra/", folder{kind: folderSkip}},
	}
	for _, c := range cases {
		if got := classifyFolder(c.path); got != c.want {
			t.Errorf("classifyFolder(%q) = %+v, want %+v", c.path, got, c.want)
		}
	}
}

func TestImportWindow(t *testing.T) {
	start := time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC)
	end := time.Date(2026, 11, 21, 23, 30, 0, 0, time.UTC)
	w := importWindow{start: start, end: end, lag: time.Hour}
	for _, c := range []struct {
		at   time.Time
		want bool
	}{{start, true}, {end, true}, {start.Add(-time.Second), false}, {end.Add(time.Second), false}} {
		if got := w.hasEvent(c.at); got != c.want {
			t.Errorf("hasEvent(%v) = %v", c.at, got)
		}
	}
	name := func(stamp string) string {
		return "AWSLogs/111111111111/CloudTrail/us-east-1/2026/11/21/111111111111_CloudTrail_us-east-1_" + stamp + "_AbCdEfGhIjKlMnOp.json.gz"
	}
	for _, c := range []struct {
		key  string
		want bool
	}{
		{name("20261120T2359Z"), false}, // delivered before the window starts
		{name("20261121T0000Z"), true},  // the minute the window starts
		{name("20261122T0030Z"), true},  // within the lag after the end
		{name("20261122T0031Z"), false}, // later than the lag
		{"AWSLogs/x/custom-name.json.gz", true},
	} {
		if got := w.fileMayHold(c.key); got != c.want {
			t.Errorf("fileMayHold(%s) = %v", c.key, got)
		}
	}
	if open := (importWindow{}); !open.hasEvent(time.Time{}) || !open.mayDeliver(start, start.Add(time.Minute)) {
		t.Fatal("an unbounded window refuses")
	}
}

func TestDiscoverPrefixes(t *testing.T) {
	e := newImportEnv(t)
	for _, k := range []string{
		"org/AWSLogs/111111111111/CloudTrail/us-east-1/2026/11/20/a.json.gz",
		"org/AWSLogs/111111111111/CloudTrail/us-east-1/2026/11/21/a.json.gz",
		"org/AWSLogs/111111111111/CloudTrail/eu-west-1/2026/11/21/a.json.gz",
		"org/AWSLogs/111111111111/CloudTrail-Digest/us-east-1/2026/11/21/d.json.gz",
		"org/AWSLogs/111111111111/CloudTrail-Insight/us-east-1/2026/11/21/i.json.gz",
		"org/AWSLogs/111111111111/elasticloadbalancing/us-east-1/2026/11/21/e.log.gz",
		"AWSLogs/o-abcdefghij/222222222222/CloudTrail/us-west-2/2025/01/31/a.json.gz",
		"a/b/AWSLogs/111111111111/CloudTrail/us-east-1/2026/13/01/a.json.gz",
		"a/b/AWSLogs/111111111111/CloudTrail/us-east-1/2026/02/03/a.json.gz",
		"notes/readme.txt",
	} {
		e.put(k, []byte("x"))
	}
	const ue1 = "org/AWSLogs/111111111111/CloudTrail/us-east-1/2026/11/"
	all := []string{
		"AWSLogs/o-abcdefghij/222222222222/CloudTrail/us-west-2/2025/01/31/",
		"a/b/AWSLogs/111111111111/CloudTrail/us-east-1/2026/02/03/",
		"org/AWSLogs/111111111111/CloudTrail/eu-west-1/2026/11/21/",
		ue1 + "20/", ue1 + "21/",
	}
	cases := []struct {
		prefix     string
		start, end time.Time
		want       []string
	}{
		{prefix: "", want: all},
		{prefix: "org/", want: all[2:]},
		{prefix: "org", want: all[2:]}, // part of a folder name
		{prefix: "org/AWSLogs/111111111111/CloudTrail/us-east-1/", want: all[3:]},
		{prefix: ue1 + "2", want: all[3:]},
		{prefix: ue1 + "21/", want: all[4:]},
		{prefix: ue1 + "21/111111111111_CloudTrail_", want: []string{ue1 + "21/111111111111_CloudTrail_"}},
		{prefix: "org/AWSLogs/111111111111/CloudTrail-Digest/", want: nil},
		{prefix: "nothing-here/", want: nil},
		// Folders are dated by delivery: a window from 11/21 skips 11/20 and
		// earlier; one ending late on 11/20 still reads 11/21 (delivery lag).
		{prefix: "", start: time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC), want: []string{all[2], all[4]}},
		{prefix: "org/", end: time.Date(2026, 11, 20, 23, 30, 0, 0, time.UTC), want: all[2:]},
		{prefix: "org/", end: time.Date(2026, 11, 20, 22, 0, 0, 0, time.UTC), want: all[3:4]},
	}
	for _, c := range cases {
		w := importWindow{start: c.start, end: c.end, lag: time.Hour}
		got, err := discoverPrefixes(context.Background(), e.buckets, impBucket, c.prefix, w)
		if err != nil {
			t.Fatalf("%q: %v", c.prefix, err)
		}
		if strings.Join(got, " ") != strings.Join(c.want, " ") {
			t.Errorf("discover %q %v..%v:\n got %q\nwant %q", c.prefix, c.start, c.end, got, c.want)
		}
	}
	if _, err := discoverPrefixes(context.Background(), e.buckets, "no-such-bucket", "", importWindow{}); err == nil {
		t.Fatal("discovering a missing bucket succeeded")
	}

	e.put(ue1+"21/b.json.gz", []byte("x"))
	e.put(ue1+"21/notes.txt", []byte("x"))
	e.put(ue1+"21/deeper/c.json.gz", []byte("x"))
	var keys []string
	err := ListLogFiles(context.Background(), e.buckets, "s3://"+impBucket+"/org/", func(b, key string) error {
		if b != impBucket {
			t.Fatalf("bucket %q", b)
		}
		keys = append(keys, key)
		return nil
	})
	want := []string{all[2] + "a.json.gz", ue1 + "20/a.json.gz", ue1 + "21/a.json.gz", ue1 + "21/b.json.gz"}
	if err != nil || strings.Join(keys, " ") != strings.Join(want, " ") {
		t.Fatalf("ListLogFiles: %v\n got %q\nwant %q", err, keys, want)
	}
	stop := errors.New("stop")
	if err := ListLogFiles(context.Background(), e.buckets, "s3://"+impBucket, func(string, string) error { return stop }); !errors.Is(err, stop) {
		t.Fatalf("ListLogFiles with a failing fn: %v", err)
	}
	if err := ListLogFiles(context.Background(), e.buckets, "http://x", func(string, string) error { return nil }); !errors.Is(err, ErrInvalidImport) {
		t.Fatalf("ListLogFiles of a bad URI: %v", err)
	}
}

func TestParseImportURI(t *testing.T) {
	for _, c := range []struct{ uri, bucket, prefix string }{
		{"s3://my-bucket", "my-bucket", ""},
		{"s3://my-bucket/", "my-bucket", ""},
		{"s3://my.bucket/org/AWSLogs/", "my.bucket", "org/AWSLogs/"},
	} {
		b, p, err := ParseImportURI(c.uri)
		if err != nil || b != c.bucket || p != c.prefix {
			t.Errorf("ParseImportURI(%q) = %q, %q, %v", c.uri, b, p, err)
		}
	}
	for _, uri := range []string{"", "my-bucket/x", "https://my-bucket/x", "s3://", "s3://My-Bucket/x", "s3://a/x", "s3://a..b/x",
		"s3://" + strings.Repeat("a", 64), "s3://b/" + strings.Repeat("k", 1024)} {
		if _, _, err := ParseImportURI(uri); !errors.Is(err, ErrInvalidImport) {
			t.Errorf("ParseImportURI(%q) = %v", uri, err)
		}
	}
}
