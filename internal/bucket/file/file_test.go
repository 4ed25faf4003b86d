package file

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cairn-audit/cairn/internal/bucket"
	"github.com/cairn-audit/cairn/internal/bucket/buckettest"
)

func openTest(t testing.TB, dir string) *Store {
	t.Helper()
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	buckettest.Run(t, func(t *testing.T) bucket.Store { return openTest(t, t.TempDir()) })
}

func TestOpenLocks(t *testing.T) {
	dir := t.TempDir()
	s := openTest(t, dir)
	if _, err := Open(dir, Options{}); err == nil {
		t.Fatal("second Open of the same directory succeeded")
	}
	s.Close()
	openTest(t, dir)
}

func TestReopenKeepsData(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	s := openTest(t, dir)
	if err := s.CreateBucket(ctx, "logs", bucket.CreateOptions{Region: "eu-west-1", Owner: "111122223333"}); err != nil {
		t.Fatal(err)
	}
	want, err := s.Put(ctx, "logs", "a/b", strings.NewReader("body"), bucket.PutOptions{Size: 4, Metadata: map[string]string{"k": "v"}})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	s = openTest(t, dir)
	got, err := s.Head(ctx, "logs", "a/b")
	if err != nil || got.ETag != want.ETag || !got.LastModified.Equal(want.LastModified) || got.Metadata["k"] != "v" {
		t.Fatalf("after reopen: %+v, %v; want %+v", got, err, want)
	}
	if info, err := s.HeadBucket(ctx, "logs"); err != nil || info.Region != "eu-west-1" || info.Owner != "111122223333" {
		t.Fatalf("bucket after reopen: %+v, %v", info, err)
	}
}

