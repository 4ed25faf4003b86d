package file

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"os"
	"slices"
	"sync"
	"syscall"

	"github.com/cairn-audit/cairn/internal/fsutil"
)

// The applied log (APPLIED in the store's root; upper case, so never a
// bucket name) lets recovery tell whether an object write or delete of a
// recorded call (stream seq != 0) took effect (docs/BUCKETS.md):
//
//   - under the key's lock, a line {"seq","op","bucket","key","stage"} is
//     appended and fsync'd *before* the rename (put) or the removal
//     (delete); the lock is held until the rename or removal is done;
//   - a put's stage is a random ID also written in the object's metadata
//     with its body, so the object tells which write it is.
//
// Applied(seq): no line → not applied (nothing happens before its line is
// durable). A line followed by a later line for the same key → applied (the
// later op took the key's lock after ours finished). The last line for its
// key: a put is applied iff the object carries its stage ID; a delete iff
// the object is gone.
const (
	appliedName = "APPLIED"
	keyLocks    = 256
)

// appliedKeep is how many lines a trim keeps; the log is trimmed
// (rewritten atomically) when it reaches appliedMax lines. Variables for
// tests.
var (
	appliedKeep = 4096
	appliedMax  = 2 * appliedKeep
)

// AppliedLine is one line of an applied log.
type AppliedLine struct {
	Seq    uint64 `json:"seq"`
	Op     string `json:"op"` // put or delete
	Bucket string `json:"bucket"`
	Key    string `json:"key"`
	Stage  string `json:"stage,omitempty"` // put: the object's stage ID
}

// AppliedLog is an applied log, kept in memory too: the bucket store's,
// and the S3 API's multipart uploads' (Bucket is then the upload ID, Key
// the part file).
type AppliedLog struct {
	// syncMu is held while syncing the file, trimming it or closing it;
	// taken before mu. Appends wait for a sync that covers their line, so
	// concurrent appends share one fsync.
	syncMu sync.Mutex
	synced uint64 // lines written (count) known durable

	mu      sync.Mutex
	path    string
	f       *os.File
	lines   []AppliedLine
	written uint64 // lines written to the file since open
	broken  bool   // a write failed: the file may end in a torn line; rewrite before appending
	trimmed bool   // lines were dropped: seqs below minSeq cannot be answered
	minSeq  uint64 // lowest seq kept after the last trim
	keys    [keyLocks]sync.Mutex
}

func OpenAppliedLog(path string) (*AppliedLog, error) {
	l := &AppliedLog{path: path}
	data, err := os.ReadFile(l.path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("read applied log: %w", err)
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	first, torn := true, false
	for sc.Scan() {
		line := sc.Bytes()
		if first && bytes.HasPrefix(line, []byte("#trimmed ")) {
			first = false
			if _, err := fmt.Sscanf(string(line), "#trimmed %d", &l.minSeq); err == nil {
				l.trimmed = true
			}
			continue
		}
		first = false
		var a AppliedLine
		if json.Unmarshal(line, &a) != nil {
			torn = true // a torn last line: its op never ran (it runs after the fsync)
			continue
		}
		l.lines = append(l.lines, a)
	}
	if torn || !bytes.HasSuffix(data, []byte("\n")) && len(data) > 0 || errors.Is(err, os.ErrNotExist) {
		if err := l.rewrite(); err != nil { // drops a torn tail, so appends start clean
			return nil, err
		}
		return l, nil
	}
	f, err := os.OpenFile(l.path, os.O_WRONLY|os.O_APPEND, filePerm)
	if err != nil {
		return nil, fmt.Errorf("open applied log: %w", err)
	}
	l.f = f
	return l, nil
}

// rewrite replaces the file with the lines kept and reopens it for appends.
// Callers hold mu (or own l exclusively).
func (l *AppliedLog) rewrite() error {
	var buf bytes.Buffer
	if l.trimmed {
		fmt.Fprintf(&buf, "#trimmed %d\n", l.minSeq)
	}
	for _, a := range l.lines {
		b, _ := json.Marshal(a)
		buf.Write(append(b, '\n'))
	}
	if err := fsutil.WriteFileAtomic(l.path, buf.Bytes(), filePerm); err != nil {
		return fmt.Errorf("write applied log: %w", err)
	}
	if l.f != nil {
		l.f.Close()
	}
	f, err := os.OpenFile(l.path, os.O_WRONLY|os.O_APPEND, filePerm)
	if err != nil {
		return fmt.Errorf("open applied log: %w", err)
	}
	l.f = f
	return nil
}

// Close closes the log file.
func (l *AppliedLog) Close() error {
	l.syncMu.Lock()
	defer l.syncMu.Unlock()
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return nil
	}
	err := l.f.Close()
	l.f = nil
	return err
}

