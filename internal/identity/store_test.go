package identity

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func openTest(t *testing.T, dir string) *Store {
	t.Helper()
	s, err := Open(dir)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func bootstrap(t *testing.T, s *Store) Credentials {
	t.Helper()
	c, _, err := s.Bootstrap("", "", "")
	if err != nil {
		t.Fatalf("Bootstrap: %v", err)
	}
	return c
}

func begin(t *testing.T, s *Store) *Tx {
	t.Helper()
	tx, err := s.Begin(context.Background())
	if err != nil {
		t.Fatalf("Begin: %v", err)
	}
	return tx
}

var t0 = time.Date(2026, 11, 21, 5, 0, 0, 0, time.UTC)

func TestBootstrapGeneratesAndIsIdempotent(t *testing.T) {
	dir := t.TempDir()
	s := openTest(t, dir)
	c, created, err := s.Bootstrap("", "", "")
	if err != nil || !created {
		t.Fatalf("Bootstrap = %v, %v", created, err)
	}
	for _, chk := range []struct{ what, val, re string }{
		{"account", c.AccountID, `^[1-9][0-9]{11}$`},
		{"key id", c.AccessKeyID, `^AKIA[A-Z2-7]{16}$`},
		{"secret", c.SecretAccessKey, `^[A-Za-z0-9/+]{40}$`},
	} {
		if !regexp.MustCompile(chk.re).MatchString(chk.val) {
			t.Errorf("%s %q does not match %s", chk.what, chk.val, chk.re)
		}
	}
	again, created, err := s.Bootstrap("111111111111", "AKIAOTHER", "other")
	if err != nil || created || again != c {
		t.Fatalf("second Bootstrap = %+v, %v, %v; want %+v, false, nil", again, created, err, c)
	}
	if got, err := s.RootCredentials(); err != nil || got != c {
		t.Fatalf("RootCredentials = %+v, %v", got, err)
	}
	k, ok := s.LookupKey(c.AccessKeyID)
	want := Principal{Type: TypeRoot, AccountID: c.AccountID, ARN: "arn:aws:iam::" + c.AccountID + ":root", PrincipalID: c.AccountID, AccessKeyID: c.AccessKeyID}
	if !ok || k.Secret != c.SecretAccessKey || !k.Active || k.Principal != want {
		t.Fatalf("LookupKey = %+v, %v", k, ok)
	}
	if _, ok := s.LookupKey("AKIANOSUCHKEY"); ok {
		t.Fatal("LookupKey of unknown key succeeded")
	}
	s.Close()
	s2 := openTest(t, dir)
	again, created, err = s2.Bootstrap("", "", "")
	if err != nil || created || again != c {
		t.Fatalf("Bootstrap after reopen = %+v, %v, %v", again, created, err)
	}
}

func TestBootstrapGivenAndInvalid(t *testing.T) {
	s := openTest(t, t.TempDir())
	for _, bad := range [][3]string{
		{"012345678901", "", ""},
		{"12345", "", ""},
		{"", "AKIA WITH SPACE", ""},
		{"", "", "has space"},
	} {
		if _, _, err := s.Bootstrap(bad[0], bad[1], bad[2]); !errors.Is(err, ErrInvalidInput) {
			t.Errorf("Bootstrap(%q) err = %v, want ErrInvalidInput", bad, err)
		}
	}
	if s.DefaultAccount() != "" {
		t.Fatal("failed Bootstrap left an account")
	}
	c, created, err := s.Bootstrap("123456789012", "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
	if err != nil || !created {
		t.Fatal(created, err)
	}
	if c != (Credentials{"123456789012", "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"}) {
		t.Fatalf("creds = %+v", c)
	}
}

func TestReopenKeepsEverythingAndSecretsAreSealed(t *testing.T) {
	dir := t.TempDir()
	s := openTest(t, dir)
	root := bootstrap(t, s)
	acct := root.AccountID

	tx := begin(t, s)
	alice, err := tx.CreateUser(acct, "Alice", "/eng/", []Tag{{"team", "core"}}, t0.Add(1500*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.CreateUser(acct, "bob", "", nil, t0); err != nil {
		t.Fatal(err)
	}
	k1, sec1, err := tx.CreateAccessKey(acct, "alice", t0)
	if err != nil {
		t.Fatal(err)
	}
	k2, sec2, err := tx.CreateAccessKey(acct, "ALICE", t0.Add(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.UpdateAccessKey(acct, "alice", k2.ID, StatusInactive); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if k1.UserName != "Alice" || alice.Created != t0.Add(time.Second) || alice.Path != "/eng/" {
		t.Fatalf("key owner %q, user %+v", k1.UserName, alice)
	}
	if !regexp.MustCompile(`^AIDA[A-Z2-7]{17}$`).MatchString(alice.UserID) {
		t.Fatalf("user id %q", alice.UserID)
	}

	before := snapshot(s, acct)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s2 := openTest(t, dir)
	after := snapshot(s2, acct)
	if before != after {
		t.Fatalf("after reopen:\n%s\nbefore:\n%s", after, before)
	}
	k, ok := s2.LookupKey(k1.ID)
	wantP := Principal{Type: TypeIAMUser, AccountID: acct, ARN: "arn:aws:iam::" + acct + ":user/eng/Alice", PrincipalID: alice.UserID, UserName: "Alice", AccessKeyID: k1.ID}
	if !ok || k.Secret != sec1 || !k.Active || k.Principal != wantP {
		t.Fatalf("LookupKey(k1) = %+v %v", k, ok)
	}
	if k, ok := s2.LookupKey(k2.ID); !ok || k.Secret != sec2 || k.Active {
		t.Fatalf("LookupKey(k2) = %+v %v", k, ok)
	}
	if c, err := s2.RootCredentials(); err != nil || c != root {
		t.Fatalf("RootCredentials = %+v %v", c, err)
	}

	// No secret appears in plain text (nor base64 of it) in any file.
	secrets := []string{root.SecretAccessKey, sec1, sec2}
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, sec := range secrets {
			if bytes.Contains(b, []byte(sec)) || bytes.Contains(b, []byte(sec[:20])) {
				t.Errorf("%s contains a secret in plain text", path)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(dir, masterKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 || fi.Size() != masterKeySize {
		t.Fatalf("master key mode %v size %d", fi.Mode(), fi.Size())
	}
	fi, err = os.Stat(filepath.Join(dir, stateFile))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("state file: %v %v", fi, err)
	}
}

// snapshot renders everything the account holds, for comparison.
func snapshot(s *Store, acct string) string {
	var b strings.Builder
	a, _ := s.Account(acct)
	b.WriteString(a.ID + " " + a.Created.String() + "\n")
	owners := []string{""}
	for _, u := range s.Users(acct, "") {
		b.WriteString(u.UserID + " " + u.Name + " " + u.Path + " " + u.Created.String() + "\n")
		for _, tg := range u.Tags {
			b.WriteString("  tag " + tg.Key + "=" + tg.Value + "\n")
		}
		owners = append(owners, u.Name)
	}
	for _, o := range owners {
		keys, _ := s.AccessKeys(acct, o)
		for _, k := range keys {
			sk, _ := s.LookupKey(k.ID)
			b.WriteString(k.ID + " " + k.UserName + " " + k.Status + " " + k.Created.String() + " " + sk.Secret + "\n")
		}
	}
	return b.String()
}

func TestAbortLeavesNoTrace(t *testing.T) {
	dir := t.TempDir()
	s := openTest(t, dir)
	root := bootstrap(t, s)
	acct := root.AccountID
	stateBefore, err := os.ReadFile(filepath.Join(dir, stateFile))
	if err != nil {
		t.Fatal(err)
	}
	snapBefore := snapshot(s, acct)

	tx := begin(t, s)
	if _, err := tx.CreateUser(acct, "carol", "/", nil, t0); err != nil {
		t.Fatal(err)
	}
	k, _, err := tx.CreateAccessKey(acct, "carol", t0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.UpdateAccessKey(acct, "", root.AccessKeyID, StatusInactive); err != nil {
		t.Fatal(err)
	}
	// Staged changes are visible to the transaction only.
	if _, ok := tx.User(acct, "carol"); !ok {
		t.Fatal("tx does not see its own user")
	}
	if _, ok := s.User(acct, "carol"); ok {
		t.Fatal("uncommitted user visible to readers")
	}
	if _, ok := s.LookupKey(k.ID); ok {
		t.Fatal("uncommitted key visible to LookupKey")
	}
	tx.Abort()
	tx.Abort() // idempotent
	if err := tx.Commit(); !errors.Is(err, ErrTxDone) {
		t.Fatalf("Commit after Abort = %v", err)
	}
	if _, err := tx.CreateUser(acct, "dave", "/", nil, t0); !errors.Is(err, ErrTxDone) {
		t.Fatalf("CreateUser after Abort = %v", err)
	}
	stateAfter, err := os.ReadFile(filepath.Join(dir, stateFile))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(stateBefore, stateAfter) {
		t.Fatal("Abort changed the state file")
	}
	if got := snapshot(s, acct); got != snapBefore {
		t.Fatalf("Abort changed the store:\n%s", got)
	}
	// The write slot was released.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute) // a hang, not a slow machine
	defer cancel()
	tx2, err := s.Begin(ctx)
	if err != nil {
		t.Fatalf("Begin after Abort: %v", err)
	}
	tx2.Abort()
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), tempSuffix) {
			t.Errorf("temp file %s left behind", e.Name())
		}
	}
}

func TestFailedCommitChangesNothing(t *testing.T) {
	dir := t.TempDir()
	s := openTest(t, dir)
	acct := bootstrap(t, s).AccountID
	stateBefore, _ := os.ReadFile(filepath.Join(dir, stateFile))

	s.write = func(dir, name string, data []byte) error { return errors.New("disk full") }
	tx := begin(t, s)
	if _, err := tx.CreateUser(acct, "erin", "/", nil, t0); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("Commit = %v, want disk full", err)
	}
	if _, ok := s.User(acct, "erin"); ok {
		t.Fatal("failed commit published its change")
	}
	stateAfter, _ := os.ReadFile(filepath.Join(dir, stateFile))
	if !bytes.Equal(stateBefore, stateAfter) {
		t.Fatal("failed commit changed the state file")
	}
	s.write = writeFileAtomic
	tx = begin(t, s) // the failed commit released the write slot
	if _, err := tx.CreateUser(acct, "erin", "/", nil, t0); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
}

func TestStateFileAtomicReplace(t *testing.T) {
	dir := t.TempDir()
	s := openTest(t, dir)
	acct := bootstrap(t, s).AccountID
	good, _ := os.ReadFile(filepath.Join(dir, stateFile))
	s.Close()

	// A crash mid-write leaves a partial temp file: Open ignores and removes it.
	tmp := filepath.Join(dir, stateFile+tempSuffix)
	if err := os.WriteFile(tmp, good[:len(good)/2], 0o600); err != nil {
		t.Fatal(err)
	}
	s = openTest(t, dir)
	if s.DefaultAccount() != acct {
		t.Fatalf("account %q after crash, want %q", s.DefaultAccount(), acct)
	}
	if _, err := os.Stat(tmp); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("stale temp file not removed: %v", err)
	}

	// Every commit leaves a complete state file and no temp file, and the
	// inode changes (rename, not rewrite in place).
	ino := func() uint64 {
		fi, err := os.Stat(filepath.Join(dir, stateFile))
		if err != nil {
			t.Fatal(err)
		}
		return inode(fi)
	}
	prev := ino()
	tx := begin(t, s)
	if _, err := tx.CreateUser(acct, "frank", "/", nil, t0); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if cur := ino(); cur == prev && cur != 0 {
		t.Fatal("state file rewritten in place")
	}
	if _, err := os.Stat(tmp); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("temp file left after commit: %v", err)
	}
}

func TestOpenRefusesUnsafeOrMissingMasterKey(t *testing.T) {
	dir := t.TempDir()
	s := openTest(t, dir)
	bootstrap(t, s)
	s.Close()
	key := filepath.Join(dir, masterKeyFile)

	if err := os.Chmod(key, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(dir); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Fatalf("Open with 0644 master key = %v", err)
	}
	os.Chmod(key, 0o600)

	// A different master key cannot decrypt the secrets.
	orig, _ := os.ReadFile(key)
	other := bytes.Repeat([]byte{7}, masterKeySize)
	os.WriteFile(key, other, 0o600)
	if _, err := Open(dir); err == nil || !strings.Contains(err.Error(), "decrypt") {
		t.Fatalf("Open with wrong master key = %v", err)
	}
	os.Remove(key)
	if _, err := Open(dir); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Fatalf("Open without master key = %v", err)
	}
	os.WriteFile(key, orig, 0o600)
	openTest(t, dir)
}

func TestSealedSecretBoundToKey(t *testing.T) {
	dir := t.TempDir()
	s := openTest(t, dir)
	acct := bootstrap(t, s).AccountID
	tx := begin(t, s)
	k, _, err := tx.CreateAccessKey(acct, "", t0)
	if err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	s.Close()
	// Swap the two root keys' sealed secrets in the file: both fail to open.
	path := filepath.Join(dir, stateFile)
	b, _ := os.ReadFile(path)
	re := regexp.MustCompile(`"sealedSecret": "([^"]+)"`)
	m := re.FindAllSubmatch(b, -1)
	if len(m) != 2 {
		t.Fatalf("%d sealed secrets in state file, want 2", len(m))
	}
	b = bytes.Replace(b, m[0][1], []byte("SWAP"), 1)
	b = bytes.Replace(b, m[1][1], m[0][1], 1)
	b = bytes.Replace(b, []byte("SWAP"), m[1][1], 1)
	os.WriteFile(path, b, 0o600)
	if _, err := Open(dir); err == nil || !strings.Contains(err.Error(), "decrypt") {
		t.Fatalf("Open with swapped secrets = %v (key %s)", err, k.ID)
	}
}

func TestSecondOpenOfSameDirFails(t *testing.T) {
	dir := t.TempDir()
	openTest(t, dir)
	if s, err := Open(dir); err == nil {
		s.Close()
		t.Fatal("second Open of a locked dir succeeded")
	}
}

func TestTxRules(t *testing.T) {
	s := openTest(t, t.TempDir())
	root := bootstrap(t, s)
	acct := root.AccountID
	tx := begin(t, s)
	defer tx.Abort()
	if _, err := tx.CreateUser("999999999999", "x", "/", nil, t0); !errors.Is(err, ErrNoSuchAccount) {
		t.Errorf("CreateUser in unknown account: %v", err)
	}
	if _, err := tx.CreateUser(acct, "Gina", "/", nil, t0); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.CreateUser(acct, "gINA", "/", nil, t0); !errors.Is(err, ErrUserExists) {
		t.Errorf("duplicate (case-insensitive) user: %v", err)
	}
	if _, _, err := tx.CreateAccessKey(acct, "nobody", t0); !errors.Is(err, ErrNoSuchUser) {
		t.Errorf("key for unknown user: %v", err)
	}
	k1, _, _ := tx.CreateAccessKey(acct, "gina", t0)
	if _, _, err := tx.CreateAccessKey(acct, "gina", t0); err != nil {
		t.Fatal(err)
	}
	var le *LimitError
	if _, _, err := tx.CreateAccessKey(acct, "gina", t0); !errors.As(err, &le) || le.Quota != "AccessKeysPerUser" || le.Limit != 2 || !errors.Is(err, ErrLimitExceeded) {
		t.Errorf("third key: %v", err)
	}
	// Root has one key; a second is fine, a third is not.
	if _, _, err := tx.CreateAccessKey(acct, "", t0); err != nil {
		t.Fatal(err)
	}
	if _, _, err := tx.CreateAccessKey(acct, "", t0); !errors.Is(err, ErrLimitExceeded) {
		t.Errorf("third root key: %v", err)
	}
	if _, err := tx.DeleteUser(acct, "gina"); !errors.Is(err, ErrDeleteConflict) {
		t.Errorf("delete user with keys: %v", err)
	}
	// Keys are addressed through their owner only.
	if _, err := tx.UpdateAccessKey(acct, "", k1.ID, StatusInactive); !errors.Is(err, ErrNoSuchKey) {
		t.Errorf("update gina's key as root's: %v", err)
	}
	if _, err := tx.DeleteAccessKey(acct, "gina", root.AccessKeyID); !errors.Is(err, ErrNoSuchKey) {
		t.Errorf("delete root key as gina's: %v", err)
	}
	if _, err := tx.UpdateAccessKey(acct, "gina", k1.ID, "Expired"); !errors.Is(err, ErrInvalidStatus) {
		t.Errorf("status Expired: %v", err)
	}
	for _, k := range mustKeys(t, tx.view(), acct, "gina") {
		if _, err := tx.DeleteAccessKey(acct, "GINA", k.ID); err != nil {
			t.Fatal(err)
		}
	}
	if u, err := tx.DeleteUser(acct, "gina"); err != nil || u.Name != "Gina" {
		t.Fatalf("DeleteUser = %+v %v", u, err)
	}
	if _, err := tx.DeleteUser(acct, "gina"); !errors.Is(err, ErrNoSuchUser) {
		t.Errorf("delete twice: %v", err)
	}
}

func mustKeys(t *testing.T, st *state, acct, user string) []keyRec {
	t.Helper()
	ks := st.userKeys(acct, user)
	if len(ks) == 0 {
		t.Fatal("no keys")
	}
	return ks
}

func TestUserLimit(t *testing.T) {
	s, err := OpenOptions(t.TempDir(), Options{MaxUsersPerAccount: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	acct := bootstrap(t, s).AccountID
	tx := begin(t, s)
	defer tx.Abort()
	for _, n := range []string{"a", "b"} {
		if _, err := tx.CreateUser(acct, n, "/", nil, t0); err != nil {
			t.Fatal(err)
		}
	}
	var le *LimitError
	if _, err := tx.CreateUser(acct, "c", "/", nil, t0); !errors.As(err, &le) || le.Quota != "UsersPerAccount" || le.Limit != 2 {
		t.Fatalf("third user: %v", err)
	}
}

// LookupKey never blocks on an open transaction and always sees a complete
// version while commits run.
func TestConcurrentLookupDuringCommit(t *testing.T) {
	s := openTest(t, t.TempDir())
	root := bootstrap(t, s)
	acct := root.AccountID

	// An open transaction does not block readers.
	tx := begin(t, s)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if _, ok := s.LookupKey(root.AccessKeyID); !ok {
			t.Error("root key not found while a tx is open")
		}
	}()
	select {
	case <-done:
	case <-time.After(time.Minute): // a hang, not a slow machine
		t.Fatal("LookupKey blocked by an open transaction")
	}
	tx.Abort()

	const rounds = 50
	var stop atomic.Bool
	var created sync.Map // key id -> secret, once committed
	var wg sync.WaitGroup
	var lookups atomic.Int64
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				k, ok := s.LookupKey(root.AccessKeyID)
				if !ok || k.Secret != root.SecretAccessKey || k.Principal.Type != TypeRoot {
					t.Error("root key lookup failed during commits")
					return
				}
				created.Range(func(id, sec any) bool {
					k, ok := s.LookupKey(id.(string))
					if !ok || k.Secret != sec.(string) || k.Principal.UserName == "" {
						t.Errorf("committed key %s: %+v %v", id, k, ok)
						return false
					}
					return true
				})
				lookups.Add(1)
			}
		}()
	}
	for i := range rounds {
		tx := begin(t, s)
		name := "u" + string(rune('a'+i%26)) + strings.Repeat("x", i/26)
		if _, err := tx.CreateUser(acct, name, "/", nil, t0); err != nil {
			t.Fatal(err)
		}
		k, sec, err := tx.CreateAccessKey(acct, name, t0)
		if err != nil {
			t.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		if got, ok := s.LookupKey(k.ID); !ok || got.Secret != sec {
			t.Fatalf("key not visible right after Commit")
		}
		created.Store(k.ID, sec)
	}
	stop.Store(true)
	wg.Wait()
	if lookups.Load() == 0 {
		t.Fatal("no lookups ran")
	}
	t.Logf("%d commits, %d lookup rounds", rounds, lookups.Load())
}

func TestBeginAfterCloseAndContext(t *testing.T) {
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	tx := begin(t, s)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := s.Begin(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Begin while a tx is open = %v", err)
	}
	closed := make(chan error)
	go func() { closed <- s.Close() }()
	select {
	case <-closed:
		t.Fatal("Close did not wait for the open transaction")
	case <-time.After(50 * time.Millisecond):
	}
	tx.Abort()
	if err := <-closed; err != nil {
		t.Fatal(err)
	}
	if _, err := s.Begin(context.Background()); !errors.Is(err, ErrClosed) {
		t.Fatalf("Begin after Close = %v", err)
	}
}

func BenchmarkLookupKey(b *testing.B) {
	s, err := Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	c, _, err := s.Bootstrap("", "", "")
	if err != nil {
		b.Fatal(err)
	}
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, ok := s.LookupKey(c.AccessKeyID); !ok {
				b.Fatal("not found")
			}
		}
	})
}

func BenchmarkCommitCreateUser(b *testing.B) {
	s, err := Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	c, _, _ := s.Bootstrap("", "", "")
	for i := 0; b.Loop(); i++ {
		tx, _ := s.Begin(context.Background())
		if _, err := tx.CreateUser(c.AccountID, "user"+strings.Repeat("x", i%50)+string(rune('a'+i%26))+itoa(i), "/", nil, t0); err != nil {
			b.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
	}
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	var b []byte
	for ; i > 0; i /= 10 {
		b = append([]byte{byte('0' + i%10)}, b...)
	}
	return string(b)
}
