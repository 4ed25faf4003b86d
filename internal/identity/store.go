package identity

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/cairn-audit/cairn/internal/jsonstore"
)

// Default limits, AWS's default IAM quotas.
const (
	DefaultMaxUsersPerAccount   = 5000
	DefaultMaxAccessKeysPerUser = 2
)

// Options tune a Store.
type Options struct {
	// MaxUsersPerAccount caps IAM users per account (quota UsersPerAccount).
	// Default DefaultMaxUsersPerAccount.
	MaxUsersPerAccount int
	// MaxAccessKeysPerUser caps access keys per user, root included (quota
	// AccessKeysPerUser). Default DefaultMaxAccessKeysPerUser.
	MaxAccessKeysPerUser int
}

// DefaultOptions returns the defaults.
func DefaultOptions() Options {
	return Options{MaxUsersPerAccount: DefaultMaxUsersPerAccount, MaxAccessKeysPerUser: DefaultMaxAccessKeysPerUser}
}

func (o Options) withDefaults() Options {
	d := DefaultOptions()
	o.MaxUsersPerAccount = cmp.Or(o.MaxUsersPerAccount, d.MaxUsersPerAccount)
	o.MaxAccessKeysPerUser = cmp.Or(o.MaxAccessKeysPerUser, d.MaxAccessKeysPerUser)
	return o
}

// Store holds accounts, IAM users and access keys in a directory (a
// jsonstore, plus the master key sealing the secrets). Reads (LookupKey on
// every request, the IAM read operations) load the current immutable
// version without locking or I/O; changes go through a Tx, one at a time,
// and are persisted atomically before they are published.
type Store struct {
	js     *jsonstore.Store[state]
	opts   Options
	sealer *sealer

	// write persists a new state file; replaced in tests to inject failures.
	write func(dir, name string, data []byte) error
}

// Open opens (creating if needed) the store in dir with default options.
func Open(dir string) (*Store, error) { return OpenOptions(dir, DefaultOptions()) }

// OpenOptions opens (creating if needed) the store in dir. It creates dir
// (mode 0700) and the master key on first use and holds an exclusive lock on
// the directory until Close.
func OpenOptions(dir string, opts Options) (*Store, error) {
	s := &Store{opts: opts.withDefaults(), write: writeFileAtomic}
	js, err := jsonstore.Open(dir, jsonstore.Options[state]{
		File: stateFile, Format: fileFormat, Version: formatVersion,
		New:   func() (*state, error) { return s.emptyState(dir) },
		Clone: (*state).clone,
		WriteFile: func(path string, data []byte, _ os.FileMode) error {
			return s.write(filepath.Dir(path), filepath.Base(path), data)
		},
	})
	if err != nil {
		return nil, fmt.Errorf("open identity store: %w", err)
	}
	s.js = js
	return s, nil
}

// emptyState loads the master key (creating it on first use) and returns the
// empty state, which decodes the state file's secrets with it. jsonstore
// calls it once the directory is locked, before it reads the state file.
func (s *Store) emptyState(dir string) (*state, error) {
	if err := removeStaleTemp(dir, masterKeyFile); err != nil {
		return nil, err
	}
	key, err := loadMasterKey(dir)
	if err != nil {
		return nil, err
	}
	if s.sealer, err = newSealer(key); err != nil {
		return nil, err
	}
	return newState(s.sealer), nil
}

// Close releases the directory lock. It waits for an open transaction to
// end; Begin fails with ErrClosed afterwards. Reads keep working.
func (s *Store) Close() error { return s.js.Close() }

// Options returns the store's effective options.
func (s *Store) Options() Options { return s.opts }

// Dir is the store's directory.
func (s *Store) Dir() string { return s.js.Dir() }

// Applied reports whether the call recorded at stream seq committed a change
// here (jsonstore.Store.Applied), for recovery (settle.BySeq).
func (s *Store) Applied(seq uint64) (applied, known bool) { return s.js.Applied(seq) }

// LookupKey returns the access key's secret, whether it is active, and the
// principal it authenticates as (with AccessKeyID set). It never blocks on
// writers and does no I/O.
//
// It has the method set the auth package's KeyStore needs, with Key standing
// for auth.Key (identity cannot import auth: auth imports identity).
func (s *Store) LookupKey(accessKeyID string) (Key, bool) {
	st := s.js.Load()
	k, ok := st.keys[accessKeyID]
	if !ok {
		return Key{}, false
	}
	p, ok := st.principal(k)
	if !ok {
		return Key{}, false
	}
	return Key{Secret: k.secret, Active: k.Status == StatusActive, Principal: p}, true
}