// TestCrashLeftovers plants what a crash can leave (a temp file of a write
// in progress, a half-created and a half-deleted bucket) and checks that
// listings never show them and Open removes them.
func TestCrashLeftovers(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	s := openTest(t, dir)
	if err := s.CreateBucket(ctx, "logs", bucket.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Put(ctx, "logs", "kept", strings.NewReader("x"), bucket.PutOptions{Size: 1}); err != nil {
		t.Fatal(err)
	}
	staged, err := s.StagePut(ctx, "logs", "staged", strings.NewReader("y"), bucket.PutOptions{Size: 1})
	if err != nil {
		t.Fatal(err)
	}
	_ = staged // the crash: neither committed nor aborted
	torn := filepath.Join(dir, "logs", tmpDirName, "put-123")
	half := filepath.Join(dir, newDirPrefix+"abc")
	trash := filepath.Join(dir, trashPrefix+"def")
	for _, p := range []string{half, trash} {
		if err := os.MkdirAll(filepath.Join(p, "x"), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(torn, []byte("half an object"), 0o600); err != nil {
		t.Fatal(err)
	}
	res, err := s.List(ctx, "logs", bucket.ListOptions{})
	if err != nil || len(res.Objects) != 1 || res.Objects[0].Key != "kept" {
		t.Fatalf("List with leftovers: %+v, %v", res, err)
	}
	if bs, err := s.ListBuckets(ctx); err != nil || len(bs) != 1 {
		t.Fatalf("ListBuckets with leftovers: %+v, %v", bs, err)
	}
	s.Close()

	s = openTest(t, dir)
	tmps, err := os.ReadDir(filepath.Join(dir, "logs", tmpDirName))
	if err != nil || len(tmps) != 0 {
		t.Fatalf("temp dir after Open: %v, %v", tmps, err)
	}
	for _, p := range []string{half, trash} {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Fatalf("%s survived Open: %v", p, err)
		}
	}
	if _, err := s.Head(ctx, "logs", "staged"); err == nil {
		t.Fatal("an uncommitted staged write became visible")
	}
	if _, err := s.Head(ctx, "logs", "kept"); err != nil {
		t.Fatal(err)
	}
}

// TestForeignFiles checks that files Cairn did not write in a bucket are
// neither listed nor break the listing.
func TestForeignFiles(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	s := openTest(t, dir)
	if err := s.CreateBucket(ctx, "logs", bucket.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Put(ctx, "logs", "a/b", strings.NewReader("x"), bucket.PutOptions{Size: 1}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"README", "a/notes.txt", "a/%zz~o", "a/.DS_Store", "a/x~c/~o", "a/%41~o"} {
		p := filepath.Join(dir, "logs", filepath.FromSlash(name))
		os.MkdirAll(filepath.Dir(p), 0o700)
		if err := os.WriteFile(p, []byte("foreign"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	os.Mkdir(filepath.Join(dir, "not-a-bucket"), 0o700)
	res, err := s.List(ctx, "logs", bucket.ListOptions{})
	if err != nil || len(res.Objects) != 1 || res.Objects[0].Key != "a/b" {
		t.Fatalf("List: %+v, %v", res, err)
	}
	if bs, err := s.ListBuckets(ctx); err != nil || len(bs) != 1 || bs[0].Name != "logs" {
		t.Fatalf("ListBuckets: %+v, %v", bs, err)
	}
}

// TestDeleteRemovesEmptyDirs checks that Delete leaves no empty directories
// behind, and never removes the bucket directory.
func TestDeleteRemovesEmptyDirs(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	s := openTest(t, dir)
	if err := s.CreateBucket(ctx, "logs", bucket.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	keys := []string{"a/b/c/d", "a/b/e", strings.Repeat("x", 200) + "/y"}
	for _, k := range keys {
		if _, err := s.Put(ctx, "logs", k, strings.NewReader("x"), bucket.PutOptions{Size: 1}); err != nil {
			t.Fatal(err)
		}
	}
	for _, k := range keys {
		if err := s.Delete(ctx, "logs", k); err != nil {
			t.Fatal(err)
		}
	}
	ents, err := os.ReadDir(filepath.Join(dir, "logs"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if !strings.HasPrefix(e.Name(), reservedPrefix) {
			t.Errorf("left behind: %s", e.Name())
		}
	}
}

// TestListReadsOnlyThePrefix checks that listing one CloudTrail day folder
// reads that folder only, and that listing the month's folders with a
// delimiter does not read the days' folders beyond their first key.
func TestListReadsOnlyThePrefix(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	s := openTest(t, dir)
	if err := s.CreateBucket(ctx, "logs", bucket.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	const base = "AWSLogs/111122223333/CloudTrail/us-east-1/2024/01/"
	for _, day := range []string{"14", "15", "16"} {
		for i := range 100 {
			if _, err := s.Put(ctx, "logs", fmt.Sprintf("%s%s/f%03d.json.gz", base, day, i), strings.NewReader("x"), bucket.PutOptions{Size: 1}); err != nil {
				t.Fatal(err)
			}
		}
	}
	var read []string
	traceReadDir = func(d string) {
		read = append(read, strings.TrimPrefix(filepath.ToSlash(d), filepath.ToSlash(dir)+"/logs/"))
	}
	defer func() { traceReadDir = nil }()

	res, err := s.List(ctx, "logs", bucket.ListOptions{Prefix: base + "15/", MaxKeys: 10, After: base + "15/f050.json.gz"})
	if err != nil || len(res.Objects) != 10 || res.Objects[0].Key != base+"15/f051.json.gz" || !res.Truncated {
		t.Fatalf("List of one day: %+v, %v", res, err)
	}
	if len(read) != 1 || read[0] != base+"15" {
		t.Fatalf("listing one day read %q", read)
	}

	read = nil
	res, err = s.List(ctx, "logs", bucket.ListOptions{Prefix: base, Delimiter: "/"})
	if err != nil || len(res.CommonPrefixes) != 3 || len(res.Objects) != 0 {
		t.Fatalf("List of the month: %+v, %v", res, err)
	}
	if len(read) != 4 || read[0] != base[:len(base)-1] {
		t.Fatalf("listing the month read %q", read)
	}
}

// TestConcurrentPutDeleteSharedDirs races writes against deletes of sibling
// keys, so that deletes keep removing the directories writes are about to
// rename into: every write must still land.
func TestConcurrentPutDeleteSharedDirs(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	s := openTest(t, dir)
	if err := s.CreateBucket(ctx, "logs", bucket.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	const workers, rounds = 4, 50
	errs := make(chan error, workers)
	for w := range workers {
		go func() {
			for i := range rounds {
				key := fmt.Sprintf("a/b/c/w%d-%d", w, i)
				if _, err := s.Put(ctx, "logs", key, strings.NewReader("x"), bucket.PutOptions{Size: 1}); err != nil {
					errs <- err
					return
				}
				if _, err := s.Head(ctx, "logs", key); err != nil {
					errs <- fmt.Errorf("just written: %w", err)
					return
				}
				if err := s.Delete(ctx, "logs", key); err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for range workers {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if err := s.DeleteBucket(ctx, "logs"); err != nil {
		t.Fatalf("DeleteBucket after every key was deleted: %v", err)
	}
}
