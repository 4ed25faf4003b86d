package delivery

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/cairn-audit/cairn/internal/anchor"
	"github.com/cairn-audit/cairn/internal/digest"
	"time"
)

// flakyAnchor is an anchor sink in memory that fails its first n appends.
type flakyAnchor struct {
	mu    sync.Mutex
	fails int
	recs  []anchor.Record
}

func (a *flakyAnchor) Append(_ context.Context, r anchor.Record) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.fails > 0 {
		a.fails--
		return errors.New("injected anchor outage")
	}
	for _, o := range a.recs {
		if o.Key == r.Key {
			return nil
		}
	}
	a.recs = append(a.recs, r)
	return nil
}
func (a *flakyAnchor) Records(context.Context, string) ([]anchor.Record, []string, error) {
	return nil, nil, nil
}
func (a *flakyAnchor) Describe() string { return "memory" }
func (a *flakyAnchor) Close() error     { return nil }

// Every stored digest is anchored with its hash and signature; while the
// anchor fails, the error shows in the status and the chain does not move
// on (the same digest is retried until anchored).
func TestDigestsAreAnchoredBeforeTheChainAdvances(t *testing.T) {
	f, signer := validatedTrailFixture(t)
	anc := &flakyAnchor{fails: 3}
	f.start(Options{Signer: signer, DigestInterval: time.Second, Anchor: anc})
	last, _ := f.ev("111122223333", "us-east-1", "cloudtrail.amazonaws.com", "GetTrail", true, false)
	waitFor(t, "the anchor error", func() bool {
		return strings.HasPrefix(f.eng.Status("v").LatestDigestDeliveryError, "AnchorFailed")
	})
	if st, _ := loadState(f.dir + "/delivery/v"); st.Chains["us-east-1"] != nil && st.Chains["us-east-1"].Prev != nil {
		t.Fatal("the chain advanced past an un-anchored digest")
	}
	waitFor(t, "recovery", func() bool {
		s := f.eng.Status("v")
		return s.LatestDigestDeliveryError == "" && !s.LatestDigestDeliveryTime.IsZero()
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
	anc.mu.Lock()
	defer anc.mu.Unlock()
	byKey := map[string]anchor.Record{}
	for _, r := range anc.recs {
		byKey[r.Bucket+"/"+r.Key] = r
	}
	n := 0
	f.store.mu.Lock()
	defer f.store.mu.Unlock()
	for k, body := range f.store.objects {
		if !strings.Contains(k, "/CloudTrail-Digest/") {
			continue
		}
		n++
		r, ok := byKey[k]
		if !ok {
			t.Errorf("digest %s not anchored", k)
			continue
		}
		sum := sha256.Sum256(gunzip(t, body))
		if r.Hash != hex.EncodeToString(sum[:]) || r.Signature != f.store.meta[k][digest.MetaSignature] || r.Trail == "" {
			t.Errorf("anchor of %s: %+v", k, r)
		}
	}
	if n == 0 || n != len(anc.recs) {
		t.Fatalf("%d digests, %d anchored", n, len(anc.recs))
	}
	if !anc.recs[len(anc.recs)-1].Final {
		t.Errorf("the last anchored digest is not marked final")
	}
}
