package validate

import (
	"context"
	"crypto/rsa"
	"strings"
	"testing"
	"time"

	"github.com/cairn-audit/cairn/internal/digest"
)

func TestLayoutMatchesReference(t *testing.T) {
	l := newLayout(Trail{Prefix: "pfx", Account: "123456789012", Name: "mytrail", HomeRegion: "us-east-1"})
	end := time.Date(2024, 1, 1, 1, 0, 0, 0, time.UTC)
	want := "pfx/AWSLogs/123456789012/CloudTrail-Digest/us-east-1/2024/01/01/123456789012_CloudTrail-Digest_us-east-1_mytrail_us-east-1_20240101T010000Z.json.gz"
	if got := l.digestKey("us-east-1", end, false); got != want {
		t.Fatalf("digest key\n got %s\nwant %s", got, want)
	}
	if got := digest.Key("pfx", "123456789012", "us-east-1", "mytrail", "us-east-1", end); got != want {
		t.Fatalf("digest.Key\n got %s\nwant %s", got, want)
	}
	if e, bf, ok := l.parseDigestKey("us-east-1", want); !ok || bf || !e.Equal(end) {
		t.Fatalf("parse %s: %v %v %v", want, e, bf, ok)
	}
	bk := strings.TrimSuffix(want, ".json.gz") + "_backfill.json.gz"
	if e, bf, ok := l.parseDigestKey("us-east-1", bk); !ok || !bf || !e.Equal(end) {
		t.Fatalf("parse %s: %v %v %v", bk, e, bf, ok)
	}
	for _, bad := range []string{
		strings.Replace(want, "mytrail", "other", 1),
		strings.Replace(want, "2024/01/01", "2024/13/01", 1),
		strings.Replace(want, "T010000Z", "T010000", 1),
		strings.Replace(want, "CloudTrail-Digest/us-east-1/", "CloudTrail-Digest/eu-west-1/", 1),
	} {
		if _, _, ok := l.parseDigestKey("us-east-1", bad); ok {
			t.Errorf("parsed %s", bad)
		}
	}
	org := newLayout(Trail{Account: "111122223333", Name: "t", HomeRegion: "us-east-1", OrganizationID: "o-abcdefghij"})
	if got := org.logFolder("eu-west-1", end); got != "AWSLogs/o-abcdefghij/111122223333/CloudTrail/eu-west-1/2024/01/01/" {
		t.Fatalf("org log folder %s", got)
	}
	folder := "AWSLogs/111122223333/CloudTrail/us-east-2/2015/08/01/"
	lk := folder + "111122223333_CloudTrail_us-east-2_20150801T0210Z_Mu0KsOhtH1ar15ZZ.json.gz"
	l2 := newLayout(Trail{Account: "111122223333", Name: "t", HomeRegion: "us-east-1"})
	if at, ok := l2.parseLogKey("us-east-2", folder, lk); !ok || !at.Equal(time.Date(2015, 8, 1, 2, 10, 0, 0, time.UTC)) {
		t.Fatalf("parse log key: %v %v", at, ok)
	}
}

