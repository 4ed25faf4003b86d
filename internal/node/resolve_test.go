package node

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestInsideDir(t *testing.T) {
	root := t.TempDir()
	data := filepath.Join(root, "data")
	os.MkdirAll(filepath.Join(data, "keys"), 0o700)
	os.Symlink(data, filepath.Join(root, "link"))
	for _, tc := range []struct {
		path string
		want bool
	}{
		{filepath.Join(data, "kek"), true},
		{filepath.Join(data, "keys", "kek"), true},
		{filepath.Join(root, "link", "kek"), true}, // through a symlink
		{filepath.Join(data, "..", "data", "kek"), true},
		{filepath.Join(root, "kek"), false},
		{filepath.Join(root, "data2", "kek"), false},
	} {
		if got := insideDir(tc.path, data); got != tc.want {
			t.Errorf("insideDir(%s) = %v, want %v", tc.path, got, tc.want)
		}
	}
}

func TestKeyEncryptionKeySources(t *testing.T) {
	root := t.TempDir()
	data := filepath.Join(root, "data")
	os.MkdirAll(data, 0o700)
	good := filepath.Join(root, "kek")
	os.WriteFile(good, []byte(strings.Repeat("ab", 32)+"\n"), 0o600)
	bad := filepath.Join(root, "short")
	os.WriteFile(bad, []byte("abcd"), 0o600)
	inside := filepath.Join(data, "kek")
	os.WriteFile(inside, []byte(strings.Repeat("ab", 32)), 0o600)

	t.Setenv(KEKEnv, "")
	if kek, _, err := keyEncryptionKey("", data); err != nil || kek != nil {
		t.Fatalf("none: %x %v", kek, err)
	}
	if kek, from, err := keyEncryptionKey(good, data); err != nil || len(kek) != 32 || from != good {
		t.Fatalf("file: %x %q %v", kek, from, err)
	}
	if _, _, err := keyEncryptionKey(bad, data); err == nil {
		t.Fatal("a short KEK was accepted")
	}
	if _, _, err := keyEncryptionKey(inside, data); err == nil || !strings.Contains(err.Error(), "inside the data dir") {
		t.Fatalf("inside: %v", err)
	}
	t.Setenv(KEKEnv, strings.Repeat("cd", 32))
	if kek, from, err := keyEncryptionKey("", data); err != nil || len(kek) != 32 || from != "$"+KEKEnv {
		t.Fatalf("env: %x %q %v", kek, from, err)
	}
	if os.Getenv(KEKEnv) != "" {
		t.Error("the KEK stays in the environment")
	}
}

// Resolve settles the upstream-s3 storage once: S3 goes upstream and the
// root keys sign unless keys are given; external S3 without keys is refused.
func TestResolveS3(t *testing.T) {
	t.Setenv("CAIRN_S3_ACCESS_KEY_ID", "")
	t.Setenv("CAIRN_S3_SECRET_ACCESS_KEY", "")
	t.Setenv(KEKEnv, "")
	cfg := DefaultConfig()
	cfg.DataDir = t.TempDir()
	cfg.Upstreams["s3"] = "http://127.0.0.1:9000"
	if err := cfg.Resolve(); err != nil {
		t.Fatal(err)
	}
	if cfg.S3.Endpoint != "http://127.0.0.1:9000" || !cfg.S3.RootKeys || cfg.S3.Embedded() {
		t.Fatalf("upstream s3: %+v", cfg.S3)
	}
	cfg = DefaultConfig()
	cfg.DataDir = t.TempDir()
	cfg.S3.Endpoint = "http://127.0.0.1:1"
	if err := cfg.Resolve(); err == nil || !strings.Contains(err.Error(), "needs credentials") {
		t.Errorf("external S3 without credentials: %v", err)
	}
	cfg = DefaultConfig()
	cfg.DataDir = t.TempDir()
	cfg.UpstreamPassthrough = true
	if err := cfg.Resolve(); err == nil || !strings.Contains(err.Error(), "needs --upstream") {
		t.Errorf("passthrough without upstream: %v", err)
	}
	cfg = DefaultConfig()
	cfg.DataDir = t.TempDir()
	cfg.Lake.MemoryMargin = "lots"
	if err := cfg.Resolve(); err == nil || !strings.Contains(err.Error(), "--lake-memory-margin") {
		t.Errorf("bad margin: %v", err)
	}
}
