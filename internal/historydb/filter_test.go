package historydb

import (
	"errors"
	"math/rand/v2"
	"testing"
	"time"
)

func TestKeyFilterNoFalseNegativesAndLowFPR(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	f := newKeyFilter(1000) // grows through several segments
	keys := make([]int64, 200_000)
	for i := range keys {
		keys[i] = rng.Int64()
	}
	f.add(keys...)
	for _, k := range keys {
		if !f.mayContain(k) {
			t.Fatalf("false negative for %d", k)
		}
	}
	fp := 0
	const probes = 200_000
	for i := 0; i < probes; i++ {
		if f.mayContain(rng.Int64()) {
			fp++
		}
	}
	if rate := float64(fp) / probes; rate > 0.01 {
		t.Fatalf("false-positive rate %.4f over %d segments, want < 1%%", rate, len(f.segs))
	}
	if f.keyCount() < len(keys)*99/100 {
		t.Fatalf("keyCount %d, want about %d", f.keyCount(), len(keys))
	}
	// Re-adding does not count again.
	n := f.keyCount()
	f.add(keys[:1000]...)
	if f.keyCount() != n {
		t.Fatalf("re-adding changed keyCount %d -> %d", n, f.keyCount())
	}
}

func TestKeyFilterMarshalRoundTrip(t *testing.T) {
	f := newKeyFilter(10)
	for i := int64(0); i < 10_000; i++ {
		f.add(i * 7919)
	}
	b, err := f.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	g, err := unmarshalKeyFilter(b)
	if err != nil {
		t.Fatal(err)
	}
	if g.keyCount() != f.keyCount() || len(g.segs) != len(f.segs) {
		t.Fatalf("decoded %d keys in %d segs, want %d in %d", g.keyCount(), len(g.segs), f.keyCount(), len(f.segs))
	}
	for i := int64(0); i < 10_000; i++ {
		if !g.mayContain(i * 7919) {
			t.Fatalf("decoded filter lost key %d", i*7919)
		}
	}
	for name, bad := range map[string][]byte{
		"empty":     nil,
		"magic":     append([]byte("XXXX"), b[4:]...),
		"truncated": b[:len(b)-1],
		"trailing":  append(append([]byte{}, b...), 0),
		"no segs":   []byte(filterFormatMagic + "\x00"),
	} {
		if _, err := unmarshalKeyFilter(bad); !errors.Is(err, errBadFilter) {
			t.Errorf("%s: got %v, want errBadFilter", name, err)
		}
	}
}

func TestPartitionStart(t *testing.T) {
	tests := []struct {
		t     time.Time
		width time.Duration
		want  time.Time
	}{
		{time.Date(2025, 3, 1, 17, 4, 5, 0, time.UTC), 24 * time.Hour, time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)},
		{time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC), 24 * time.Hour, time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)},
		{time.Date(2025, 3, 1, 23, 59, 59, 999, time.UTC), 24 * time.Hour, time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)},
		{time.Date(2025, 3, 1, 17, 4, 5, 0, time.FixedZone("x", 5*3600)), 24 * time.Hour, time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)},
		{time.Date(2025, 3, 1, 17, 4, 5, 0, time.UTC), time.Hour, time.Date(2025, 3, 1, 17, 0, 0, 0, time.UTC)},
		{time.Date(1969, 12, 31, 23, 30, 0, 0, time.UTC), time.Hour, time.Date(1969, 12, 31, 23, 0, 0, 0, time.UTC)},
	}
	for _, tc := range tests {
		if got := partitionStart(tc.t, tc.width); !got.Equal(tc.want) {
			t.Errorf("partitionStart(%v, %v) = %v, want %v", tc.t, tc.width, got, tc.want)
		}
	}
}

func TestOptionsValidation(t *testing.T) {
	for name, o := range map[string]Options{
		"no dir":         {},
		"sub-second":     {Dir: t.TempDir(), PartitionWidth: 1500 * time.Millisecond},
		"negative width": {Dir: t.TempDir(), PartitionWidth: -time.Hour},
	} {
		if _, err := Open(o); err == nil {
			t.Errorf("%s: Open succeeded", name)
		}
	}
	d := DefaultOptions()
	if d.MemoryLimit != DefaultMemoryLimit || d.Threads != DefaultThreads || d.PartitionWidth != DefaultPartitionWidth || d.Logger == nil {
		t.Fatalf("DefaultOptions = %+v", d)
	}
}
