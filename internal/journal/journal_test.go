package journal

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestRoundTrip(t *testing.T) {
	dir := t.TempDir()
	j := mustOpen(t, dir, testOptions())
	if d := j.Durable(); d != 0 {
		t.Fatalf("Durable of new journal = %d, want 0", d)
	}
	sizes := []int{0, 1, 17, 300, 4096, 100_000}
	var want []entry
	for i, n := range sizes {
		p := payloadFor(fmt.Sprintf("e%d", i), n)
		if n == 0 {
			p = nil
		}
		seq := mustAppend(t, j, p)
		if seq != uint64(i+1) {
			t.Fatalf("Append #%d seq = %d, want %d", i, seq, i+1)
		}
		want = append(want, entry{seq, p})
	}
	if d := j.Durable(); d != uint64(len(sizes)) {
		t.Fatalf("Durable = %d, want %d", d, len(sizes))
	}
	checkEntries(t, readAll(t, j, 1, 0), want)
	checkEntries(t, readAll(t, j, 3, 1), want[2:])
	if got := segmentFiles(t, dir); len(got) != 1 || filepath.Base(got[0]) != "00000000000000000001.seg" {
		t.Fatalf("segment files = %v", got)
	}
}

func checkEntries(t testing.TB, got, want []entry) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("read %d entries, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i].seq != want[i].seq || !bytes.Equal(got[i].payload, want[i].payload) {
			t.Fatalf("entry %d = (%d, %.40q), want (%d, %.40q)", i, got[i].seq, got[i].payload, want[i].seq, want[i].payload)
		}
	}
}

func TestAppendBatch(t *testing.T) {
	j := mustOpen(t, t.TempDir(), testOptions())
	mustAppend(t, j, []byte("a"))
	batch := [][]byte{[]byte("b"), []byte("c"), {}, []byte("e")}
	first, err := j.AppendBatch(context.Background(), batch)
	if err != nil || first != 2 {
		t.Fatalf("AppendBatch = %d, %v; want 2, nil", first, err)
	}
	if d := j.Durable(); d != 5 {
		t.Fatalf("Durable = %d, want 5", d)
	}
	want := []entry{{1, []byte("a")}, {2, []byte("b")}, {3, []byte("c")}, {4, nil}, {5, []byte("e")}}
	checkEntries(t, readAll(t, j, 1, 0), want)
	if _, err := j.AppendBatch(context.Background(), nil); err == nil {
		t.Fatal("empty AppendBatch succeeded")
	}
}

func TestTooLarge(t *testing.T) {
	j := mustOpen(t, t.TempDir(), testOptions())
	big := make([]byte, MaxPayloadSize+1)
	if _, err := j.Append(context.Background(), big); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("Append too large: %v", err)
	}
	if _, err := j.AppendBatch(context.Background(), [][]byte{{1}, big}); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("AppendBatch too large: %v", err)
	}
	if d := j.Durable(); d != 0 {
		t.Fatalf("Durable = %d after rejected appends", d)
	}
}

func TestReopen(t *testing.T) {
	dir := t.TempDir()
	o := testOptions()
	j, err := Open(dir, o)
	if err != nil {
		t.Fatal(err)
	}
	var want []entry
	for i := range 50 {
		p := payloadFor(fmt.Sprint(i), i*7)
		want = append(want, entry{mustAppend(t, j, p), p})
	}
	if err := j.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := j.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if _, err := j.Append(context.Background(), []byte("x")); !errors.Is(err, ErrClosed) {
		t.Fatalf("Append after Close: %v", err)
	}
	if _, err := j.Read(1, 0, 0, func(uint64, []byte) error { return nil }); !errors.Is(err, ErrClosed) {
		t.Fatalf("Read after Close: %v", err)
	}

	j2 := mustOpen(t, dir, o)
	if d := j2.Durable(); d != 50 {
		t.Fatalf("Durable after reopen = %d, want 50", d)
	}
	checkEntries(t, readAll(t, j2, 1, 7), want)
	p := []byte("after reopen")
	if seq := mustAppend(t, j2, p); seq != 51 {
		t.Fatalf("Append after reopen seq = %d, want 51", seq)
	}
	checkEntries(t, readAll(t, j2, 51, 0), []entry{{51, p}})
}

func TestSecondOpenLocked(t *testing.T) {
	dir := t.TempDir()
	mustOpen(t, dir, testOptions())
	if j, err := Open(dir, testOptions()); err == nil {
		j.Close()
		t.Fatal("second Open of the same dir succeeded")
	}
}

