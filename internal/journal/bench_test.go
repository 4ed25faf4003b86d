package journal

import (
	"context"
	"fmt"
	"testing"
)

// BenchmarkAppendParallel measures group-commit throughput with 300-byte
// payloads. RunParallel starts parallelism*GOMAXPROCS appenders, standing in
// for concurrent API requests.
func BenchmarkAppendParallel(b *testing.B) {
	for _, par := range []int{1, 8, 32, 128} {
		b.Run(fmt.Sprintf("appenders=%dxGOMAXPROCS", par), func(b *testing.B) {
			o := testOptions()
			j, err := Open(b.TempDir(), o)
			if err != nil {
				b.Fatal(err)
			}
			defer j.Close()
			payload := payloadFor("bench", 300)
			b.SetBytes(int64(len(payload)))
			b.SetParallelism(par)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := j.Append(context.Background(), payload); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.StopTimer()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "appends/s")
			if c := j.commits.Load(); c > 0 {
				b.ReportMetric(float64(j.entries.Load())/float64(c), "entries/commit")
				b.ReportMetric(b.Elapsed().Seconds()*1e6/float64(c), "µs/commit")
			}
		})
	}
}

// BenchmarkReadFollow reads a journal in pages of 100 entries, as a
// consumer following the stream does.
func BenchmarkReadFollow(b *testing.B) {
	o := testOptions()
	j, err := Open(b.TempDir(), o)
	if err != nil {
		b.Fatal(err)
	}
	defer j.Close()
	payload := payloadFor("bench", 300)
	batch := make([][]byte, 1000)
	for i := range batch {
		batch[i] = payload
	}
	for range 100 {
		if _, err := j.AppendBatch(context.Background(), batch); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(len(payload)))
	b.ResetTimer()
	next := uint64(1)
	for range b.N {
		if next > j.Durable() {
			next = 1
		}
		n, err := j.Read(next, 100, 0, func(uint64, []byte) error { return nil })
		if err != nil {
			b.Fatal(err)
		}
		next = n
	}
	b.ReportMetric(float64(b.N*100)/b.Elapsed().Seconds(), "entries/s")
}
