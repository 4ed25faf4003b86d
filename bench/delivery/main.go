// Command delivery measures trail delivery (internal/delivery) on the real
// journal and the embedded bucket store:
//
//   - throughput: how many matching events/s one trail turns into gzip log
//     files in its bucket, side by side with the bound set by gzip alone on
//     the same records;
//   - latency: with a 1s delivery interval and events arriving at a steady
//     rate, the time from an event being durable to its log file being stored
//     (p50/p99/max).
//
// Usage: go run ./bench/delivery -dir /tmp/cairn-bench/delivery [-events 1000000] [-rate 2000 -duration 30s]
package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/cairn-audit/cairn/bench/historygen/synth"
	"github.com/cairn-audit/cairn/internal/bucket"
	"github.com/cairn-audit/cairn/internal/bucket/file"
	"github.com/cairn-audit/cairn/internal/delivery"
	"github.com/cairn-audit/cairn/internal/digest"
	"github.com/cairn-audit/cairn/internal/journal"
	"github.com/cairn-audit/cairn/internal/stream"
	"github.com/cairn-audit/cairn/internal/trail"
)

func main() {
	dir := flag.String("dir", "/tmp/cairn-bench/delivery", "scratch directory (emptied)")
	events := flag.Int("events", 1_000_000, "events for the throughput run")
	rate := flag.Int("rate", 2000, "events/s for the latency run")
	duration := flag.Duration("duration", 30*time.Second, "length of the latency run")
	mode := flag.String("mode", "both", "throughput, latency or both")
	flag.Parse()
	log.SetFlags(0)
	fmt.Printf("machine: %d CPUs, %s\n", runtime.NumCPU(), runtime.Version())
	if *mode == "throughput" || *mode == "both" {
		if err := throughput(filepath.Join(*dir, "throughput"), *events); err != nil {
			log.Fatal(err)
		}
	}
	if *mode == "latency" || *mode == "both" {
		// Side by side: the same load without and with log file validation
		// (a 2048-bit signed digest every second, 60× AWS's hourly rate).
		for _, digests := range []bool{false, true} {
			if err := latency(filepath.Join(*dir, "latency"), *rate, *duration, digests); err != nil {
				log.Fatal(err)
			}
		}
	}
}

type setup struct {
	jnl    *journal.Journal
	src    *stream.Journal // what delivery reads
	store  *file.Store
	trails *fixedTrails
	world  *synth.World
}

func open(dir string) (*setup, error) {
	if err := os.RemoveAll(dir); err != nil {
		return nil, err
	}
	jopts := journal.DefaultOptions()
	jopts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	jnl, err := journal.Open(filepath.Join(dir, "journal"), jopts)
	if err != nil {
		return nil, err
	}
	st, err := file.Open(filepath.Join(dir, "buckets"), file.Options{})
	if err != nil {
		return nil, err
	}
	w := synth.NewWorld(1)
	if err := st.CreateBucket(context.Background(), "logs", bucket.CreateOptions{Owner: w.Account}); err != nil {
		return nil, err
	}
	tr := trail.Trail{ID: "bench", Account: w.Account, HomeRegion: "us-east-1", Name: "bench", ARN: trail.ARN("us-east-1", w.Account, "bench"),
		S3BucketName: "logs", IsMultiRegionTrail: true, IncludeGlobalServiceEvents: true, Windows: []trail.Window{{Start: 1, StartTime: time.Now()}}}
	src, err := stream.Open(jnl)
	if err != nil {
		return nil, err
	}
	return &setup{jnl: jnl, src: src, store: st, trails: &fixedTrails{t: []trail.Trail{tr}}, world: w}, nil
}

func (s *setup) close() { s.store.Close(); s.jnl.Close() }