func TestReadLimits(t *testing.T) {
	j := mustOpen(t, t.TempDir(), testOptions())
	for i := range 20 {
		mustAppend(t, j, payloadFor(fmt.Sprint(i), 100))
	}
	count := func(from uint64, maxEntries, maxBytes int) (int, uint64) {
		n := 0
		next, err := j.Read(from, maxEntries, maxBytes, func(seq uint64, p []byte) error {
			if seq != from+uint64(n) {
				t.Fatalf("Read delivered seq %d, want %d", seq, from+uint64(n))
			}
			n++
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return n, next
	}
	tests := []struct {
		name                 string
		from                 uint64
		maxEntries, maxBytes int
		wantN                int
		wantNext             uint64
	}{
		{"no limits", 1, 0, 0, 20, 21},
		{"entries", 1, 5, 0, 5, 6},
		{"bytes round up to whole entries", 3, 0, 250, 3, 6},
		{"at least one entry", 4, 0, 1, 1, 5},
		{"both, entries first", 1, 2, 1000, 2, 3},
		{"tail", 19, 10, 0, 2, 21},
		{"at durable end", 21, 10, 0, 0, 21},
		{"beyond durable end", 40, 10, 0, 0, 40},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n, next := count(tc.from, tc.maxEntries, tc.maxBytes)
			if n != tc.wantN || next != tc.wantNext {
				t.Fatalf("Read(%d, %d, %d) delivered %d, next %d; want %d, %d", tc.from, tc.maxEntries, tc.maxBytes, n, next, tc.wantN, tc.wantNext)
			}
		})
	}

	stop := errors.New("stop")
	next, err := j.Read(5, 0, 0, func(seq uint64, p []byte) error {
		if seq == 8 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || next != 8 {
		t.Fatalf("Read with failing fn = %d, %v; want 8, stop", next, err)
	}
	// The failed entry is delivered again on retry.
	var first uint64
	if _, err := j.Read(next, 1, 0, func(seq uint64, p []byte) error { first = seq; return nil }); err != nil || first != 8 {
		t.Fatalf("retry delivered %d, %v; want 8", first, err)
	}
}

func TestWaitDurable(t *testing.T) {
	j := mustOpen(t, t.TempDir(), testOptions())
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := j.WaitDurable(ctx, 0); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("WaitDurable on empty journal: %v", err)
	}

	got := make(chan uint64, 1)
	go func() {
		d, err := j.WaitDurable(context.Background(), 0)
		if err != nil {
			t.Error(err)
		}
		got <- d
	}()
	time.Sleep(10 * time.Millisecond)
	select {
	case d := <-got:
		t.Fatalf("WaitDurable returned %d before any append", d)
	default:
	}
	mustAppend(t, j, []byte("x"))
	select {
	case d := <-got:
		if d != 1 {
			t.Fatalf("WaitDurable = %d, want 1", d)
		}
	case <-time.After(time.Minute): // a hang, not a slow machine
		t.Fatal("WaitDurable did not return after append")
	}
	if d, err := j.WaitDurable(context.Background(), 0); d != 1 || err != nil {
		t.Fatalf("WaitDurable(0) with entry 1 durable = %d, %v", d, err)
	}

	closed := make(chan error, 1)
	go func() {
		_, err := j.WaitDurable(context.Background(), 1)
		closed <- err
	}()
	time.Sleep(10 * time.Millisecond)
	j.Close()
	select {
	case err := <-closed:
		if !errors.Is(err, ErrClosed) {
			t.Fatalf("WaitDurable across Close: %v", err)
		}
	case <-time.After(time.Minute):
		t.Fatal("WaitDurable did not return on Close")
	}
}

func TestAppendContext(t *testing.T) {
	t.Run("already canceled writes nothing", func(t *testing.T) {
		j := mustOpen(t, t.TempDir(), testOptions())
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := j.Append(ctx, []byte("x")); !errors.Is(err, context.Canceled) {
			t.Fatalf("Append: %v", err)
		}
		if seq := mustAppend(t, j, []byte("y")); seq != 1 {
			t.Fatalf("next seq = %d, want 1", seq)
		}
	})
	t.Run("canceled while waiting may still become durable", func(t *testing.T) {
		o := testOptions()
		o.ops = defaultFileOps()
		inSync, release := make(chan struct{}), make(chan struct{})
		realSync := o.ops.datasync
		o.ops.datasync = func(f *os.File) error {
			close(inSync)
			<-release
			return realSync(f)
		}
		j := mustOpen(t, t.TempDir(), o)
		ctx, cancel := context.WithCancel(context.Background())
		errc := make(chan error, 1)
		go func() {
			_, err := j.Append(ctx, []byte("slow"))
			errc <- err
		}()
		<-inSync
		cancel()
		if err := <-errc; !errors.Is(err, context.Canceled) {
			t.Fatalf("Append = %v, want context.Canceled", err)
		}
		if d := j.Durable(); d != 0 {
			t.Fatalf("Durable = %d before sync completed", d)
		}
		close(release)
		if d, err := j.WaitDurable(context.Background(), 0); d != 1 || err != nil {
			t.Fatalf("WaitDurable = %d, %v", d, err)
		}
		checkEntries(t, readAll(t, j, 1, 0), []entry{{1, []byte("slow")}})
	})
}

func TestCloseDrainsQueue(t *testing.T) {
	o := testOptions()
	o.ops = defaultFileOps()
	inSync, gate := make(chan struct{}, 1), make(chan struct{})
	realSync := o.ops.datasync
	o.ops.datasync = func(f *os.File) error {
		select {
		case inSync <- struct{}{}:
		default:
		}
		<-gate
		return realSync(f)
	}
	dir := t.TempDir()
	j, err := Open(dir, o)
	if err != nil {
		t.Fatal(err)
	}
	const n = 20
	errs := make(chan error, n+1)
	go func() {
		_, err := j.Append(context.Background(), []byte("first"))
		errs <- err
	}()
	<-inSync // the writer is stuck in fdatasync; everything else queues
	for i := range n {
		go func() {
			_, err := j.Append(context.Background(), payloadFor(fmt.Sprint(i), 10))
			errs <- err
		}()
	}
	waitQueued(j, n)
	closeErr := make(chan error, 1)
	go func() { closeErr <- j.Close() }()
	close(gate)
	if err := <-closeErr; err != nil {
		t.Fatalf("Close: %v", err)
	}
	for range n + 1 {
		if err := <-errs; err != nil {
			t.Fatalf("queued Append failed across Close: %v", err)
		}
	}
	j2 := mustOpen(t, dir, testOptions())
	if d := j2.Durable(); d != n+1 {
		t.Fatalf("Durable after reopen = %d, want %d", d, n+1)
	}
}

func TestFirstSeq(t *testing.T) {
	t.Run("new journal", func(t *testing.T) {
		dir := t.TempDir()
		o := testOptions()
		o.FirstSeq = 1000
		j := mustOpen(t, dir, o)
		if d := j.Durable(); d != 999 {
			t.Fatalf("Durable = %d, want 999", d)
		}
		if f := j.First(); f != 1000 {
			t.Fatalf("First = %d, want 1000", f)
		}
		if _, err := j.Read(1, 0, 0, func(uint64, []byte) error { return nil }); !errors.Is(err, ErrTrimmed) {
			t.Fatalf("Read(1) before the start: %v", err)
		}
		if seq := mustAppend(t, j, []byte("x")); seq != 1000 {
			t.Fatalf("first seq = %d, want 1000", seq)
		}
		if got := segmentFiles(t, dir); len(got) != 1 || filepath.Base(got[0]) != "00000000000000001000.seg" {
			t.Fatalf("segment files = %v", got)
		}
	})
	t.Run("empty journal moves forward only", func(t *testing.T) {
		dir := t.TempDir()
		o := testOptions()
		o.FirstSeq = 10
		j, err := Open(dir, o)
		if err != nil {
			t.Fatal(err)
		}
		j.Close()
		for _, tc := range []struct{ firstSeq, want uint64 }{{5, 10}, {0, 10}, {500, 500}, {20, 500}} {
			o.FirstSeq = tc.firstSeq
			j, err := Open(dir, o)
			if err != nil {
				t.Fatal(err)
			}
			if f := j.First(); f != tc.want {
				t.Fatalf("FirstSeq %d: First = %d, want %d", tc.firstSeq, f, tc.want)
			}
			j.Close()
			if n := len(segmentFiles(t, dir)); n != 1 {
				t.Fatalf("%d segment files", n)
			}
		}
	})
	t.Run("ignored once there are entries", func(t *testing.T) {
		dir := t.TempDir()
		j, err := Open(dir, testOptions())
		if err != nil {
			t.Fatal(err)
		}
		mustAppend(t, j, []byte("x"))
		j.Close()
		o := testOptions()
		o.FirstSeq = 1000
		j = mustOpen(t, dir, o)
		if seq := mustAppend(t, j, []byte("y")); seq != 2 {
			t.Fatalf("seq = %d, want 2", seq)
		}
	})
}