// LockKey takes the lock of bucket/key; the returned func releases it.
func (l *AppliedLog) LockKey(bucketName, key string) func() {
	h := fnv.New32a()
	h.Write([]byte(bucketName))
	h.Write([]byte{0})
	h.Write([]byte(key))
	m := &l.keys[h.Sum32()%keyLocks]
	m.Lock()
	return m.Unlock
}

// Append makes a line durable. The caller holds the key's lock.
// Concurrent appends share fsyncs (group commit).
func (l *AppliedLog) Append(a AppliedLine) error {
	b, err := json.Marshal(a)
	if err != nil {
		return fmt.Errorf("encode applied log line: %w", err)
	}
	l.mu.Lock()
	if len(l.lines) >= appliedMax || l.broken {
		l.mu.Unlock()
		if err := l.compact(); err != nil {
			return err
		}
		l.mu.Lock()
	}
	if l.f == nil {
		l.mu.Unlock()
		return errClosed
	}
	if _, err := l.f.Write(append(b, '\n')); err != nil {
		l.broken = true // a torn line must not join the next one
		l.mu.Unlock()
		return fmt.Errorf("append applied log: %w", err)
	}
	l.lines = append(l.lines, a)
	l.written++
	n := l.written
	l.mu.Unlock()

	l.syncMu.Lock()
	defer l.syncMu.Unlock()
	if l.synced >= n {
		return nil // a sync after our write covered it
	}
	l.mu.Lock()
	f, target := l.f, l.written
	l.mu.Unlock()
	if f == nil {
		return errClosed
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("sync applied log: %w", err)
	}
	l.synced = target
	return nil
}

// compact rewrites the file from memory (atomically, durably): keeping the
// newest appliedKeep lines when there are appliedMax, and dropping a torn
// tail after a failed write.
func (l *AppliedLog) compact() error {
	l.syncMu.Lock()
	defer l.syncMu.Unlock()
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return errClosed
	}
	if len(l.lines) < appliedMax && !l.broken {
		return nil // another append did it
	}
	if len(l.lines) >= appliedMax {
		l.lines = append([]AppliedLine(nil), l.lines[len(l.lines)-appliedKeep:]...)
		l.trimmed, l.minSeq = true, l.lines[0].Seq
		for _, x := range l.lines {
			l.minSeq = min(l.minSeq, x.Seq)
		}
	}
	if err := l.rewrite(); err != nil {
		return err
	}
	l.broken = false
	l.synced = l.written // every line written so far is in the new file, durable
	return nil
}

// newStageID is a random ID for a staged put.
func newStageID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// ObjectApplied reports whether the object write (PutObject, CopyObject,
// CompleteMultipartUpload) or delete (DeleteObject, DeleteObjects) of the
// call recorded at stream seq took effect; see the applied log above. A
// DeleteObjects call has a line per key: it took effect if any of its keys
// did. known is false when the answer was trimmed away or the object
// cannot be read.
func (s *Store) ObjectApplied(seq uint64) (applied, known bool) {
	return s.applied.Applied(seq, func(a AppliedLine) string { return a.Bucket + "\x00" + a.Key }, func(a AppliedLine) (bool, error) {
		stage, exists, err := s.objectStage(a.Bucket, a.Key)
		return a.Op == "put" && exists && stage == a.Stage || a.Op == "delete" && !exists, err
	})
}

// Applied answers for seq by the rule above: a line of seq followed by a
// later line with the same scope is applied; for the last line of its
// scope, effect tells. A call with several lines (DeleteObjects) took
// effect if any of them did. known is false when the lines of seq may have
// been trimmed away, or effect fails.
func (l *AppliedLog) Applied(seq uint64, scope func(AppliedLine) string, effect func(AppliedLine) (bool, error)) (applied, known bool) {
	l.mu.Lock()
	lines := l.lines
	trimmed, minSeq := l.trimmed, l.minSeq
	l.mu.Unlock()
	found := false
	for i, a := range lines {
		if a.Seq != seq {
			continue
		}
		found = true
		sc := scope(a)
		if slices.ContainsFunc(lines[i+1:], func(b AppliedLine) bool { return scope(b) == sc }) {
			return true, true
		}
		done, err := effect(a)
		if err != nil {
			return false, false
		}
		if done {
			return true, true
		}
	}
	if !found && trimmed && seq < minSeq {
		return false, false
	}
	return false, true
}

// objectStage reads the stage ID of the object bucket/key.
func (s *Store) objectStage(bucketName, key string) (stage string, exists bool, err error) {
	_, path, err := s.objectPath(bucketName, key)
	if err != nil {
		if isNoSuchBucket(err) {
			return "", false, nil
		}
		return "", false, err
	}
	if st, serr := os.Stat(path); errors.Is(serr, os.ErrNotExist) || errors.Is(serr, syscall.ENOTDIR) || serr == nil && st.IsDir() {
		return "", false, nil // no object at key (a directory is a prefix of other keys)
	}
	m, err := readMetaPath(path)
	if errors.Is(err, os.ErrNotExist) {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	return m.Stage, true, nil
}
