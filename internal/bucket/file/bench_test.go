package file

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cairn-audit/cairn/internal/bucket"
)

// BenchmarkPut writes 64 KiB objects (each fsync'd, renamed and its directory
// fsync'd) into CloudTrail-shaped keys: one writer, then 4 per CPU.
func BenchmarkPut(b *testing.B) {
	body := bytes.Repeat([]byte("cairn"), 64<<10/5+1)[:64<<10]
	setup := func(b *testing.B) (*Store, func(n int64) error) {
		s := openTest(b, b.TempDir())
		ctx := context.Background()
		if err := s.CreateBucket(ctx, "logs", bucket.CreateOptions{}); err != nil {
			b.Fatal(err)
		}
		b.SetBytes(int64(len(body)))
		b.ReportAllocs()
		return s, func(n int64) error {
			key := fmt.Sprintf("AWSLogs/111122223333/CloudTrail/us-east-1/2024/01/%02d/f%08d.json.gz", n%28+1, n)
			_, err := s.Put(ctx, "logs", key, bytes.NewReader(body), bucket.PutOptions{Size: int64(len(body))})
			return err
		}
	}
	b.Run("serial", func(b *testing.B) {
		_, put := setup(b)
		start := time.Now()
		for i := range b.N {
			if err := put(int64(i)); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "ops/s")
	})
	b.Run("parallel", func(b *testing.B) {
		_, put := setup(b)
		var seq atomic.Int64
		b.SetParallelism(4)
		start := time.Now()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := put(seq.Add(1)); err != nil {
					b.Error(err)
					return
				}
			}
		})
		b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "ops/s")
	})
	// recorded: a PutObject of the S3 API (StagePut, CommitAt with its
	// seq): the applied log's line is one more fsync per object.
	b.Run("recorded-parallel", func(b *testing.B) {
		s, _ := setup(b)
		ctx := context.Background()
		var seq atomic.Int64
		b.SetParallelism(4)
		start := time.Now()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				n := seq.Add(1)
				p, err := s.StagePut(ctx, "logs", fmt.Sprintf("objs/%02d/f%08d", n%28, n), bytes.NewReader(body), bucket.PutOptions{Size: int64(len(body))})
				if err == nil {
					err = p.(*staged).CommitAt(uint64(n))
				}
				if err != nil {
					b.Error(err)
					return
				}
			}
		})
		b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "ops/s")
	})
}

// plant writes an object file directly (no fsync), to build big buckets fast.
func plant(b *testing.B, s *Store, bucketName, key string, body []byte) {
	elems := keyElems(key)
	dir := filepath.Join(append([]string{s.bucketDir(bucketName)}, elems[:len(elems)-1]...)...)
	if err := os.MkdirAll(dir, dirPerm); err != nil {
		b.Fatal(err)
	}
	f, err := os.Create(filepath.Join(dir, elems[len(elems)-1]))
	if err != nil {
		b.Fatal(err)
	}
	f.Write(body)
	if err := writeMeta(f, &meta{Key: key, Size: int64(len(body)), ETag: etagOf(body), LastModified: time.Now().UTC()}); err != nil {
		b.Fatal(err)
	}
	f.Close()
}

func etagOf(body []byte) string {
	sum := md5.Sum(body)
	return `"` + hex.EncodeToString(sum[:]) + `"`
}

// BenchmarkListDayFolder pages through one CloudTrail day folder of 10,000
// objects in a bucket of 31 such days (1,000 keys a page), and lists the
// month's day folders with a delimiter.
func BenchmarkListDayFolder(b *testing.B) {
	s := openTest(b, b.TempDir())
	ctx := context.Background()
	if err := s.CreateBucket(ctx, "logs", bucket.CreateOptions{}); err != nil {
		b.Fatal(err)
	}
	const base = "AWSLogs/111122223333/CloudTrail/us-east-1/2024/01/"
	body := []byte("{}")
	for day := 1; day <= 31; day++ {
		n := 200
		if day == 15 {
			n = 10000
		}
		for i := range n {
			plant(b, s, "logs", fmt.Sprintf("%s%02d/111122223333_CloudTrail_us-east-1_202401%02dT%04dZ_%06d.json.gz", base, day, day, i%1440, i), body)
		}
	}
	b.Run("page", func(b *testing.B) {
		for range b.N {
			res, err := s.List(ctx, "logs", bucket.ListOptions{Prefix: base + "15/", After: base + "15/111122223333_CloudTrail_us-east-1_20240115T0500Z"})
			if err != nil || len(res.Objects) != 1000 {
				b.Fatal(len(res.Objects), err)
			}
		}
	})
	b.Run("days", func(b *testing.B) {
		for range b.N {
			res, err := s.List(ctx, "logs", bucket.ListOptions{Prefix: base, Delimiter: "/"})
			if err != nil || len(res.CommonPrefixes) != 31 {
				b.Fatal(len(res.CommonPrefixes), err)
			}
		}
	})
}
