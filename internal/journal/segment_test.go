package journal

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"testing"
)

func TestParseSegmentName(t *testing.T) {
	tests := []struct {
		name string
		want uint64
		ok   bool
	}{
		{"00000000000000000001.seg", 1, true},
		{"18446744073709551615.seg", 1<<64 - 1, true},
		{"00000000000000000000.seg", 0, false},
		{"0000000000000000001.seg", 0, false},
		{"00000000000000000001.seg.tmp", 0, false},
		{"0000000000000000000x.seg", 0, false},
		{"journal.lock", 0, false},
	}
	for _, tc := range tests {
		got, ok := parseSegmentName(tc.name)
		if got != tc.want || ok != tc.ok {
			t.Errorf("parseSegmentName(%q) = %d, %v; want %d, %v", tc.name, got, ok, tc.want, tc.ok)
		}
	}
	if n := segmentName(42); n != "00000000000000000042.seg" {
		t.Errorf("segmentName(42) = %q", n)
	}
}

// fillSegments appends n entries to a journal with tiny segments and
// returns what it wrote.
func fillSegments(t *testing.T, j *Journal, n int) []entry {
	t.Helper()
	var want []entry
	for i := 0; i < n; {
		k := 1 + i%4
		if i+k > n {
			k = n - i
		}
		var batch [][]byte
		for b := range k {
			batch = append(batch, payloadFor(fmt.Sprintf("e%d", i+b), 10+(i+b)*13%200))
		}
		first, err := j.AppendBatch(context.Background(), batch)
		if err != nil {
			t.Fatal(err)
		}
		for b, p := range batch {
			want = append(want, entry{first + uint64(b), p})
		}
		i += k
	}
	return want
}

func smallSegmentOptions() Options {
	o := testOptions()
	o.SegmentSize = 1024
	o.checkpointEvery = 256
	return o
}

func TestRollover(t *testing.T) {
	dir := t.TempDir()
	o := smallSegmentOptions()
	j := mustOpen(t, dir, o)
	want := fillSegments(t, j, 400)
	files := segmentFiles(t, dir)
	if len(files) < 20 {
		t.Fatalf("only %d segments for 400 entries of ~110 bytes in 1 KiB segments", len(files))
	}
	// Each file is named by its first seq, segments are full and none
	// exceeds SegmentSize (no single append here is larger).
	j.mu.RLock()
	segs := append([]*segment(nil), j.segs...)
	j.mu.RUnlock()
	if len(segs) != len(files) {
		t.Fatalf("%d indexed segments, %d files", len(segs), len(files))
	}
	for i, s := range segs {
		if filepath.Base(files[i]) != segmentName(s.first) {
			t.Fatalf("file %s, segment first %d", files[i], s.first)
		}
		if size := fileSize(t, files[i]); size > o.SegmentSize || size != s.size {
			t.Fatalf("segment %s size %d (indexed %d), limit %d", files[i], size, s.size, o.SegmentSize)
		}
		if i > 0 && segs[i-1].last+1 != s.first {
			t.Fatalf("segment %d starts at %d, previous ends at %d", i, s.first, segs[i-1].last)
		}
	}

	check := func(j *Journal) {
		t.Helper()
		for _, page := range []int{0, 1, 3, 50} {
			checkEntries(t, readAll(t, j, 1, page), want)
		}
		// Random starting points, in and across segments, through
		// checkpoints and the position cache.
		r := rand.New(rand.NewPCG(1, 2))
		for range 200 {
			from := 1 + r.IntN(len(want))
			n := 1 + r.IntN(30)
			var got []entry
			next, err := j.Read(uint64(from), n, 0, func(seq uint64, p []byte) error {
				got = append(got, entry{seq, append([]byte(nil), p...)})
				return nil
			})
			if err != nil {
				t.Fatalf("Read(%d, %d): %v", from, n, err)
			}
			end := min(from-1+n, len(want))
			checkEntries(t, got, want[from-1:end])
			if next != uint64(end+1) {
				t.Fatalf("Read(%d, %d) next = %d, want %d", from, n, next, end+1)
			}
		}
	}
	check(j)
	j.Close()
	j2 := mustOpen(t, dir, o)
	check(j2)
	// Appends continue in the last segment after reopen.
	more := fillSegments(t, j2, 10)
	if more[0].seq != uint64(len(want)+1) {
		t.Fatalf("first seq after reopen = %d, want %d", more[0].seq, len(want)+1)
	}
}

func TestOversizedAppendGetsOwnSegment(t *testing.T) {
	dir := t.TempDir()
	o := smallSegmentOptions()
	j := mustOpen(t, dir, o)
	mustAppend(t, j, []byte("small"))
	big := payloadFor("big", 5000)
	if seq := mustAppend(t, j, big); seq != 2 {
		t.Fatalf("seq = %d", seq)
	}
	mustAppend(t, j, []byte("after"))
	files := segmentFiles(t, dir)
	if len(files) != 3 {
		t.Fatalf("segments = %v, want 3", files)
	}
	if s := fileSize(t, files[1]); s != int64(frameSize(big)) {
		t.Fatalf("big segment size %d", s)
	}
	checkEntries(t, readAll(t, j, 1, 0), []entry{{1, []byte("small")}, {2, big}, {3, []byte("after")}})
}

