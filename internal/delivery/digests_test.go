package delivery

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cairn-audit/cairn/internal/digest"
	"github.com/cairn-audit/cairn/internal/event"
)

// fixedSigner has one 1024-bit key per region (2048 in production; small here for speed).
type fixedSigner struct {
	mu   sync.Mutex
	keys map[string]*digest.SigningKey
}

func (f *fixedSigner) KeyAt(region string, _ time.Time) (*digest.SigningKey, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if k := f.keys[region]; k != nil {
		return k, nil
	}
	k, err := digest.GenerateSigningKey(1024, time.Now().Add(-time.Hour), time.Now().Add(time.Hour))
	if err != nil {
		return nil, err
	}
	f.keys[region] = k
	return k, nil
}

func (f *fixedSigner) public() map[string]digest.PublicKey {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := map[string]digest.PublicKey{}
	for _, k := range f.keys {
		out[k.Public.Fingerprint] = k.Public
	}
	return out
}

func gunzip(t *testing.T, b []byte) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// checkChains verifies every region's digests: signatures, links, time
// continuity, and that they list each stored log file exactly once with its
// hash. It returns the number of digests per region.
func checkChains(t *testing.T, s *memStore, keys map[string]digest.PublicKey) map[string]int {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	byRegion := map[string][]string{}
	logs := map[string]string{} // key → sha256 of the uncompressed file
	for k, body := range s.objects {
		key := strings.TrimPrefix(k, "logs/")
		if info, ok := digest.ParseKey(key); ok {
			byRegion[info.Region] = append(byRegion[info.Region], key)
			continue
		}
		sum := sha256.Sum256(gunzip(t, body))
		logs[key] = hex.EncodeToString(sum[:])
	}
	listed := map[string]int{}
	counts := map[string]int{}
	for region, ks := range byRegion {
		sort.Strings(ks)
		counts[region] = len(ks)
		var prev *digest.Digest
		var prevRaw []byte
		var prevKey, prevSig string
		for i, key := range ks {
			raw := gunzip(t, s.objects["logs/"+key])
			d, err := digest.Verify(raw, "logs", key, s.meta["logs/"+key], keys)
			if err != nil {
				t.Fatalf("%s: %v", key, err)
			}
			if i == 0 {
				if d.PreviousDigestSignature != nil {
					t.Fatalf("%s: the first digest of the chain has a previous digest", key)
				}
			} else {
				if err := digest.CheckLink(d, prevRaw, prevSig, "logs", prevKey); err != nil {
					t.Fatalf("%s: %v", key, err)
				}
				if d.DigestStartTime != prev.DigestEndTime {
					t.Fatalf("%s starts at %s, its predecessor ends at %s", key, d.DigestStartTime, prev.DigestEndTime)
				}
			}
			for _, lf := range d.LogFiles {
				listed[lf.S3Object]++
				if want, ok := logs[lf.S3Object]; !ok || want != lf.HashValue {
					t.Fatalf("%s lists %s with hash %s; stored hash %q", key, lf.S3Object, lf.HashValue, want)
				}
			}
			prev, prevRaw, prevKey, prevSig = d, raw, key, s.meta["logs/"+key][digest.MetaSignature]
		}
	}
	for k := range logs {
		if listed[k] != 1 {
			t.Fatalf("log file %s is listed in %d digests", k, listed[k])
		}
	}
	return counts
}

func validatedTrailFixture(t *testing.T) (*fixture, *fixedSigner) {
	f := newFixture(t)
	tr := baseTrail("v", 1)
	tr.IsMultiRegionTrail, tr.LogFileValidationEnabled = true, true
	f.trails.set(tr)
	return f, &fixedSigner{keys: map[string]*digest.SigningKey{}}
}

func TestDigestChainsListEveryLogFile(t *testing.T) {
	f, signer := validatedTrailFixture(t)
	f.start(Options{Signer: signer, DigestInterval: time.Second}) // digest times have second precision
	var last uint64
	for i := range 50 {
		last, _ = f.ev("111122223333", []string{"us-east-1", "eu-west-1"}[i%2], "cloudtrail.amazonaws.com", "GetTrail", true, false)
		time.Sleep(50 * time.Millisecond)
	}
	tr := f.trails.All()[0].Clone()
	tr.Windows[0].Stop = last // StopLogging: final digests, chains end
	f.trails.set(tr)
	waitFor(t, "the final digests", func() bool {
		st, _ := loadState(f.dir + "/delivery/v")
		return st.Cursor >= last && len(st.Chains) == 0
	})
	f.stop()
	counts := checkChains(t, f.store, signer.public())
	if counts["us-east-1"] < 3 || counts["eu-west-1"] < 2 {
		t.Fatalf("digests per region: %v", counts)
	}
	if f.eng.Status("v").LatestDigestDeliveryTime.IsZero() {
		t.Errorf("LatestDigestDeliveryTime not set")
	}
}

