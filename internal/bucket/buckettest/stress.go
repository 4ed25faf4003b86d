package buckettest

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"io"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/cairn-audit/cairn/internal/bucket"
)

// largeSize is big enough that a store buffering whole bodies in memory shows
// up in profiles, and spans many copy buffers.
const largeSize = 20 << 20

// randomBytes returns a deterministic stream of n pseudo-random bytes.
func randomBytes(seed uint64, n int64) io.Reader {
	var key [32]byte
	key[0] = byte(seed)
	return io.LimitReader(rand.NewChaCha8(key), n)
}

func (s *suite) largeObject(t *testing.T) {
	st := s.fresh(t)
	ctx := t.Context()
	h := md5.New()
	io.Copy(h, randomBytes(1, largeSize))
	wantETag := `"` + hex.EncodeToString(h.Sum(nil)) + `"`
	for _, size := range []int64{-1, largeSize} {
		info, err := st.Put(ctx, testBucket, "large", onlyReader{randomBytes(1, largeSize)}, bucket.PutOptions{Size: size})
		if err != nil {
			t.Fatalf("Put 20 MiB (size %d): %v", size, err)
		}
		if info.Size != largeSize || info.ETag != wantETag {
			t.Fatalf("Put 20 MiB: %s, want ETag %s", fmtInfo(info), wantETag)
		}
	}
	rc, info, err := st.Get(ctx, testBucket, "large", nil)
	if err != nil {
		t.Fatal(err)
	}
	h.Reset()
	n, err := io.Copy(h, rc)
	rc.Close()
	if err != nil || n != largeSize || `"`+hex.EncodeToString(h.Sum(nil))+`"` != wantETag || info.Size != largeSize {
		t.Fatalf("Get 20 MiB: %d bytes, %v, info %s", n, err, fmtInfo(info))
	}
	// A range in the middle.
	const off = 10<<20 + 12345
	want := make([]byte, 1000)
	r := randomBytes(1, largeSize)
	io.CopyN(io.Discard, r, off)
	io.ReadFull(r, want)
	body, rinfo := get(t, st, "large", &bucket.Range{Start: off, End: off + 999})
	mustEqualBytes(t, "range of the large object", []byte(body), want)
	if rinfo.Size != largeSize {
		t.Fatalf("range info size %d", rinfo.Size)
	}
}

// concurrentPuts races writers of one key against readers: every read must
// see one complete version (its body matching its ETag), never a torn one.
func (s *suite) concurrentPuts(t *testing.T) {
	st := s.fresh(t)
	ctx := t.Context()
	const writers, rounds, size = 6, 4, 128 << 10
	bodies := make(map[string][]byte) // ETag → body
	versions := make([][]byte, writers)
	for w := range versions {
		versions[w] = bytes.Repeat([]byte{byte('a' + w)}, size)
		versions[w] = append(versions[w], fmt.Sprintf("writer %d", w)...)
		bodies[etagOf(versions[w])] = versions[w]
	}
	put(t, st, "contended", string(versions[0]), bucket.PutOptions{})
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	done := make(chan struct{})
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range rounds {
				if _, err := st.Put(ctx, testBucket, "contended", bytes.NewReader(versions[w]), bucket.PutOptions{Size: int64(len(versions[w]))}); err != nil {
					errs <- fmt.Errorf("writer %d: %w", w, err)
					return
				}
			}
		}()
	}
	var rg sync.WaitGroup
	for range 2 {
		rg.Add(1)
		go func() {
			defer rg.Done()
			for {
				select {
				case <-done:
					return
				default:
				}
				rc, info, err := st.Get(ctx, testBucket, "contended", nil)
				if err != nil {
					errs <- fmt.Errorf("reader: %w", err)
					return
				}
				got, err := io.ReadAll(rc)
				rc.Close()
				want, ok := bodies[info.ETag]
				if err != nil || !ok || !bytes.Equal(got, want) || info.Size != int64(len(got)) {
					errs <- fmt.Errorf("reader: torn read: %d bytes, ETag %s, %v", len(got), info.ETag, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(done)
	rg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	body, info := get(t, st, "contended", nil)
	if want, ok := bodies[info.ETag]; !ok || body != string(want) {
		t.Fatalf("final version is not one of the writes: %d bytes, ETag %s", len(body), info.ETag)
	}
	s.wantKeys(t, st, bucket.ListOptions{}, "contended")
}
