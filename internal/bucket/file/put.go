package file

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/cairn-audit/cairn/internal/bucket"
	"github.com/cairn-audit/cairn/internal/fsutil"
)

// defaultContentType is what S3 reports for an object stored without one.
const defaultContentType = "binary/octet-stream"

// Put writes the object: the body is streamed to a temp file in the bucket,
// fsync'd, and renamed into place.
func (s *Store) Put(ctx context.Context, bucketName, key string, body io.Reader, opts bucket.PutOptions) (bucket.ObjectInfo, error) {
	p, err := s.stage(ctx, bucketName, key, body, opts)
	if err != nil {
		return bucket.ObjectInfo{}, err
	}
	if err := p.Commit(); err != nil {
		return bucket.ObjectInfo{}, err
	}
	return p.Info(), nil
}

// StagePut writes the object durably to a temp file without publishing it;
// the returned StagedPut's Commit renames it into place, Abort removes it.
// A staged write neither committed nor aborted is removed at the next Open.
func (s *Store) StagePut(ctx context.Context, bucketName, key string, body io.Reader, opts bucket.PutOptions) (bucket.StagedPut, error) {
	return s.stage(ctx, bucketName, key, body, opts)
}

// staged is a write whose temp file is complete and fsync'd.
type staged struct {
	s      *Store
	bucket string
	dir    string // bucket directory
	tmp    string
	info   bucket.ObjectInfo
	stage  string // the object's stage ID (applied.go)

	mu   sync.Mutex
	done bool
}

func (p *staged) Info() bucket.ObjectInfo { return p.info }

func (s *Store) stage(ctx context.Context, bucketName, key string, body io.Reader, opts bucket.PutOptions) (*staged, error) {
	fail := func(err error) (*staged, error) {
		return nil, fmt.Errorf("put %s/%s: %w", bucketName, key, err)
	}
	if err := bucket.CheckKey(key); err != nil {
		return fail(err)
	}
	dir, err := s.checkBucket(bucketName)
	if err != nil {
		return fail(err)
	}
	f, err := os.CreateTemp(filepath.Join(dir, tmpDirName), "put-*")
	if err != nil {
		if os.IsNotExist(err) { // the bucket was deleted meanwhile
			err = bucket.ErrNoSuchBucket
		}
		return fail(err)
	}
	p := &staged{s: s, bucket: bucketName, dir: dir, tmp: f.Name()}
	m, err := writeObject(ctx, f, key, body, opts, s.now)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(p.tmp)
		return fail(err)
	}
	p.info, p.stage = m.info(), m.Stage
	return p, nil
}

// copyBufs holds the buffers bodies are streamed through.
var copyBufs = sync.Pool{New: func() any { b := make([]byte, 256<<10); return &b }}

// writeObject streams body into f, checks its length and digest, and appends
// the metadata, stamped with now() once the body is in.
func writeObject(ctx context.Context, f *os.File, key string, body io.Reader, opts bucket.PutOptions, now func() time.Time) (*meta, error) {
	r := body
	if opts.Size >= 0 {
		r = io.LimitReader(body, opts.Size+1)
	}
	h := md5.New()
	buf := copyBufs.Get().(*[]byte)
	n, err := io.CopyBuffer(io.MultiWriter(f, h), bucket.ContextReader(ctx, r), *buf)
	copyBufs.Put(buf)
	if err != nil {
		return nil, fmt.Errorf("write body: %w", err)
	}
	if opts.Size >= 0 && n != opts.Size {
		if n > opts.Size {
			return nil, fmt.Errorf("body is longer than the %d bytes announced", opts.Size)
		}
		return nil, fmt.Errorf("body is %d bytes, %d were announced", n, opts.Size)
	}
	sum := h.Sum(nil)
	if opts.ContentMD5 != nil && !bytes.Equal(opts.ContentMD5, sum) {
		return nil, fmt.Errorf("%w: body MD5 is %x, Content-MD5 says %x", bucket.ErrBadDigest, sum, opts.ContentMD5)
	}
	etag := opts.ETag
	if etag == "" {
		etag = hex.EncodeToString(sum)
	}
	if !strings.HasPrefix(etag, `"`) {
		etag = `"` + etag + `"`
	}
	ct := opts.ContentType
	if ct == "" {
		ct = defaultContentType
	}
	md := make(map[string]string, len(opts.Metadata))
	for k, v := range opts.Metadata {
		if !utf8.ValidString(k) || !utf8.ValidString(v) { // JSON would alter them
			return nil, fmt.Errorf("user metadata %q is not valid UTF-8", k)
		}
		md[strings.ToLower(k)] = v
	}
	m := &meta{Key: key, Size: n, ETag: etag, ContentType: ct, Metadata: md, LastModified: now().UTC(), Stage: newStageID()}
	return m, writeMeta(f, m)
}