// TestValidChains: two regions, six hourly digests each, found by listing
// the digest folders (pages of 7 keys to exercise pagination).
func TestValidChains(t *testing.T) {
	f := newFixture(t)
	f.store.pageSize = 7
	f.build(6, 5, "us-east-1", "eu-west-1")
	o := f.options(base, base.Add(6*time.Hour))
	o.Continuous, o.Verbose = true, true
	var progress []Progress
	o.Progress = func(p Progress) { progress = append(progress, p) }
	rep := f.run(o)
	if !rep.OK() || len(rep.Problems) != 0 {
		t.Fatalf("problems:\n%s", dumpProblems(rep))
	}
	if rep.Digests != (Count{12, 12}) || rep.LogFiles != (Count{60, 60}) {
		t.Fatalf("digests %v, logs %v", rep.Digests, rep.LogFiles)
	}
	if strings.Join(rep.Regions, ",") != "eu-west-1,us-east-1" {
		t.Fatalf("regions %v", rep.Regions)
	}
	if !rep.FoundStart.Equal(base) || !rep.FoundEnd.Equal(base.Add(6*time.Hour)) {
		t.Fatalf("found %s to %s", rep.FoundStart, rep.FoundEnd)
	}
	if len(rep.Files) != 72 || rep.Files[0].Type != DigestFile || rep.Files[0].Region != "eu-west-1" || !rep.Files[0].Valid {
		t.Fatalf("files: %d, first %+v", len(rep.Files), rep.Files[0])
	}
	if len(progress) == 0 || progress[len(progress)-1].LogsDone != 60 || progress[len(progress)-1].DigestsDone != 12 {
		t.Fatalf("progress %+v", progress)
	}

	// A range in the middle of the chain: its oldest digest links to one
	// before the range, which is checked but not counted.
	rep = f.run(f.options(base.Add(2*time.Hour+30*time.Minute), base.Add(4*time.Hour)))
	if !rep.OK() || len(rep.Problems) != 0 || rep.Digests != (Count{6, 6}) {
		t.Fatalf("mid range: digests %v\n%s", rep.Digests, dumpProblems(rep))
	}
	// ...and if that one has expired, it is only a notice.
	f.del(f.all["us-east-1"][1].key)
	rep = f.run(f.options(base.Add(2*time.Hour+30*time.Minute), base.Add(4*time.Hour)))
	if !rep.OK() || len(findProblems(rep, DigestMissing, f.all["us-east-1"][1].key)) != 1 || rep.Problems[0].Severity != Info {
		t.Fatalf("expired predecessor:\n%s", dumpProblems(rep))
	}
}