func TestDigestFailureIsReportedAndRetriedUnderTheSameKey(t *testing.T) {
	f, signer := validatedTrailFixture(t)
	var mu sync.Mutex
	var failedKeys []string
	f.store.setFail(func(key string) error {
		if strings.Contains(key, "CloudTrail-Digest") {
			mu.Lock()
			defer mu.Unlock()
			if len(failedKeys) < 3 {
				failedKeys = append(failedKeys, key)
				return errors.New("injected digest outage")
			}
		}
		return nil
	})
	f.start(Options{Signer: signer, DigestInterval: time.Second})
	last, _ := f.ev("111122223333", "us-east-1", "cloudtrail.amazonaws.com", "GetTrail", true, false)
	waitFor(t, "the digest error", func() bool { return f.eng.Status("v").LatestDigestDeliveryError != "" })
	waitFor(t, "recovery", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(failedKeys) == 3 && f.eng.Status("v").LatestDigestDeliveryError == "" && !f.eng.Status("v").LatestDigestDeliveryTime.IsZero()
	})
	tr := f.trails.All()[0].Clone()
	tr.Windows[0].Stop = last
	f.trails.set(tr)
	waitFor(t, "the final digest", func() bool {
		st, _ := loadState(f.dir + "/delivery/v")
		return len(st.Chains) == 0
	})
	f.stop()
	checkChains(t, f.store, signer.public())
	mu.Lock()
	defer mu.Unlock()
	if !slices.Equal(failedKeys, []string{failedKeys[0], failedKeys[0], failedKeys[0]}) {
		t.Fatalf("the failed digest was retried under other keys: %v", failedKeys)
	}
}

// The second logging window is started as Cairn records StartLogging: the
// call's entry is pending until the trail change commits, then settled by a
// marker. (The test used to append a plain entry and change the trail after
// it: a cut in between, likely on a loaded machine, moved the cursor past the
// event, which then was never delivered.) Digest names have second
// precision: the clock jumps instead of the test sleeping a second.
func TestRestartedLoggingStartsANewChain(t *testing.T) {
	f, signer := validatedTrailFixture(t)
	var skew atomic.Int64
	now := func() time.Time { return time.Now().Add(time.Duration(skew.Load())) }
	f.start(Options{Signer: signer, DigestInterval: time.Hour, Now: now})
	first, _ := f.ev("111122223333", "us-east-1", "cloudtrail.amazonaws.com", "GetTrail", true, false)
	tr := f.trails.All()[0].Clone()
	tr.Windows[0].Stop = first
	f.trails.set(tr)
	waitFor(t, "the final digest", func() bool {
		st, _ := loadState(f.dir + "/delivery/v")
		return st.Cursor >= first && len(st.Chains) == 0 && len(f.store.records(t)) == 1
	})
	skew.Store(int64(2 * time.Second)) // the next digest ends in a later second
	second, _ := f.evPending("StartLogging")
	tr.Windows = append(tr.Windows, tr.Windows[0])
	tr.Windows[1].Start, tr.Windows[1].Stop = second, second
	f.trails.set(tr)
	f.marker(event.Marker{Seq: second, Outcome: event.Committed})
	waitFor(t, "the second chain", func() bool {
		st, _ := loadState(f.dir + "/delivery/v")
		return st.Cursor >= second && len(st.Chains) == 0 && len(f.store.records(t)) == 2
	})
	f.stop()
	f.store.mu.Lock()
	var starts int
	for k := range f.store.objects {
		if strings.Contains(k, "CloudTrail-Digest") {
			raw := gunzip(t, f.store.objects[k])
			if strings.Contains(string(raw), `"previousDigestSignature":null`) {
				starts++
			}
		}
	}
	f.store.mu.Unlock()
	if starts != 2 {
		t.Fatalf("%d starting digests, want 2 (one per logging window)", starts)
	}
}