// Commit publishes the staged object atomically (rename, then directory fsync).
func (p *staged) Commit() error { return p.CommitAt(0) }

// CommitAt publishes like Commit; seq, the stream seq of the call writing
// the object (0: none), is first made durable in the applied log with the
// object's stage ID, so that ObjectApplied can tell after a crash whether
// the write took effect.
func (p *staged) CommitAt(seq uint64) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.done {
		return fmt.Errorf("put %s/%s: already committed or aborted", p.bucket, p.info.Key)
	}
	p.done = true
	unlock := p.s.applied.LockKey(p.bucket, p.info.Key)
	defer unlock()
	if seq != 0 {
		if err := p.s.applied.Append(AppliedLine{Seq: seq, Op: "put", Bucket: p.bucket, Key: p.info.Key, Stage: p.stage}); err != nil {
			os.Remove(p.tmp)
			return fmt.Errorf("put %s/%s: %w", p.bucket, p.info.Key, err)
		}
	}
	if err := p.s.publish(p.bucket, p.dir, p.tmp, p.info.Key); err != nil {
		os.Remove(p.tmp)
		return fmt.Errorf("put %s/%s: %w", p.bucket, p.info.Key, err)
	}
	return nil
}

// Abort discards the staged object.
func (p *staged) Abort() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.done {
		p.done = true
		os.Remove(p.tmp)
	}
}

// maxPublishTries bounds the retries when a concurrent Delete removes the
// (then empty) directory an object is being renamed into.
const maxPublishTries = 100

// publish renames the temp file tmp to key's path in the bucket directory
// dir, creating (durably) the directories on the way.
func (s *Store) publish(bucketName, dir, tmp, key string) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if _, err := s.checkBucket(bucketName); err != nil {
		return err
	}
	elems := keyElems(key)
	for try := 0; ; try++ {
		err := s.rename(dir, tmp, elems)
		if err == nil || !errors.Is(err, os.ErrNotExist) || try >= maxPublishTries {
			return err
		}
		if _, serr := os.Lstat(tmp); serr != nil {
			return fmt.Errorf("staged file vanished: %w", serr)
		}
		// A Delete removed a directory on the way, after we found or made it
		// and before the rename: make it again.
	}
}

// rename makes the directories elems name below dir and renames tmp to the
// last element.
func (s *Store) rename(dir, tmp string, elems []string) error {
	parent := dir
	for _, e := range elems[:len(elems)-1] {
		parent = filepath.Join(parent, e)
		if err := s.mkdirDurable(parent); err != nil {
			return err
		}
	}
	if err := os.Rename(tmp, filepath.Join(parent, elems[len(elems)-1])); err != nil {
		return err
	}
	// Once renamed the object is in place, even if a Delete of it has
	// already removed the directory (then its removal is what to sync).
	return syncExisting(parent, dir)
}

// mkdirDurable makes sure dir exists and its entry in its parent is durable.
func (s *Store) mkdirDurable(dir string) error {
	err := os.Mkdir(dir, dirPerm)
	if err == nil || errors.Is(err, os.ErrExist) {
		if err != nil {
			if _, ok := s.durable.Load(dir); ok {
				return nil
			}
		}
		// Created now, or found but perhaps not synced yet by its creator.
		if err := fsutil.SyncDir(filepath.Dir(dir)); err != nil {
			return err
		}
		s.durable.Store(dir, struct{}{})
		return nil
	}
	return err
}
