package historydb

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// BenchmarkApply measures Apply of 5,000-entry batches of ~1 KB records
// into 24h partitions (go test -bench Apply -benchtime 20x).
// BenchmarkApply compares the record-log formats back to back: format=1
// (uncompressed frames and a record column, the layout before issue 12)
// and format=2 (compressed blocks).
func BenchmarkApply(b *testing.B) {
	for _, v := range []int{formatVersionUncompressed, formatVersion} {
		b.Run(fmt.Sprintf("format=%d", v), func(b *testing.B) {
			saved := newStoreVersion
			newStoreVersion = v
			defer func() { newStoreVersion = saved }()
			benchmarkApply(b)
		})
	}
}

func benchmarkApply(b *testing.B) {
	h, err := Open(Options{Dir: b.TempDir(), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	defer h.Close()
	const batch = 5000
	rng := rand.New(rand.NewPCG(1, 2))
	pad := json.RawMessage(`{"filterSet":"` + strings.Repeat("x", 600) + `"}`)
	b.ResetTimer()
	b.StopTimer()
	seq := uint64(0)
	for i := 0; i < b.N; i++ {
		es := genEntries(rng, seq+1, batch, t0.Add(time.Duration(i)*time.Hour), time.Hour)
		for j := range es {
			var r map[string]any
			if err := json.Unmarshal(es[j].Record, &r); err != nil {
				b.Fatal(err)
			}
			r["requestParameters"] = pad
			es[j].Record, _ = json.Marshal(r)
		}
		seq += batch
		b.StartTimer()
		if err := h.Apply(context.Background(), es, seq); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
	}
	b.ReportMetric(float64(b.N*batch)/b.Elapsed().Seconds(), "events/s")
}