// TestTamperMatrix: each tampering yields its precise problem at its location.
func TestTamperMatrix(t *testing.T) {
	const region = "us-east-1"
	type want struct {
		kind Kind
		key  func(f *fixture) string
	}
	digestKey := func(i int) func(f *fixture) string { return func(f *fixture) string { return f.all[region][i].key } }
	logKey := func(i, j int) func(f *fixture) string {
		return func(f *fixture) string { return f.all[region][i].d.LogFiles[j].S3Object }
	}
	movedKey := func(f *fixture) string {
		return f.lay.digestKey(region, f.all[region][3].endTime().Add(30*time.Second), false)
	}
	cases := []struct {
		name    string
		tamper  func(f *fixture)
		want    []want
		digests Count
		logs    Count
	}{
		{"log modified", func(f *fixture) {
			k := logKey(2, 1)(f)
			f.put(k, gz(f.t, f.logBody(region, base, 4)), nil)
		}, []want{{LogModified, logKey(2, 1)}}, Count{6, 6}, Count{29, 30}},
		{"log deleted", func(f *fixture) { f.del(logKey(2, 1)(f)) },
			[]want{{LogMissing, logKey(2, 1)}}, Count{6, 6}, Count{29, 30}},
		{"log not gzip", func(f *fixture) { f.put(logKey(0, 0)(f), []byte(`{"Records":[]}`), nil) },
			[]want{{LogUnreadable, logKey(0, 0)}}, Count{6, 6}, Count{29, 30}},
		{"log gzip but not JSON", func(f *fixture) { f.put(logKey(0, 0)(f), gz(f.t, []byte("PK\x03\x04 zip")), nil) },
			[]want{{LogUnreadable, logKey(0, 0)}}, Count{6, 6}, Count{29, 30}},
		{"log with a gzip member appended", func(f *fixture) {
			k := logKey(1, 0)(f)
			body := append(f.get(k).body, gz(f.t, []byte(`{"Records":[{"eventName":"Hidden"}]}`))...)
			f.put(k, body, nil)
		}, []want{{LogModified, logKey(1, 0)}}, Count{6, 6}, Count{29, 30}},
		{"digest modified", func(f *fixture) {
			f.rewriteDigest(digestKey(2)(f), func(d *digest.Digest) { d.LogFiles = d.LogFiles[1:] })
		}, []want{{DigestModified, digestKey(2)}}, Count{5, 6}, Count{25, 25}},
		{"digest link altered", func(f *fixture) {
			// Only the altered digest is blamed: its record of the
			// previous digest is not trusted.
			f.rewriteDigest(digestKey(3)(f), func(d *digest.Digest) { d.PreviousDigestHashValue = strp(strings.Repeat("b", 64)) })
		}, []want{{DigestModified, digestKey(3)}}, Count{5, 6}, Count{25, 25}},
		{"newest digest modified", func(f *fixture) {
			f.rewriteDigest(digestKey(5)(f), func(d *digest.Digest) { d.LogFiles[0].HashValue = strings.Repeat("0", 64) })
		}, []want{{DigestModified, digestKey(5)}}, Count{5, 6}, Count{25, 25}},
		{"digest deleted", func(f *fixture) { f.del(digestKey(3)(f)) },
			[]want{{DigestMissing, digestKey(3)}}, Count{5, 6}, Count{25, 25}},
		{"two consecutive digests deleted", func(f *fixture) { f.del(digestKey(2)(f)); f.del(digestKey(3)(f)) },
			[]want{{DigestMissing, digestKey(2)}, {DigestMissing, digestKey(3)}}, Count{4, 6}, Count{20, 20}},
		{"three consecutive digests deleted", func(f *fixture) { f.del(digestKey(1)(f)); f.del(digestKey(2)(f)); f.del(digestKey(3)(f)) },
			[]want{{DigestMissing, digestKey(1)}, {DigestMissing, digestKey(2)}, {DigestMissing, digestKey(3)}}, Count{3, 6}, Count{15, 15}},
		{"signature metadata altered", func(f *fixture) {
			k := digestKey(2)(f)
			o := f.get(k)
			o.info.Metadata[digest.MetaSignature] = f.all[region][1].sig
			f.put(k, o.body, o.info.Metadata)
		}, []want{{SignatureAltered, digestKey(2)}}, Count{5, 6}, Count{30, 30}},
		{"signature metadata removed", func(f *fixture) {
			k := digestKey(2)(f)
			f.put(k, f.get(k).body, nil)
		}, []want{{SignatureMissing, digestKey(2)}}, Count{5, 6}, Count{30, 30}},
		{"log file added that no digest lists", func(f *fixture) {
			f.putLog(region, base.Add(2*time.Hour+17*time.Minute), 2)
		}, []want{{LogNotDigested, func(f *fixture) string { return f.logs[region][len(f.logs[region])-1] }}}, Count{6, 6}, Count{30, 31}},
		{"digest moved", func(f *fixture) {
			k := digestKey(3)(f)
			o := f.get(k)
			f.put(movedKey(f), o.body, o.info.Metadata)
			f.del(k)
		}, []want{{DigestMissing, digestKey(3)}, {DigestMoved, movedKey}}, Count{5, 7}, Count{25, 25}},
		{"unknown key", func(f *fixture) {
			f.keyFor = func(string, time.Time) *rsa.PrivateKey { return testKey(3) }
			f.hour(region, base.Add(6*time.Hour), 5, false)
		}, []want{{UnknownKey, digestKey(6)}}, Count{6, 7}, Count{30, 30}},
		{"forged digest inserted", func(f *fixture) {
			prev := f.all[region][2]
			f.keyFor = func(string, time.Time) *rsa.PrivateKey { return testKey(3) }
			f.chains[region] = &prev
			f.digest(region, base.Add(3*time.Hour), base.Add(4*time.Hour+time.Minute), nil, false)
		}, []want{{UnknownKey, digestKey(6)}}, Count{6, 7}, Count{30, 30}},
		{"second valid digest for a window", func(f *fixture) {
			prev := f.all[region][2]
			f.chains[region] = &prev
			f.digest(region, base.Add(3*time.Hour), base.Add(4*time.Hour+time.Minute), nil, false)
		}, []want{{DigestOutOfChain, digestKey(6)}}, Count{6, 7}, Count{30, 30}},
		{"link hash altered", func(f *fixture) {
			// The successor's record of its predecessor is wrong but the
			// successor is (re)signed with a trusted key: the chain breaks.
			s := f.all[region][5]
			l, _ := s.d.Previous()
			l.Hash = strings.Repeat("a", 64)
			re := seal(f.t, s.d, &l, testKey(0))
			f.put(s.key, re.body, re.meta)
		}, []want{{ChainMismatch, digestKey(4)}}, Count{5, 6}, Count{30, 30}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t)
			f.build(6, 5, region)
			c.tamper(f)
			rep := f.run(f.options(base, base.Add(6*time.Hour)))
			t.Logf("digests %v, logs %v\n%s", rep.Digests, rep.LogFiles, dumpProblems(rep))
			if rep.OK() {
				t.Fatalf("tampering not detected:\n%s", dumpProblems(rep))
			}
			var errs int
			for _, p := range rep.Problems {
				if p.Severity == Error {
					errs++
				}
			}
			if errs != len(c.want) {
				t.Errorf("%d errors, want %d:\n%s", errs, len(c.want), dumpProblems(rep))
			}
			for _, w := range c.want {
				key := w.key(f)
				ps := findProblems(rep, w.kind, key)
				if len(ps) != 1 {
					t.Errorf("want one %s at %s:\n%s", w.kind, key, dumpProblems(rep))
					continue
				}
				if ps[0].Region != region || ps[0].Bucket != testBucket || ps[0].Detail == "" {
					t.Errorf("problem %+v", ps[0])
				}
			}
			if c.name == "digest moved" && !strings.Contains(findProblems(rep, DigestMissing, "")[0].Detail, "is at s3://"+testBucket+"/"+movedKey(f)+" (moved)") {
				t.Errorf("moved copy not named:\n%s", dumpProblems(rep))
			}
			if rep.Digests != c.digests || rep.LogFiles != c.logs {
				t.Errorf("digests %v (want %v), logs %v (want %v)\n%s", rep.Digests, c.digests, rep.LogFiles, c.logs, dumpProblems(rep))
			}
		})
	}
}

