package journal

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

var errInjected = errors.New("injected I/O error")

// faultOps wraps the real file operations; each counter makes that many
// upcoming calls fail with errInjected.
type faultOps struct {
	writeFails, syncFails, truncateFails, createFails, syncDirFails atomic.Int32
	partialWrite                                                    atomic.Bool // a failing write first writes half
	// syncFailFile, if set, makes the next fdatasync of the file with that
	// base name fail, once.
	syncFailFile atomic.Pointer[string]
	// beforeSync, if set, runs before every fdatasync (to block the
	// writer while a test queues appends).
	beforeSync func()
}

func take(c *atomic.Int32) bool {
	for {
		n := c.Load()
		if n <= 0 {
			return false
		}
		if c.CompareAndSwap(n, n-1) {
			return true
		}
	}
}

func (fo *faultOps) ops() *fileOps {
	real := defaultFileOps()
	return &fileOps{
		write: func(f *os.File, b []byte, off int64) (int, error) {
			if take(&fo.writeFails) {
				n := 0
				if fo.partialWrite.Load() {
					n, _ = real.write(f, b[:len(b)/2], off)
				}
				return n, errInjected
			}
			return real.write(f, b, off)
		},
		datasync: func(f *os.File) error {
			if fo.beforeSync != nil {
				fo.beforeSync()
			}
			if take(&fo.syncFails) {
				return errInjected
			}
			if name := fo.syncFailFile.Load(); name != nil && filepath.Base(f.Name()) == *name && fo.syncFailFile.CompareAndSwap(name, nil) {
				return errInjected
			}
			return real.datasync(f)
		},
		truncate: func(f *os.File, size int64) error {
			if take(&fo.truncateFails) {
				return errInjected
			}
			return real.truncate(f, size)
		},
		create: func(path string) (*os.File, error) {
			if take(&fo.createFails) {
				return nil, errInjected
			}
			return real.create(path)
		},
		syncDir: func(dir string) error {
			if take(&fo.syncDirFails) {
				return errInjected
			}
			return real.syncDir(dir)
		},
	}
}

func openFaulty(t *testing.T, dir string, o Options) (*Journal, *faultOps) {
	t.Helper()
	fo := &faultOps{}
	o.ops = fo.ops()
	return mustOpen(t, dir, o), fo
}

func TestInjectedFailureRecovers(t *testing.T) {
	tests := []struct {
		name    string
		arm     func(fo *faultOps)
		errText string
	}{
		{"write fails", func(fo *faultOps) { fo.writeFails.Store(1) }, "write"},
		{"write fails after writing half", func(fo *faultOps) { fo.partialWrite.Store(true); fo.writeFails.Store(1) }, "write"},
		{"fdatasync fails", func(fo *faultOps) { fo.syncFails.Store(1) }, "fdatasync"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			o := testOptions()
			j, fo := openFaulty(t, dir, o)
			want := []entry{{1, []byte("one")}, {2, []byte("two")}}
			for _, e := range want {
				mustAppend(t, j, e.payload)
			}
			path := filepath.Join(dir, segmentName(1))
			size := fileSize(t, path)

			tc.arm(fo)
			_, err := j.AppendBatch(context.Background(), [][]byte{[]byte("lost-a"), []byte("lost-b")})
			if !errors.Is(err, errInjected) || !strings.Contains(err.Error(), tc.errText) || !strings.Contains(err.Error(), path) {
				t.Fatalf("AppendBatch error = %v; want injected %s error naming %s", err, tc.errText, path)
			}
			if errors.Is(err, ErrBroken) {
				t.Fatalf("journal broken after a recoverable failure: %v", err)
			}
			if d := j.Durable(); d != 2 {
				t.Fatalf("Durable = %d after failed append, want 2", d)
			}
			if s := fileSize(t, path); s != size {
				t.Fatalf("segment is %d bytes after rollback, want %d", s, size)
			}
			checkEntries(t, readAll(t, j, 1, 0), want)

			// The failed seqs are reused: the stream stays dense.
			p := []byte("three")
			if seq := mustAppend(t, j, p); seq != 3 {
				t.Fatalf("Append after failure seq = %d, want 3", seq)
			}
			want = append(want, entry{3, p})
			checkEntries(t, readAll(t, j, 1, 0), want)
			j.Close()
			checkEntries(t, readAll(t, mustOpen(t, dir, o), 1, 0), want)
		})
	}
}

