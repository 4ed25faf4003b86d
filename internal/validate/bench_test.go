package validate

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// BenchmarkValidateDay validates one region's day: 24 hourly digests, each
// listing 60 log files of 100 records (~25 KB uncompressed each), from the
// in-memory store, and with 2 ms per object read (a remote store) where the
// worker pool's parallelism is what counts.
func BenchmarkValidateDay(b *testing.B) {
	f := newFixture(b)
	f.records = 100
	f.build(24, 60, "us-east-1")
	files := 24 + 24*60
	for _, delay := range []time.Duration{0, 2 * time.Millisecond} {
		b.Run(fmt.Sprintf("latency=%s", delay), func(b *testing.B) {
			f.store.getDelay = delay
			o := f.options(base, base.Add(24*time.Hour))
			var bytes int64
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				var last Progress
				o.Progress = func(p Progress) { last = p }
				rep, err := Run(context.Background(), o)
				if err != nil || !rep.OK() || rep.LogFiles.Valid != 24*60 || rep.Digests.Valid != 24 {
					b.Fatalf("err %v, digests %v, logs %v\n%s", err, rep.Digests, rep.LogFiles, dumpProblems(rep))
				}
				bytes = last.Bytes
			}
			sec := b.Elapsed().Seconds() / float64(b.N)
			b.ReportMetric(float64(files)/sec, "files/s")
			b.ReportMetric(float64(bytes)/sec/1e6, "MB/s")
		})
	}
}