// TestConsecutiveDeletedCounted: the gap tells how many digests are gone.
func TestConsecutiveDeletedCounted(t *testing.T) {
	f := newFixture(t)
	f.build(6, 2, "us-east-1")
	f.del(f.all["us-east-1"][2].key)
	f.del(f.all["us-east-1"][3].key)
	rep := f.run(f.options(base, base.Add(6*time.Hour)))
	ps := findProblems(rep, DigestMissing, f.all["us-east-1"][3].key)
	if len(ps) != 1 || !strings.Contains(ps[0].Detail, "2 consecutive digests are missing") || !strings.Contains(ps[0].Detail, "4 log file(s) delivered in its window cannot be verified") {
		t.Fatalf("%s", dumpProblems(rep))
	}
	ps = findProblems(rep, DigestMissing, f.all["us-east-1"][2].key)
	if len(ps) != 1 || !strings.Contains(ps[0].Detail, "inferred from the time gap") {
		t.Fatalf("%s", dumpProblems(rep))
	}
	want := "Digest file\ts3://ct-bucket/" + f.all["us-east-1"][3].key + "\tINVALID: not found: the digest was deleted ("
	if got := findProblems(rep, DigestMissing, f.all["us-east-1"][3].key)[0].String(); !strings.HasPrefix(got, want) {
		t.Fatalf("line %q, want prefix %q", got, want)
	}
	if rep.Digests != (Count{4, 6}) {
		t.Fatalf("digests %v", rep.Digests)
	}
}