// TestFailedBatchFailsEveryWaiter queues many appends behind a blocked
// fdatasync so they form one group, then fails that group's write.
func TestFailedBatchFailsEveryWaiter(t *testing.T) {
	dir := t.TempDir()
	o := testOptions()
	fo := &faultOps{}
	var syncs atomic.Int32
	inSync, gate := make(chan struct{}), make(chan struct{})
	fo.beforeSync = func() {
		if syncs.Add(1) == 1 {
			close(inSync)
			<-gate
		}
	}
	o.ops = fo.ops()
	j := mustOpen(t, dir, o)

	first := make(chan error, 1)
	go func() {
		_, err := j.Append(context.Background(), []byte("first"))
		first <- err
	}()
	<-inSync // "first" is written; the writer waits in its fdatasync
	const n = 30
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() { _, errs[i] = j.Append(context.Background(), payloadFor(fmt.Sprint(i), 50)) })
	}
	waitQueued(j, n)
	fo.writeFails.Store(1) // the next write is the queued group's
	close(gate)
	if err := <-first; err != nil {
		t.Fatalf("first append: %v", err)
	}
	wg.Wait()
	for i, err := range errs {
		if !errors.Is(err, errInjected) {
			t.Fatalf("waiter %d of the failed batch got %v", i, err)
		}
	}
	if d := j.Durable(); d != 1 {
		t.Fatalf("Durable = %d, want 1", d)
	}
	if seq := mustAppend(t, j, []byte("after")); seq != 2 {
		t.Fatalf("seq after failed batch = %d, want 2", seq)
	}
}

// waitQueued waits until n requests wait in the queue.
func waitQueued(j *Journal, n int) {
	for queued := 0; queued < n; time.Sleep(time.Millisecond) {
		j.qmu.Lock()
		queued = 0
		for _, g := range j.queue {
			queued += len(g.reqs)
		}
		j.qmu.Unlock()
	}
}

func TestBrokenLatch(t *testing.T) {
	tests := []struct {
		name string
		arm  func(fo *faultOps)
		// After reopening with healthy I/O: whether the entries of the
		// failed append reappear. They do when the bytes reached the file
		// and could not be truncated away: a failed Append means "not
		// known durable", not "known absent".
		reappear bool
	}{
		{"write and truncate fail", func(fo *faultOps) { fo.writeFails.Store(1); fo.truncateFails.Store(1) }, false},
		{"fdatasync fails, then again after truncating", func(fo *faultOps) { fo.syncFails.Store(2) }, false},
		{"fdatasync and truncate fail", func(fo *faultOps) { fo.syncFails.Store(1); fo.truncateFails.Store(1) }, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			o := testOptions()
			j, fo := openFaulty(t, dir, o)
			want := []entry{{1, []byte("one")}}
			mustAppend(t, j, want[0].payload)

			tc.arm(fo)
			lost := []byte("failed")
			_, err := j.Append(context.Background(), lost)
			if !errors.Is(err, ErrBroken) || !errors.Is(err, errInjected) {
				t.Fatalf("Append = %v, want ErrBroken wrapping the injected error", err)
			}
			// Latched: later appends fail without touching the disk,
			// even though I/O would now succeed.
			for range 3 {
				if _, err := j.Append(context.Background(), []byte("later")); !errors.Is(err, ErrBroken) {
					t.Fatalf("Append after break = %v, want ErrBroken", err)
				}
			}
			if d := j.Durable(); d != 1 {
				t.Fatalf("Durable = %d, want 1", d)
			}
			checkEntries(t, readAll(t, j, 1, 0), want)
			if err := j.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}

			j2 := mustOpen(t, dir, o)
			if tc.reappear {
				want = append(want, entry{2, lost})
			}
			checkEntries(t, readAll(t, j2, 1, 0), want)
			p := []byte("after reopen")
			if seq := mustAppend(t, j2, p); seq != uint64(len(want)+1) {
				t.Fatalf("seq after reopen = %d, want %d", seq, len(want)+1)
			}
		})
	}
}