// throughput fills the journal, then times one trail delivering all of it.
func throughput(dir string, n int) error {
	s, err := open(dir)
	if err != nil {
		return err
	}
	defer s.close()
	gen := synth.NewGenerator(s.world, 1, 0)
	start := time.Now().Add(-time.Hour)
	var raw [][]byte
	var recBytes int
	batch := make([][]byte, 0, 4096)
	for i := range n {
		e := gen.Event(uint64(i+1), start.Add(time.Duration(i)*time.Millisecond))
		p, err := e.MarshalBinary()
		if err != nil {
			return err
		}
		if i < 200_000 {
			raw = append(raw, e.Record)
		}
		recBytes += len(e.Record)
		batch = append(batch, p)
		if len(batch) == cap(batch) || i == n-1 {
			if _, err := s.jnl.AppendBatch(context.Background(), batch); err != nil {
				return err
			}
			batch = batch[:0]
		}
	}
	fmt.Printf("\n== throughput: %d events (%.0f B/record avg) already durable, one multi-region trail with default selectors\n", n, float64(recBytes)/float64(n))

	// Baseline: gzip alone over the same records, single goroutine.
	t0 := time.Now()
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.DefaultCompression)
	for _, r := range raw {
		zw.Write(r)
	}
	zw.Close()
	gzipRate := float64(len(raw)) / time.Since(t0).Seconds()

	eng, err := delivery.New(s.src, s.trails, s.store, delivery.Options{Dir: filepath.Join(dir, "delivery"), Interval: 100 * time.Millisecond, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	t1 := time.Now()
	go func() { done <- eng.Run(ctx) }()
	waitCaughtUp(eng, s.jnl)
	el := time.Since(t1)
	cancel()
	if err := <-done; err != nil {
		return err
	}
	rate := float64(n) / el.Seconds()
	fmt.Printf("delivery: %d events in %s = %.0f events/s, %d files\n", n, el.Round(time.Millisecond), rate, eng.Stats().Files)
	fmt.Printf("gzip alone (DefaultCompression, same records): %.0f events/s\n", gzipRate)
	fmt.Printf("ratio delivery/gzip-bound: %.2f; target 20,000 events/s: %.1fx\n", rate/gzipRate, rate/20000)
	return nil
}

// latency appends events at a steady rate while the trail delivers every 1s
// and measures durable→stored per event.
func latency(dir string, rate int, d time.Duration, digests bool) error {
	s, err := open(dir)
	if err != nil {
		return err
	}
	defer s.close()
	rec := &recordingStore{Store: s.store, stored: map[string]time.Time{}}
	opts := delivery.Options{Dir: filepath.Join(dir, "delivery"), Interval: time.Second, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	if digests {
		key, err := digest.GenerateSigningKey(2048, time.Now().Add(-time.Hour), time.Now().Add(time.Hour))
		if err != nil {
			return err
		}
		s.trails.t[0].LogFileValidationEnabled = true
		opts.Signer, opts.DigestInterval = oneKey{key}, time.Second
	}
	eng, err := delivery.New(s.src, s.trails, rec, opts)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- eng.Run(ctx) }()
	gen := synth.NewGenerator(s.world, 2, 0)
	durableAt := map[string]time.Time{}
	tick := time.NewTicker(10 * time.Millisecond)
	per := max(1, rate/100)
	end := time.Now().Add(d)
	seq := uint64(0)
	for now := range tick.C {
		if now.After(end) {
			break
		}
		batch := make([][]byte, 0, per)
		var ids []string
		for range per {
			seq++
			e := gen.Event(seq, time.Now())
			p, _ := e.MarshalBinary()
			batch = append(batch, p)
			ids = append(ids, e.Meta.EventID)
		}
		if _, err := s.jnl.AppendBatch(context.Background(), batch); err != nil {
			return err
		}
		at := time.Now()
		for _, id := range ids {
			durableAt[id] = at
		}
	}
	tick.Stop()
	waitCaughtUp(eng, s.jnl)
	cancel()
	if err := <-done; err != nil {
		return err
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	var lat []time.Duration
	for id, t := range durableAt {
		st, ok := rec.stored[id]
		if !ok {
			return fmt.Errorf("event %s never stored", id)
		}
		lat = append(lat, st.Sub(t))
	}
	slices.Sort(lat)
	q := func(p float64) time.Duration { return lat[int(p*float64(len(lat)-1))].Round(time.Millisecond) }
	what := "log file validation off"
	if digests {
		what = "log file validation on, a signed digest per region every second"
	}
	fmt.Printf("\n== latency: %d events at %d/s over %s, --delivery-interval 1s, %s\n", len(lat), rate, d, what)
	fmt.Printf("durable → stored in the bucket: p50 %s, p99 %s, max %s (target p99 < 3s); %d digest files\n", q(0.5), q(0.99), lat[len(lat)-1].Round(time.Millisecond), rec.digests)
	return nil
}

// recordingStore notes when each event's log file was stored.
type recordingStore struct {
	bucket.Store
	mu      sync.Mutex
	stored  map[string]time.Time
	digests int
}

func (r *recordingStore) Put(ctx context.Context, b, key string, body io.Reader, opts bucket.PutOptions) (bucket.ObjectInfo, error) {
	data, err := io.ReadAll(body)
	if err != nil {
		return bucket.ObjectInfo{}, err
	}
	info, err := r.Store.Put(ctx, b, key, bytes.NewReader(data), opts)
	if err != nil {
		return info, err
	}
	at := time.Now()
	if strings.Contains(key, "/CloudTrail-Digest/") {
		r.mu.Lock()
		r.digests++
		r.mu.Unlock()
		return info, nil
	}
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return info, err
	}
	var f struct{ Records []struct{ EventID string } }
	if err := json.NewDecoder(zr).Decode(&f); err != nil {
		return info, err
	}
	r.mu.Lock()
	for _, rec := range f.Records {
		r.stored[rec.EventID] = at
	}
	r.mu.Unlock()
	return info, nil
}

// waitCaughtUp waits until the trail has delivered everything durable.
func waitCaughtUp(eng *delivery.Engine, jnl *journal.Journal) {
	for eng.Needed() == math.MaxUint64 || eng.Needed() <= jnl.Durable() {
		time.Sleep(5 * time.Millisecond)
	}
}

type oneKey struct{ k *digest.SigningKey }

func (o oneKey) KeyAt(string, time.Time) (*digest.SigningKey, error) { return o.k, nil }

type fixedTrails struct{ t []trail.Trail }

func (f *fixedTrails) All() []trail.Trail                   { return f.t }
func (f *fixedTrails) Subscribe() (<-chan struct{}, func()) { return make(chan struct{}), func() {} }