// TestChainRestart: a new chain after a gap is a notice, not a problem,
// unless the trail was expected to log throughout.
func TestChainRestart(t *testing.T) {
	f := newFixture(t)
	f.trustKey("us-east-1", 0, base.Add(-time.Hour), base.Add(48*time.Hour))
	for i := range 3 {
		f.hour("us-east-1", base.Add(time.Duration(i)*time.Hour), 3, false)
	}
	for i := 5; i < 8; i++ {
		f.hour("us-east-1", base.Add(time.Duration(i)*time.Hour), 3, i == 5)
	}
	rep := f.run(f.options(base, base.Add(8*time.Hour)))
	if !rep.OK() || len(rep.Problems) != 1 || rep.Problems[0].Kind != ChainRestarted || rep.Problems[0].Severity != Info {
		t.Fatalf("%s", dumpProblems(rep))
	}
	want := "No log files were delivered by CloudTrail between 2024-01-01T03:01:31Z and 2024-01-01T05:01:31Z"
	if !strings.HasPrefix(rep.Problems[0].String(), want) {
		t.Fatalf("notice %q", rep.Problems[0])
	}
	if rep.Digests != (Count{6, 6}) || rep.LogFiles != (Count{18, 18}) {
		t.Fatalf("digests %v logs %v", rep.Digests, rep.LogFiles)
	}

	o := f.options(base, base.Add(8*time.Hour))
	o.Continuous = true
	rep = f.run(o)
	// The trail was logging throughout: a gap is history removed (exit 1).
	if rep.OK() || len(findProblems(rep, ChainTruncated, f.all["us-east-1"][2].key)) != 1 {
		t.Fatalf("continuous:\n%s", dumpProblems(rep))
	}

	// Log files delivered in the gap are in no digest: a warning.
	f.putLog("us-east-1", base.Add(3*time.Hour+20*time.Minute), 1)
	f.putLog("us-east-1", base.Add(4*time.Hour+20*time.Minute), 1)
	rep = f.run(f.options(base, base.Add(8*time.Hour)))
	ps := findProblems(rep, LogUncovered, f.logs["us-east-1"][18])
	if !rep.OK() || len(ps) != 1 || ps[0].Severity != Warning || !strings.HasPrefix(ps[0].Detail, "2 log file(s)") {
		t.Fatalf("uncovered:\n%s", dumpProblems(rep))
	}
}

// TestKeyRotation: the signing key changes mid-chain; both are listed.
func TestKeyRotation(t *testing.T) {
	f := newFixture(t)
	rot := base.Add(3 * time.Hour)
	f.keyFor = func(_ string, end time.Time) *rsa.PrivateKey {
		if end.After(rot) {
			return testKey(1)
		}
		return testKey(0)
	}
	f.trustKey("us-east-1", 0, base.Add(-30*24*time.Hour), rot.Add(time.Hour))
	f.trustKey("us-east-1", 1, rot, rot.Add(30*24*time.Hour))
	for i := range 6 {
		f.hour("us-east-1", base.Add(time.Duration(i)*time.Hour), 2, false)
	}
	rep := f.run(f.options(base, base.Add(6*time.Hour)))
	if !rep.OK() || len(rep.Problems) != 0 || rep.Digests != (Count{6, 6}) {
		t.Fatalf("digests %v\n%s", rep.Digests, dumpProblems(rep))
	}
}