func TestRollFailure(t *testing.T) {
	tests := []struct {
		name string
		arm  func(fo *faultOps)
	}{
		{"create fails", func(fo *faultOps) { fo.createFails.Store(1) }},
		{"directory fsync fails", func(fo *faultOps) { fo.syncDirFails.Store(1) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			o := testOptions()
			o.SegmentSize = 200
			j, fo := openFaulty(t, dir, o)
			a := payloadFor("a", 150)
			mustAppend(t, j, a)

			tc.arm(fo)
			b := payloadFor("b", 150) // does not fit: needs a new segment
			if _, err := j.Append(context.Background(), b); !errors.Is(err, errInjected) || errors.Is(err, ErrBroken) {
				t.Fatalf("Append during failed roll = %v", err)
			}
			if files := segmentFiles(t, dir); len(files) != 1 {
				t.Fatalf("segment files after failed roll: %v", files)
			}
			if seq := mustAppend(t, j, b); seq != 2 {
				t.Fatalf("seq = %d, want 2", seq)
			}
			if files := segmentFiles(t, dir); len(files) != 2 || filepath.Base(files[1]) != segmentName(2) {
				t.Fatalf("segment files: %v", files)
			}
			want := []entry{{1, a}, {2, b}}
			checkEntries(t, readAll(t, j, 1, 0), want)
			j.Close()
			checkEntries(t, readAll(t, mustOpen(t, dir, o), 1, 0), want)
		})
	}
}

// TestFailureAfterRollKeepsEarlierChunk: a group split across a segment
// boundary whose second part fails. The part written to the old segment is
// durable and acknowledged; the rest fails; the new segment stays empty and
// receives the next append.
func TestFailureAfterRollKeepsEarlierChunk(t *testing.T) {
	dir := t.TempDir()
	o := testOptions()
	o.SegmentSize = 1000
	fo := &faultOps{}
	var syncs atomic.Int32
	inSync, gate := make(chan struct{}), make(chan struct{})
	fo.beforeSync = func() {
		if syncs.Add(1) == 1 {
			close(inSync)
			<-gate
		}
	}
	o.ops = fo.ops()
	j := mustOpen(t, dir, o)

	firstErr := make(chan error, 1)
	go func() {
		_, err := j.Append(context.Background(), payloadFor("first", 100)) // 116 bytes
		firstErr <- err
	}()
	<-inSync
	// 10 × 116 bytes: about 7 fit in the first segment, the rest roll.
	const n = 10
	seqs, errs := make([]uint64, n), make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { seqs[i], errs[i] = j.Append(context.Background(), payloadFor(fmt.Sprint(i), 100)) })
	}
	waitQueued(j, n)
	// 8 frames of 116 bytes fit in 1000: seqs 2..8 join "first" in
	// segment 1, and 9..11 go to segment 9, whose fdatasync fails.
	newSeg := segmentName(9)
	fo.syncFailFile.Store(&newSeg)
	close(gate)
	wg.Wait()
	if err := <-firstErr; err != nil {
		t.Fatal(err)
	}

	var ok []uint64
	failed := 0
	for i := range n {
		switch {
		case errs[i] == nil:
			ok = append(ok, seqs[i])
		case errors.Is(errs[i], errInjected) && strings.Contains(errs[i].Error(), newSeg):
			failed++
		default:
			t.Fatalf("append %d: %v", i, errs[i])
		}
	}
	slices.Sort(ok)
	if len(ok) != 7 || ok[0] != 2 || ok[6] != 8 || failed != 3 {
		t.Fatalf("acknowledged seqs %v and %d failures; want 2..8 and 3", ok, failed)
	}
	if d := j.Durable(); d != 8 {
		t.Fatalf("Durable = %d, want 8", d)
	}
	if size := fileSize(t, filepath.Join(dir, newSeg)); size != 0 {
		t.Fatalf("new segment holds %d bytes after rollback", size)
	}
	p := []byte("next")
	if seq := mustAppend(t, j, p); seq != 9 {
		t.Fatalf("next seq = %d, want 9", seq)
	}
	if files := segmentFiles(t, dir); len(files) != 2 {
		t.Fatalf("segments: %v", files)
	}
	j.Close()
	j2 := mustOpen(t, dir, testOptions())
	if d := j2.Durable(); d != 9 {
		t.Fatalf("Durable after reopen = %d, want 9", d)
	}
	checkEntries(t, readAll(t, j2, 9, 0), []entry{{9, p}})
}