// DefaultAccount is the account Bootstrap created ("" before it ran).
func (s *Store) DefaultAccount() string { return s.js.Load().defaultAccount }

// Account returns an account.
func (s *Store) Account(accountID string) (Account, bool) {
	a, ok := s.js.Load().accounts[accountID]
	return a, ok
}

// User returns the user named name (case-insensitively) in the account.
func (s *Store) User(accountID, name string) (User, bool) {
	u, ok := s.js.Load().users[keyOf(accountID, name)]
	return u, ok
}

// Users returns the account's users whose path starts with pathPrefix
// ("" for all), ordered by name case-insensitively.
func (s *Store) Users(accountID, pathPrefix string) []User {
	st := s.js.Load()
	var out []User
	for k, u := range st.users {
		if k.account == accountID && hasPrefix(u.Path, pathPrefix) {
			out = append(out, u)
		}
	}
	slices.SortFunc(out, func(a, b User) int { return cmp.Compare(foldName(a.Name), foldName(b.Name)) })
	return out
}

func hasPrefix(s, prefix string) bool { return len(s) >= len(prefix) && s[:len(prefix)] == prefix }

// AccessKeys returns the access keys of the named user, or of the account's
// root user if userName is "", oldest first.
func (s *Store) AccessKeys(accountID, userName string) ([]AccessKey, error) {
	st := s.js.Load()
	if _, ok := st.accounts[accountID]; !ok {
		return nil, fmt.Errorf("%w: %s", ErrNoSuchAccount, accountID)
	}
	if userName != "" {
		if _, ok := st.users[keyOf(accountID, userName)]; !ok {
			return nil, fmt.Errorf("%w: %s", ErrNoSuchUser, userName)
		}
	}
	recs := st.userKeys(accountID, userName)
	out := make([]AccessKey, len(recs))
	for i, k := range recs {
		out[i] = k.AccessKey
	}
	return out, nil
}

// RootCredentials returns the default account's root access key with its
// secret: the oldest active one, else the oldest.
func (s *Store) RootCredentials() (Credentials, error) {
	return rootCredentials(s.js.Load())
}

func rootCredentials(st *state) (Credentials, error) {
	if st.defaultAccount == "" {
		return Credentials{}, fmt.Errorf("root credentials: %w: store not bootstrapped", ErrNoSuchAccount)
	}
	keys := st.userKeys(st.defaultAccount, "")
	if len(keys) == 0 {
		return Credentials{AccountID: st.defaultAccount}, fmt.Errorf("root credentials of %s: %w", st.defaultAccount, ErrNoRootKey)
	}
	k := keys[0]
	for _, c := range keys {
		if c.Status == StatusActive {
			k = c
			break
		}
	}
	return Credentials{AccountID: k.AccountID, AccessKeyID: k.ID, SecretAccessKey: k.secret}, nil
}

// Bootstrap creates the default account and its root access key on first
// start. Empty arguments are generated. If the store already has its
// account, Bootstrap changes nothing, ignores its arguments and returns the
// existing root credentials (ErrNoRootKey if the root user has deleted all
// its keys).
func (s *Store) Bootstrap(accountID, accessKeyID, secret string) (creds Credentials, created bool, err error) {
	tx, err := s.Begin(context.Background())
	if err != nil {
		return Credentials{}, false, err
	}
	defer tx.Abort()
	if st := tx.view(); st.defaultAccount != "" {
		creds, err := rootCredentials(st)
		return creds, false, err
	}
	accountID = cmp.Or(accountID, NewAccountID())
	accessKeyID = cmp.Or(accessKeyID, NewAccessKeyID())
	secret = cmp.Or(secret, NewSecret())
	if err := checkBootstrapArgs(accountID, accessKeyID, secret); err != nil {
		return Credentials{}, false, fmt.Errorf("bootstrap: %w", err)
	}
	now := tx.now()
	st, err := tx.mutable()
	if err != nil {
		return Credentials{}, false, fmt.Errorf("bootstrap: %w", err)
	}
	st.defaultAccount = accountID
	st.accounts[accountID] = Account{ID: accountID, Created: now}
	st.keys[accessKeyID] = keyRec{
		AccessKey: AccessKey{AccountID: accountID, ID: accessKeyID, Status: StatusActive, Created: now},
		secret:    secret,
		sealed:    s.sealer.seal(accountID, accessKeyID, secret),
	}
	if err := tx.Commit(); err != nil {
		return Credentials{}, false, fmt.Errorf("bootstrap: %w", err)
	}
	return Credentials{AccountID: accountID, AccessKeyID: accessKeyID, SecretAccessKey: secret}, true, nil
}