// TestKeyOutsideWindow: a key not listed for the range is asked for the
// digest's own window before the digest is called unknown.
func TestKeyOutsideWindow(t *testing.T) {
	f := newFixture(t)
	f.trustKey("us-east-1", 0, base.Add(-time.Hour), base.Add(2*time.Hour))
	f.trustKey("us-east-1", 1, base.Add(5*time.Hour), base.Add(9*time.Hour))
	f.hour("us-east-1", base, 1, false)
	f.keyFor = func(string, time.Time) *rsa.PrivateKey { return testKey(1) }
	f.hour("us-east-1", base.Add(7*time.Hour), 1, true) // key 1 listed only from 5h
	rep := f.run(f.options(base, base.Add(time.Hour)))  // keys asked for [start, end+2h]
	if len(findProblems(rep, UnknownKey, "")) != 0 || rep.BackfillDigests.Total != 0 {
		t.Fatalf("%s", dumpProblems(rep))
	}
}

// TestTruncatedEnd: with Continuous, a chain that stops early is an error.
func TestTruncatedEnd(t *testing.T) {
	f := newFixture(t)
	f.build(4, 2, "us-east-1")
	f.putLog("us-east-1", base.Add(5*time.Hour), 1) // delivered after the chain stops
	o := f.options(base, base.Add(8*time.Hour))
	rep := f.run(o)
	if !rep.OK() || len(rep.Problems) != 0 {
		t.Fatalf("not continuous:\n%s", dumpProblems(rep))
	}
	o.Continuous = true
	rep = f.run(o)
	ps := findProblems(rep, ChainTruncated, f.all["us-east-1"][3].key)
	if rep.OK() || len(ps) != 1 || ps[0].Severity != Error || !strings.Contains(ps[0].Detail, "1 log file(s) delivered after it") {
		t.Fatalf("continuous:\n%s", dumpProblems(rep))
	}
	// Deleting the newest digests is only visible this way.
	f2 := newFixture(t)
	f2.build(6, 1, "us-east-1")
	f2.del(f2.all["us-east-1"][5].key)
	f2.del(f2.all["us-east-1"][4].key)
	o = f2.options(base, base.Add(6*time.Hour))
	o.Continuous = true
	if rep = f2.run(o); len(findProblems(rep, ChainTruncated, f2.all["us-east-1"][3].key)) != 1 {
		t.Fatalf("deleted tail:\n%s", dumpProblems(rep))
	}
}

// TestBackfill: a backfill digest lists a late log file.
func TestBackfill(t *testing.T) {
	f := newFixture(t)
	f.build(3, 2, "us-east-1")
	late := f.putLog("us-east-1", base.Add(time.Hour+30*time.Minute), 1)
	s := f.all["us-east-1"][1]
	d := digest.Digest{AWSAccountID: testAccount, DigestStartTime: s.d.DigestStartTime, DigestEndTime: s.d.DigestEndTime,
		DigestS3Bucket: testBucket, DigestS3Object: strings.TrimSuffix(s.key, ".json.gz") + "_backfill.json.gz",
		DigestPublicKeyFingerprint: s.d.DigestPublicKeyFingerprint, DigestSignatureAlgorithm: digest.SignatureAlgorithm,
		LogFiles: []digest.LogFile{late}}
	bs := seal(t, d, nil, testKey(0))
	bs.meta["backfill-generation-timestamp"] = base.Add(5 * time.Hour).Format(time.RFC3339)
	f.put(bs.key, bs.body, bs.meta)
	rep := f.run(f.options(base, base.Add(3*time.Hour)))
	if !rep.OK() || len(rep.Problems) != 0 || rep.BackfillDigests != (Count{1, 1}) || rep.LogFiles != (Count{7, 7}) {
		t.Fatalf("backfill %v logs %v\n%s", rep.BackfillDigests, rep.LogFiles, dumpProblems(rep))
	}
	// Without its generation timestamp it is invalid, as validate-logs says.
	f.put(bs.key, bs.body, map[string]string{digest.MetaSignature: bs.sig, digest.MetaSignatureAlgorithm: digest.SignatureAlgorithm})
	rep = f.run(f.options(base, base.Add(3*time.Hour)))
	if ps := findProblems(rep, DigestUnreadable, bs.key); len(ps) != 1 || !ps[0].Backfill || !strings.HasPrefix(ps[0].String(), "(backfill) Digest file\t") {
		t.Fatalf("%s", dumpProblems(rep))
	}
}