func TestTrimBefore(t *testing.T) {
	dir := t.TempDir()
	o := smallSegmentOptions()
	j := mustOpen(t, dir, o)
	want := fillSegments(t, j, 300)

	firsts := func() []uint64 {
		j.mu.RLock()
		defer j.mu.RUnlock()
		var f []uint64
		for _, s := range j.segs {
			f = append(f, s.first)
		}
		return f
	}
	before := firsts()
	if len(before) < 10 {
		t.Fatalf("only %d segments", len(before))
	}
	// Trimming below the second segment's first seq removes nothing;
	// exactly at it, the first segment; inside the 5th, four.
	tests := []struct {
		seq         uint64
		wantRemoved int
		wantFirst   uint64
	}{
		{1, 0, before[0]},
		{before[1] - 1, 0, before[0]},
		{before[1], 1, before[1]},
		{before[4] + 1, 3, before[4]},
		{before[4] + 1, 0, before[4]},
	}
	// Hold a reader on a victim segment across its removal.
	for _, tc := range tests {
		removed, err := j.TrimBefore(tc.seq)
		if err != nil || removed != tc.wantRemoved {
			t.Fatalf("TrimBefore(%d) = %d, %v; want %d", tc.seq, removed, err, tc.wantRemoved)
		}
		if f := j.First(); f != tc.wantFirst {
			t.Fatalf("after TrimBefore(%d) First = %d, want %d", tc.seq, f, tc.wantFirst)
		}
		if files := segmentFiles(t, dir); filepath.Base(files[0]) != segmentName(tc.wantFirst) {
			t.Fatalf("oldest file %s, want first %d", files[0], tc.wantFirst)
		}
	}
	first := j.First()
	if _, err := j.Read(first-1, 0, 0, func(uint64, []byte) error { return nil }); !errors.Is(err, ErrTrimmed) {
		t.Fatalf("Read before First: %v", err)
	}
	checkEntries(t, readAll(t, j, first, 0), want[first-1:])

	// The active segment survives trimming past the end.
	removed, err := j.TrimBefore(1 << 60)
	if err != nil {
		t.Fatal(err)
	}
	if files := segmentFiles(t, dir); len(files) != 1 || removed != len(before)-5 {
		t.Fatalf("trim everything: removed %d, left %v", removed, files)
	}
	last := firsts()[0]
	checkEntries(t, readAll(t, j, last, 0), want[last-1:])
	seq := mustAppend(t, j, []byte("after trim"))
	if seq != uint64(len(want)+1) {
		t.Fatalf("seq after trim = %d", seq)
	}
	j.Close()
	j2 := mustOpen(t, dir, o)
	if f, d := j2.First(), j2.Durable(); f != last || d != seq {
		t.Fatalf("after reopen First, Durable = %d, %d; want %d, %d", f, d, last, seq)
	}
}

func TestTrimWhileReading(t *testing.T) {
	o := smallSegmentOptions()
	j := mustOpen(t, t.TempDir(), o)
	want := fillSegments(t, j, 100)
	var got []entry
	trimmed := false
	_, err := j.Read(1, 0, 0, func(seq uint64, p []byte) error {
		if !trimmed {
			// Remove the segment being read: this Read keeps its handle.
			if _, err := j.TrimBefore(50); err != nil {
				return err
			}
			trimmed = true
		}
		got = append(got, entry{seq, append([]byte(nil), p...)})
		return nil
	})
	// The first segment stays readable through the held handle; the next
	// one was trimmed before this Read reached it.
	if !errors.Is(err, ErrTrimmed) {
		t.Fatalf("Read across trim: %v (read %d entries)", err, len(got))
	}
	checkEntries(t, got, want[:len(got)])
	if len(got) == 0 {
		t.Fatal("nothing read")
	}
}

// TestSparseIndex checks that Read starts close to the requested seq: from
// a checkpoint no more than checkpointEvery bytes before it, or exactly at
// it when resuming where a previous Read stopped.
func TestSparseIndex(t *testing.T) {
	o := testOptions()
	o.checkpointEvery = 4 << 10
	j := mustOpen(t, t.TempDir(), o)
	want := fillSegments(t, j, 2000) // one segment, ~240 KiB
	offsets := make([]int64, len(want)+2)
	for i, e := range want {
		offsets[i+2] = offsets[i+1] + int64(frameSize(e.payload))
	}
	check := func(j *Journal, seq uint64) checkpoint {
		t.Helper()
		_, start, _, _, err := j.locate(seq)
		if err != nil {
			t.Fatal(err)
		}
		if start.seq > seq || start.off != offsets[start.seq] {
			t.Fatalf("locate(%d) = %+v; want a frame start at or before it", seq, start)
		}
		if dist := offsets[seq] - start.off; dist > o.checkpointEvery+300 { // frames here are < 300 bytes
			t.Fatalf("locate(%d) starts %d bytes early", seq, dist)
		}
		return start
	}
	for seq := uint64(1); seq <= uint64(len(want)); seq += 7 {
		check(j, seq)
	}
	next, err := j.Read(1234, 10, 0, func(uint64, []byte) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	if start := check(j, next); start.seq != next {
		t.Fatalf("resume point %+v, want exact seq %d", start, next)
	}
	// The index is rebuilt the same way on Open.
	j.Close()
	j2 := mustOpen(t, j.dir, o)
	for seq := uint64(1); seq <= uint64(len(want)); seq += 7 {
		check(j2, seq)
	}
}
