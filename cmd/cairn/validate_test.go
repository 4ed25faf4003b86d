package main

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cairn-audit/cairn/internal/digest"
	"github.com/cairn-audit/cairn/internal/validate"
)

// fakeAWS is a CloudTrail (DescribeTrails, ListPublicKeys) and path-style S3
// (ListObjectsV2, GetObject) endpoint on one port, as Cairn serves them.
type fakeAWS struct {
	t       *testing.T
	mu      sync.Mutex
	objects map[string]fakeObject // "bucket/key"
	trails  []map[string]any
	keys    []digest.PublicKey
	calls   map[string][]string // operation -> signing regions
}

type fakeObject struct {
	body []byte
	meta map[string]string
}

var credentialRegion = regexp.MustCompile(`Credential=[^/]+/\d{8}/([^/]+)/`)

func (f *fakeAWS) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	region := ""
	if m := credentialRegion.FindStringSubmatch(r.Header.Get("Authorization")); m != nil {
		region = m[1]
	}
	if target := r.Header.Get("X-Amz-Target"); target != "" {
		op := target[strings.LastIndexByte(target, '.')+1:]
		f.mu.Lock()
		f.calls[op] = append(f.calls[op], region)
		f.mu.Unlock()
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		switch op {
		case "DescribeTrails":
			_ = json.NewEncoder(w).Encode(map[string]any{"trailList": f.trails})
		case "ListPublicKeys":
			var list []map[string]any
			for _, k := range f.keys {
				list = append(list, map[string]any{"Value": base64.StdEncoding.EncodeToString(k.Value), "Fingerprint": k.Fingerprint,
					"ValidityStartTime": k.ValidityStart.Unix(), "ValidityEndTime": k.ValidityEnd.Unix()})
			}
			_ = json.NewEncoder(w).Encode(map[string]any{"PublicKeyList": list})
		case "GetTrailStatus":
			_ = json.NewEncoder(w).Encode(map[string]any{"IsLogging": false})
		default:
			w.WriteHeader(400)
			fmt.Fprintf(w, `{"__type":"UnknownOperationException","message":"%s"}`, op)
		}
		return
	}
	f.mu.Lock()
	f.calls["S3"] = append(f.calls["S3"], region)
	f.mu.Unlock()
	path := strings.TrimPrefix(r.URL.Path, "/")
	b, key, _ := strings.Cut(path, "/")
	if r.Method != http.MethodGet {
		w.WriteHeader(405)
		return
	}
	if key == "" {
		f.list(w, b, r.URL.Query())
		return
	}
	f.mu.Lock()
	o, ok := f.objects[b+"/"+key]
	f.mu.Unlock()
	if !ok {
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(404)
		fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message><Key>%s</Key></Error>`, key)
		return
	}
	for k, v := range o.meta {
		w.Header().Set("x-amz-meta-"+k, v)
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(o.body)))
	w.Header().Set("ETag", `"0"`)
	_, _ = w.Write(o.body)
}

func (f *fakeAWS) list(w http.ResponseWriter, b string, q map[string][]string) {
	get := func(k string) string {
		if v := q[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	prefix, delim, after := get("prefix"), get("delimiter"), get("start-after")
	if tok := get("continuation-token"); tok != "" {
		after = tok
	}
	maxKeys := 1000
	if m, err := strconv.Atoi(get("max-keys")); err == nil && m > 0 {
		maxKeys = m
	}
	f.mu.Lock()
	var keys []string
	for k := range f.objects {
		if name, ok := strings.CutPrefix(k, b+"/"); ok {
			keys = append(keys, name)
		}
	}
	f.mu.Unlock()
	slices.Sort(keys)
	type content struct {
		Key          string
		LastModified string
		ETag         string
		Size         int
	}
	type cp struct{ Prefix string }
	type result struct {
		XMLName               xml.Name `xml:"ListBucketResult"`
		Name, Prefix          string
		KeyCount, MaxKeys     int
		IsTruncated           bool
		EncodingType          string
		NextContinuationToken string    `xml:",omitempty"`
		Contents              []content `xml:"Contents"`
		CommonPrefixes        []cp      `xml:"CommonPrefixes"`
	}
	res := result{Name: b, Prefix: prefix, MaxKeys: maxKeys, EncodingType: "url"}
	last := ""
	for _, k := range keys {
		if !strings.HasPrefix(k, prefix) || k <= after {
			continue
		}
		entry, isPrefix := k, false
		if delim != "" {
			if i := strings.Index(k[len(prefix):], delim); i >= 0 {
				entry, isPrefix = k[:len(prefix)+i+len(delim)], true
			}
		}
		if entry == last || entry <= after {
			continue
		}
		if res.KeyCount == maxKeys {
			res.IsTruncated, res.NextContinuationToken = true, last
			break
		}
		last = entry
		res.KeyCount++
		if isPrefix {
			res.CommonPrefixes = append(res.CommonPrefixes, cp{entry})
		} else {
			res.Contents = append(res.Contents, content{Key: entry, LastModified: "2024-01-01T00:00:00.000Z", ETag: `"0"`, Size: 1})
		}
	}
	w.Header().Set("Content-Type", "application/xml")
	_ = xml.NewEncoder(w).Encode(res)
}

const (
	cliAccount = "123456789012"
	cliBucket  = "ct-bucket"
	cliARN     = "arn:aws:cloudtrail:us-east-1:" + cliAccount + ":trail/main"
)

// newFakeAWS serves a trail with three hourly digests of two log files in
// us-east-1 and eu-west-1.
func newFakeAWS(t *testing.T) (*fakeAWS, *httptest.Server, map[string][]string) {
	f := &fakeAWS{t: t, objects: map[string]fakeObject{}, calls: map[string][]string{}}
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	sk, err := digest.GenerateSigningKey(2048, start.Add(-time.Hour), start.Add(30*24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	f.keys = []digest.PublicKey{sk.Public}
	f.trails = []map[string]any{{"Name": "main", "S3BucketName": cliBucket, "S3KeyPrefix": "pfx", "TrailARN": cliARN,
		"HomeRegion": "us-east-1", "IsMultiRegionTrail": true, "LogFileValidationEnabled": true, "IsOrganizationTrail": false}}
	logs := map[string][]string{}
	for _, region := range []string{"us-east-1", "eu-west-1"} {
		var prev *digest.Link
		for h := range 3 {
			ws, we := start.Add(time.Duration(h)*time.Hour), start.Add(time.Duration(h+1)*time.Hour)
			d := digest.Digest{AWSAccountID: cliAccount, DigestStartTime: ws.Format(digest.TimeFormat), DigestEndTime: we.Format(digest.TimeFormat)}
			for j := range 2 {
				at := ws.Add(time.Duration(10+20*j) * time.Minute)
				key := fmt.Sprintf("pfx/AWSLogs/%s/CloudTrail/%s/%s%s_CloudTrail_%s_%s_Abcdefghijklmn%02d.json.gz",
					cliAccount, region, at.Format("2006/01/02/"), cliAccount, region, at.Format("20060102T1504Z"), h*2+j)
				raw := []byte(fmt.Sprintf(`{"Records":[{"eventTime":"%s","awsRegion":"%s"}]}`, at.Format(digest.TimeFormat), region))
				sum := sha256.Sum256(raw)
				f.objects[cliBucket+"/"+key] = fakeObject{body: gzipped(t, raw)}
				d.LogFiles = append(d.LogFiles, digest.LogFile{S3Bucket: cliBucket, S3Object: key, HashValue: hex.EncodeToString(sum[:]),
					NewestEventTime: at.Format(digest.TimeFormat), OldestEventTime: at.Format(digest.TimeFormat)})
				logs[region] = append(logs[region], key)
			}
			key := digest.Key("pfx", cliAccount, region, "main", "us-east-1", we)
			s, err := digest.Seal(d, cliBucket, key, prev, sk)
			if err != nil {
				t.Fatal(err)
			}
			f.objects[cliBucket+"/"+key] = fakeObject{body: s.Body, meta: s.Metadata}
			l := s.Link(cliBucket)
			prev = &l
		}
	}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	t.Setenv("AWS_DEFAULT_REGION", "")
	t.Setenv("AWS_ENDPOINT_URL", "")
	return f, srv, logs
}

func gzipped(t *testing.T, b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func runValidateCLI(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := runValidate(args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestValidateCommandValid(t *testing.T) {
	f, srv, logs := newFakeAWS(t)
	code, out, errOut := runValidateCLI("--endpoint", srv.URL, "--trail-arn", cliARN,
		"--start-time", "2024-01-01T00:00:00Z", "--end-time", "2024-01-01T03:00:00Z", "--verbose")
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	for _, want := range []string{
		"Validating log files for trail " + cliARN + " between 2024-01-01T00:00:00Z and 2024-01-01T03:00:00Z\n\n",
		"Digest file\ts3://ct-bucket/pfx/AWSLogs/123456789012/CloudTrail-Digest/eu-west-1/2024/01/01/123456789012_CloudTrail-Digest_eu-west-1_main_us-east-1_20240101T010000Z.json.gz\tvalid\n",
		"Log file\ts3://ct-bucket/" + logs["us-east-1"][5] + "\tvalid\n",
		"Results requested for 2024-01-01T00:00:00Z to 2024-01-01T03:00:00Z\n",
		"Results found for 2024-01-01T00:00:00Z to 2024-01-01T03:00:00Z:\n\n6/6 digest files valid\n12/12 log files valid\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}
	if errOut != "" {
		t.Errorf("stderr: %s", errOut)
	}
	// DescribeTrails in the home region; keys asked per source region.
	if got := f.calls["DescribeTrails"]; len(got) != 1 || got[0] != "us-east-1" {
		t.Errorf("DescribeTrails calls %v", got)
	}
	regions := slices.Sorted(slices.Values(f.calls["ListPublicKeys"]))
	if !slices.Equal(slices.Compact(regions), []string{"eu-west-1", "us-east-1"}) {
		t.Errorf("ListPublicKeys regions %v", f.calls["ListPublicKeys"])
	}

	// --s3-bucket skips DescribeTrails; --regions limits the regions.
	code, out, _ = runValidateCLI("--endpoint", srv.URL, "--trail-arn", cliARN, "--s3-bucket", cliBucket, "--s3-prefix", "pfx",
		"--region", "eu-west-1", "--start-time", "2024-01-01", "--end-time", "2024-01-01T03:00:00Z")
	if code != 0 || !strings.Contains(out, "3/3 digest files valid\n6/6 log files valid") || len(f.calls["DescribeTrails"]) != 1 {
		t.Fatalf("--s3-bucket: exit %d, DescribeTrails %v\n%s", code, f.calls["DescribeTrails"], out)
	}
}

func TestValidateCommandInvalid(t *testing.T) {
	f, srv, logs := newFakeAWS(t)
	mod := logs["us-east-1"][2]
	f.objects[cliBucket+"/"+mod] = fakeObject{body: gzipped(t, []byte(`{"Records":[]}`))}
	gone := logs["eu-west-1"][0]
	delete(f.objects, cliBucket+"/"+gone)
	code, out, errOut := runValidateCLI("--endpoint", srv.URL, "--trail-arn", cliARN, "--start-time", "2024-01-01T00:00:00Z", "--end-time", "2024-01-01T03:00:00Z")
	if code != 1 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	wantErr := "Log file\ts3://ct-bucket/" + gone + "\tINVALID: not found: the log file was deleted (listed in s3://ct-bucket/"
	if !strings.HasPrefix(errOut, wantErr) || !strings.Contains(errOut, "\n\nLog file\ts3://ct-bucket/"+mod+"\tINVALID: hash value doesn't match") {
		t.Errorf("stderr:\n%s", errOut)
	}
	if !strings.Contains(out, "6/6 digest files valid\n10/12 log files valid, 2/12 log files INVALID\n") {
		t.Errorf("stdout:\n%s", out)
	}
}

func TestValidateCommandErrors(t *testing.T) {
	_, srv, _ := newFakeAWS(t)
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"--start-time", "1h"}, "is not a trail ARN"},
		{[]string{"--trail-arn", "arn:aws:cloudtrail:us-east-1:12:trail/x", "--start-time", "1h"}, "is not a trail ARN"},
		{[]string{"--trail-arn", cliARN}, "--start-time is required"},
		{[]string{"--trail-arn", cliARN, "--start-time", "yesterday"}, "--start-time"},
		{[]string{"--trail-arn", cliARN, "--start-time", "2024-01-02", "--end-time", "2024-01-01"}, "is after --end-time"},
		{[]string{"--trail-arn", "arn:aws:cloudtrail:us-east-1:123456789012:trail/other", "--start-time", "1h"}, "a trail could not be found"},
		{[]string{"--trail-arn", cliARN, "--start-time", "1h", "--bogus"}, "flag provided but not defined"},
		{[]string{"--trail-arn", cliARN, "--start-time", "1h", "--s3-endpoint", srv.URL}, "--s3-endpoint needs credentials"},
	}
	t.Setenv("CAIRN_S3_ACCESS_KEY_ID", "")
	t.Setenv("CAIRN_S3_SECRET_ACCESS_KEY", "")
	for _, c := range cases {
		code, out, errOut := runValidateCLI(append([]string{"--endpoint", srv.URL}, c.args...)...)
		if code != 2 || !strings.Contains(errOut, c.want) {
			t.Errorf("%v: exit %d, want 2 and %q\n%s%s", c.args, code, c.want, out, errOut)
		}
	}
	// Nothing listening: a connection error.
	dead := httptest.NewServer(http.NotFoundHandler())
	dead.Close()
	code, _, errOut := runValidateCLI("--endpoint", dead.URL, "--trail-arn", cliARN, "--start-time", "1h")
	if code != 2 || !strings.Contains(errOut, "DescribeTrails") {
		t.Errorf("dead endpoint: exit %d\n%s", code, errOut)
	}
	if code, _, _ := runValidateCLI("-h"); code != 0 {
		t.Errorf("-h: exit %d", code)
	}
}

func TestParseValidateTime(t *testing.T) {
	now := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	for in, want := range map[string]time.Time{
		"2024-01-02T03:04:05Z":      time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC),
		"2024-01-02T04:04:05+01:00": time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC),
		"2024-01-02T03:04:05":       time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC),
		"2024-01-02":                time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC),
		"36h":                       now.Add(-36 * time.Hour),
	} {
		got, err := parseValidateTime(in, now)
		if err != nil || !got.Equal(want) {
			t.Errorf("%s: %v %v, want %v", in, got, err, want)
		}
	}
	if _, err := parseValidateTime("soon", now); err == nil {
		t.Error("parsed 'soon'")
	}
}

func TestProgressLine(t *testing.T) {
	var b bytes.Buffer
	p := &progressLine{w: &b}
	p.update(validate.Progress{DigestsDone: 2, DigestsQueued: 2, LogsDone: 10, LogsQueued: 10, Elapsed: time.Second})
	if b.Len() != 0 {
		t.Fatalf("a short finished run printed %q", b.String())
	}
	p.update(validate.Progress{DigestsDone: 3, DigestsQueued: 24, LogsDone: 100, LogsQueued: 180, Bytes: 12_500_000, Elapsed: 4 * time.Second})
	if got, want := b.String(), "validating: 3/24 digest files, 100/180 log files, 12.5 MB read, 4s\n"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	b.Reset()
	p = &progressLine{w: &b, tty: true}
	p.update(validate.Progress{DigestsDone: 3, DigestsQueued: 24, Elapsed: 4 * time.Second})
	p.clear()
	if got := b.String(); !strings.HasPrefix(got, "\r\033[Kvalidating: 3/24") || !strings.HasSuffix(got, "\r\033[K") {
		t.Fatalf("tty: %q", got)
	}
}