// TestRegionWithoutDigests: log files of a region whose digest folder is
// gone are still found.
func TestRegionWithoutDigests(t *testing.T) {
	f := newFixture(t)
	f.build(2, 2, "us-east-1", "eu-west-1")
	for _, s := range f.all["eu-west-1"] {
		f.del(s.key)
	}
	o := f.options(base, base.Add(2*time.Hour))
	rep := f.run(o)
	if strings.Join(rep.Regions, ",") != "eu-west-1,us-east-1" || len(findProblems(rep, LogUncovered, "")) != 1 {
		t.Fatalf("regions %v\n%s", rep.Regions, dumpProblems(rep))
	}
	o.Continuous = true
	rep = f.run(o)
	if ps := findProblems(rep, ChainTruncated, ""); len(ps) != 1 || ps[0].Region != "eu-west-1" || ps[0].Key != "" || !strings.HasPrefix(ps[0].String(), "Region\teu-west-1\tINVALID: ") {
		t.Fatalf("%s", dumpProblems(rep))
	}
}

func TestRunErrors(t *testing.T) {
	f := newFixture(t)
	f.build(1, 1, "us-east-1")
	o := f.options(base, base.Add(time.Hour))
	o.Trail.Bucket = "nope"
	if _, err := Run(context.Background(), o); err == nil {
		t.Fatal("missing bucket: no error")
	}
	o = f.options(base.Add(time.Hour), base)
	if _, err := Run(context.Background(), o); err == nil {
		t.Fatal("start after end: no error")
	}
	o = f.options(base, base.Add(time.Hour))
	o.PublicKeys = func(context.Context, string, time.Time, time.Time) ([]digest.PublicKey, error) {
		return nil, context.DeadlineExceeded
	}
	if _, err := Run(context.Background(), o); err == nil {
		t.Fatal("key source failure: no error")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Run(ctx, f.options(base, base.Add(time.Hour))); err == nil {
		t.Fatal("cancelled: no error")
	}
}

// TestNameTimeBeforeWindow: a producer that names a log file when it cuts
// the batch and digests it when stored lists files named a little before the
// window; a file of the same minute that no digest lists is still caught.
func TestNameTimeBeforeWindow(t *testing.T) {
	f := newFixture(t)
	f.trustKey("us-east-1", 0, base.Add(-time.Hour), base.Add(48*time.Hour))
	early := f.putLog("us-east-1", base.Add(-50*time.Second), 1) // named 00:00, window starts 00:01:31
	late := f.putLog("us-east-1", base.Add(20*time.Minute), 1)
	f.digest("us-east-1", base, base.Add(time.Hour), []digest.LogFile{early, late}, false)
	f.hour("us-east-1", base.Add(time.Hour), 2, false)
	rep := f.run(f.options(base.Add(-time.Hour), base.Add(2*time.Hour)))
	if !rep.OK() || len(rep.Problems) != 0 {
		t.Fatalf("%s", dumpProblems(rep))
	}
	f.putLog("us-east-1", base.Add(-40*time.Second), 1)
	rep = f.run(f.options(base.Add(-time.Hour), base.Add(2*time.Hour)))
	if len(findProblems(rep, LogNotDigested, f.logs["us-east-1"][len(f.logs["us-east-1"])-1])) != 1 {
		t.Fatalf("%s", dumpProblems(rep))
	}
}

// TestValidationTurnedOnMidMinute: validation is turned on (the chain's
// first digest starts at 00:01:31) just after a log file of the same minute
// was delivered (stored at 00:01:20, so no digest was to list it), and the
// first digest lists a file named 00:01. The earlier file is not an
// unlisted one (an error), only uncovered (a warning, invalid with
// --strict); a file stored after the chain began is still an error.
func TestValidationTurnedOnMidMinute(t *testing.T) {
	f := newFixture(t)
	f.trustKey("us-east-1", 0, base.Add(-time.Hour), base.Add(48*time.Hour))
	before := f.putLog("us-east-1", base.Add(-11*time.Second), 1) // named 00:01, stored 00:01:20
	f.store.setModified(testBucket, before.S3Object, base.Add(-11*time.Second))
	listed := f.putLog("us-east-1", base.Add(10*time.Second), 1) // named 00:01, after the chain began
	f.digest("us-east-1", base, base.Add(time.Hour), []digest.LogFile{listed}, false)
	f.hour("us-east-1", base.Add(time.Hour), 2, false)
	o := f.options(base.Add(-time.Hour), base.Add(2*time.Hour))
	rep := f.run(o)
	if !rep.OK() || len(findProblems(rep, LogUncovered, before.S3Object)) != 1 || len(findProblems(rep, LogNotDigested, before.S3Object)) != 0 {
		t.Fatalf("%s", dumpProblems(rep))
	}
	o.Strict = true
	if rep = f.run(o); rep.OK() {
		t.Fatalf("--strict: %s", dumpProblems(rep))
	}
	forged := f.putLog("us-east-1", base.Add(-5*time.Second), 1) // named 00:01, stored now
	if rep = f.run(f.options(base.Add(-time.Hour), base.Add(2*time.Hour))); len(findProblems(rep, LogNotDigested, forged.S3Object)) != 1 {
		t.Fatalf("forged: %s", dumpProblems(rep))
	}
}

// TestOrganizationTrail: the organization ID sits after AWSLogs/.
func TestOrganizationTrail(t *testing.T) {
	f := newFixture(t)
	f.trail.OrganizationID = "o-abcdefghij"
	f.lay = newLayout(f.trail)
	f.build(3, 2, "us-east-1", "ap-south-1")
	rep := f.run(f.options(base, base.Add(3*time.Hour)))
	if !rep.OK() || len(rep.Problems) != 0 || rep.Digests != (Count{6, 6}) || rep.LogFiles != (Count{12, 12}) ||
		!strings.Contains(f.all["us-east-1"][0].key, "/AWSLogs/o-abcdefghij/123456789012/CloudTrail-Digest/") {
		t.Fatalf("digests %v logs %v\n%s", rep.Digests, rep.LogFiles, dumpProblems(rep))
	}
	// The same bucket read as a non-organization trail holds nothing.
	o := f.options(base, base.Add(3*time.Hour))
	o.Trail.OrganizationID = ""
	if rep = f.run(o); rep.Digests.Total != 0 || len(rep.Regions) != 0 {
		t.Fatalf("without the organization: %v %v", rep.Digests, rep.Regions)
	}
}

// TestPendingAtWindowEnd: a file named in the minute the newest digest ends
// may have been delivered after it: pending, not a problem. The same file
// in a minute valid digests cover entirely is undigested.
func TestPendingAtWindowEnd(t *testing.T) {
	f := newFixture(t)
	f.build(2, 2, "us-east-1")
	f.putLog("us-east-1", base.Add(2*time.Hour+10*time.Second), 1) // named 02:01, the window ends 02:01:31
	rep := f.run(f.options(base, base.Add(3*time.Hour)))
	if !rep.OK() || len(rep.Problems) != 0 {
		t.Fatalf("%s", dumpProblems(rep))
	}
	f.putLog("us-east-1", base.Add(time.Hour+10*time.Second), 1) // named 01:01, windows cover 00:01:31 to 02:01:31
	rep = f.run(f.options(base, base.Add(3*time.Hour)))
	if rep.OK() || len(findProblems(rep, LogNotDigested, f.logs["us-east-1"][len(f.logs["us-east-1"])-1])) != 1 {
		t.Fatalf("%s", dumpProblems(rep))
	}
}
