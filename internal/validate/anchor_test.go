package validate

import (
	"crypto/rsa"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/cairn-audit/cairn/internal/anchor"
	"github.com/cairn-audit/cairn/internal/digest"
)

// anchorOf is what the producer anchors for the fixture's digests.
func anchorOf(f *fixture, ss []sealed) []anchor.Record {
	var out []anchor.Record
	for i, s := range ss {
		r := anchor.Record{V: 1, Trail: f.trail.ARN, Region: s.key[strings.Index(s.key, "CloudTrail-Digest/")+len("CloudTrail-Digest/"):][:len("us-east-1")],
			Bucket: s.bucket, Key: s.key, Start: s.d.DigestStartTime, End: s.d.DigestEndTime, Hash: s.hash, Signature: s.sig,
			Fingerprint: s.d.DigestPublicKeyFingerprint, AnchoredAt: s.endTime()}
		if i > 0 && s.d.PreviousDigestHashValue != nil {
			r.PreviousHash = *s.d.PreviousDigestHashValue
		}
		out = append(out, r)
	}
	return out
}

// stamp gives every digest the LastModified of its delivery (end + 1m).
func stamp(f *fixture) {
	for _, ss := range f.all {
		for _, s := range ss {
			f.store.setModified(testBucket, s.key, s.endTime().Add(time.Minute))
		}
	}
}

// TestAnchorAndChainEnd: the attacks of issue 11 against the chain, each
// checked without help, with the producer's chain end (GetTrailStatus
// LatestDigestDeliveryTime), and with the anchor.
func TestAnchorAndChainEnd(t *testing.T) {
	type env struct {
		anchored []anchor.Record // what was anchored (before the attack)
		chainEnd time.Time
		first    string // key of the first digest that differs
	}
	cases := []struct {
		name   string
		attack func(t *testing.T, f *fixture, e *env)
		// expected OK for: plain, continuous, chain end, anchor
		plain, continuous, chainEnd, withAnchor bool
		kind                                    Kind // expected with the anchor
	}{
		{name: "intact", attack: func(*testing.T, *fixture, *env) {}, plain: true, continuous: true, chainEnd: true, withAnchor: true},
		{name: "log edited, digests re-signed with a listed key", attack: func(t *testing.T, f *fixture, e *env) {
			ss := f.all[testHome]
			lf := ss[2].d.LogFiles[0]
			edited := f.logBody(testHome, base.Add(2*time.Hour), 1)
			f.put(lf.S3Object, gz(t, edited), nil)
			f.trustKey(testHome, 1, base.Add(-24*time.Hour), base.Add(30*24*time.Hour)) // the patched public key list
			f.keyFor = func(string, time.Time) *rsa.PrivateKey { return testKey(1) }
			f.chains[testHome] = &ss[1]
			hash := sha256Hex(edited)
			for i := 2; i < len(ss); i++ {
				files := ss[i].d.LogFiles
				if i == 2 {
					files = append([]digest.LogFile(nil), files...)
					files[0].HashValue = hash
				}
				f.digest(testHome, ss[i].endTime().Add(-time.Hour), ss[i].endTime(), files, false)
			}
			e.first = ss[2].key
		}, plain: true, continuous: true, chainEnd: true, kind: AnchorMismatch},
		{name: "newest 2 digests and their log files deleted", attack: func(t *testing.T, f *fixture, e *env) {
			ss := f.all[testHome]
			for _, s := range ss[4:] {
				f.del(s.key)
				for _, lf := range s.d.LogFiles {
					f.del(lf.S3Object)
				}
			}
			e.first = ss[4].key
		}, plain: true, kind: AnchorMissing},
		{name: "bucket emptied", attack: func(t *testing.T, f *fixture, e *env) {
			for _, s := range f.all[testHome] {
				f.del(s.key)
				for _, lf := range s.d.LogFiles {
					f.del(lf.S3Object)
				}
			}
			e.first = f.all[testHome][0].key
		}, plain: true, kind: AnchorMissing},
		{name: "emptied, trail re-created, new chain", attack: func(t *testing.T, f *fixture, e *env) {
			old := f.all[testHome]
			for _, s := range old {
				f.del(s.key)
				for _, lf := range s.d.LogFiles {
					f.del(lf.S3Object)
				}
			}
			f.all[testHome] = nil
			f.chains[testHome] = nil
			last := old[len(old)-1].endTime()
			f.hour(testHome, last.Add(-time.Hour+time.Minute), 1, true)
			stamp(f)
			n := f.all[testHome][0]
			e.anchored = append(e.anchored, anchorOf(f, f.all[testHome])...)
			e.chainEnd = n.endTime().Add(time.Minute) // the new trail's status
			e.first = old[0].key
		}, plain: true, chainEnd: true, kind: AnchorMissing},
		{name: "forged digest appended", attack: func(t *testing.T, f *fixture, e *env) {
			ss := f.all[testHome]
			last := ss[len(ss)-1].endTime()
			s := f.digest(testHome, last, last.Add(4*time.Minute), nil, false)
			f.store.setModified(testBucket, s.key, s.endTime().Add(time.Second))
			e.first = s.key
		}, plain: true, continuous: true, chainEnd: true, kind: NotAnchored},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			f.build(6, 1, testHome)
			stamp(f)
			ss := f.all[testHome]
			e := &env{anchored: anchorOf(f, ss), chainEnd: ss[len(ss)-1].endTime().Add(time.Minute)}
			tc.attack(t, f, e)
			end := ss[len(ss)-1].endTime().Add(5 * time.Minute)
			run := func(what string, want bool, o Options) Report {
				t.Helper()
				rep := f.run(o)
				if rep.OK() != want {
					t.Errorf("%s: OK %v, want %v\n%s", what, rep.OK(), want, dumpProblems(rep))
				}
				return rep
			}
			run("plain", tc.plain, f.options(base, end))
			o := f.options(base, end)
			o.Continuous = true
			run("continuous", tc.continuous, o)
			o = f.options(base, end)
			o.ChainEnd, o.ChainEndSource = e.chainEnd, "GetTrailStatus"
			run("chain end", tc.chainEnd, o)
			o.Anchor = &Anchored{Source: "test", Records: e.anchored}
			rep := run("anchor", tc.withAnchor, o)
			if tc.withAnchor {
				return
			}
			var summary *Problem
			for i, p := range rep.Problems {
				if p.Kind == AnchorMismatch && p.Key == "" {
					summary = &rep.Problems[i]
					break
				}
			}
			if summary == nil || !strings.Contains(summary.Detail, "the first digest that differs is s3://"+testBucket+"/"+e.first+" ("+string(tc.kind)+")") {
				t.Fatalf("summary %+v, want first %s (%s)\n%s", summary, e.first, tc.kind, dumpProblems(rep))
			}
		})
	}
}

func sha256Hex(b []byte) string { h := sha256.Sum256(b); return hex.EncodeToString(h[:]) }
