package identity

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/cairn-audit/cairn/internal/jsonstore"
)

// Tx is a staged change to the store. Only one Tx is open at a time; it sees
// the current version plus its own changes, and nothing it does is visible to
// readers or on disk until Commit. Exactly one of Commit or Abort must be
// called (Abort after Commit is a no-op, so `defer tx.Abort()` is safe).
type Tx struct {
	s  *Store
	tx *jsonstore.Tx[state]
	mu sync.Mutex
}

// Begin opens a transaction, waiting for the open one (if any) to end.
func (s *Store) Begin(ctx context.Context) (*Tx, error) {
	tx, err := s.js.Begin(ctx)
	if err != nil {
		return nil, fmt.Errorf("begin identity transaction: %w", err)
	}
	return &Tx{s: s, tx: tx}, nil
}

// Commit persists the staged changes atomically and publishes them. On error
// nothing changed, on disk or in memory. A Tx without changes commits
// without I/O.
func (tx *Tx) Commit() error { return tx.CommitAt(0) }

// CommitAt commits like Commit and records seq, the stream seq of the call
// making the change, with it (jsonstore.Tx.CommitAt; Store.Applied).
func (tx *Tx) CommitAt(seq uint64) error {
	tx.mu.Lock()
	defer tx.mu.Unlock()
	if err := tx.tx.CommitAt(seq); err != nil {
		return fmt.Errorf("commit identity change: %w", err)
	}
	return nil
}

// Abort discards the staged changes.
func (tx *Tx) Abort() {
	tx.mu.Lock()
	defer tx.mu.Unlock()
	tx.tx.Abort()
}

func (tx *Tx) view() *state { return tx.tx.View() }

func (tx *Tx) mutable() (*state, error) { return tx.tx.Mutable() }

func (tx *Tx) now() time.Time { return time.Now().UTC().Truncate(time.Second) }

func stamp(t time.Time) time.Time { return t.UTC().Truncate(time.Second) }

// begin checks the transaction is open and the account exists.
func (tx *Tx) begin(accountID string) (*state, error) {
	if err := tx.tx.Err(); err != nil {
		return nil, err
	}
	st := tx.view()
	if _, ok := st.accounts[accountID]; !ok {
		return nil, fmt.Errorf("%w: %s", ErrNoSuchAccount, accountID)
	}
	return st, nil
}

// User returns a user as the transaction sees it.
func (tx *Tx) User(accountID, name string) (User, bool) {
	tx.mu.Lock()
	defer tx.mu.Unlock()
	u, ok := tx.view().users[keyOf(accountID, name)]
	return u, ok
}

// CreateUser stages a new IAM user. path "" means "/". Names are not
// validated here beyond uniqueness: that is the API's job.
func (tx *Tx) CreateUser(accountID, name, path string, tags []Tag, now time.Time) (User, error) {
	tx.mu.Lock()
	defer tx.mu.Unlock()
	st, err := tx.begin(accountID)
	if err != nil {
		return User{}, err
	}
	if name == "" {
		return User{}, fmt.Errorf("%w: empty user name", ErrInvalidInput)
	}
	if existing, ok := st.users[keyOf(accountID, name)]; ok {
		return User{}, fmt.Errorf("%w: %s", ErrUserExists, existing.Name)
	}
	n := 0
	for k := range st.users {
		if k.account == accountID {
			n++
		}
	}
	if n >= tx.s.opts.MaxUsersPerAccount {
		return User{}, &LimitError{Quota: "UsersPerAccount", Limit: tx.s.opts.MaxUsersPerAccount}
	}
	if path == "" {
		path = DefaultPath
	}
	u := User{AccountID: accountID, UserID: NewUserID(), Name: name, Path: path, Created: stamp(now)}
	if len(tags) > 0 {
		u.Tags = append([]Tag(nil), tags...)
	}
	m, err := tx.mutable()
	if err != nil {
		return User{}, err
	}
	m.users[keyOf(accountID, name)] = u
	return u, nil
}

// DeleteUser stages the deletion of a user without access keys.
func (tx *Tx) DeleteUser(accountID, name string) (User, error) {
	tx.mu.Lock()
	defer tx.mu.Unlock()
	st, err := tx.begin(accountID)
	if err != nil {
		return User{}, err
	}
	u, ok := st.users[keyOf(accountID, name)]
	if !ok {
		return User{}, fmt.Errorf("%w: %s", ErrNoSuchUser, name)
	}
	if len(st.userKeys(accountID, u.Name)) > 0 {
		return u, fmt.Errorf("%w: %s", ErrDeleteConflict, u.Name)
	}
	m, err := tx.mutable()
	if err != nil {
		return User{}, err
	}
	delete(m.users, keyOf(accountID, name))
	return u, nil
}

// owner resolves the user name keys are addressed by: "" is the root user,
// any other name must exist and is returned as created.
func owner(st *state, accountID, userName string) (string, error) {
	if userName == "" {
		return "", nil
	}
	u, ok := st.users[keyOf(accountID, userName)]
	if !ok {
		return "", fmt.Errorf("%w: %s", ErrNoSuchUser, userName)
	}
	return u.Name, nil
}

// CreateAccessKey stages a new active access key for the user, or for the
// account's root user if userName is "". It returns the key and its secret.
func (tx *Tx) CreateAccessKey(accountID, userName string, now time.Time) (AccessKey, string, error) {
	tx.mu.Lock()
	defer tx.mu.Unlock()
	st, err := tx.begin(accountID)
	if err != nil {
		return AccessKey{}, "", err
	}
	userName, err = owner(st, accountID, userName)
	if err != nil {
		return AccessKey{}, "", err
	}
	if len(st.userKeys(accountID, userName)) >= tx.s.opts.MaxAccessKeysPerUser {
		return AccessKey{}, "", &LimitError{Quota: "AccessKeysPerUser", Limit: tx.s.opts.MaxAccessKeysPerUser}
	}
	id := NewAccessKeyID()
	for _, taken := st.keys[id]; taken; _, taken = st.keys[id] {
		id = NewAccessKeyID()
	}
	secret := NewSecret()
	k := AccessKey{AccountID: accountID, ID: id, UserName: userName, Status: StatusActive, Created: stamp(now)}
	m, err := tx.mutable()
	if err != nil {
		return AccessKey{}, "", err
	}
	m.keys[id] = keyRec{AccessKey: k, secret: secret, sealed: tx.s.sealer.seal(accountID, id, secret)}
	return k, secret, nil
}

// key finds an access key of (accountID, userName); a key of anyone else is
// reported as missing.
func (tx *Tx) key(accountID, userName, keyID string) (*state, keyRec, error) {
	st, err := tx.begin(accountID)
	if err != nil {
		return nil, keyRec{}, err
	}
	userName, err = owner(st, accountID, userName)
	if err != nil {
		return nil, keyRec{}, err
	}
	k, ok := st.keys[keyID]
	if !ok || k.AccountID != accountID || k.UserName != userName {
		return nil, keyRec{}, fmt.Errorf("%w: %s", ErrNoSuchKey, keyID)
	}
	return st, k, nil
}

// UpdateAccessKey stages a status change (StatusActive or StatusInactive) of
// a key of the user (root if userName is "").
func (tx *Tx) UpdateAccessKey(accountID, userName, keyID, status string) (AccessKey, error) {
	tx.mu.Lock()
	defer tx.mu.Unlock()
	if status != StatusActive && status != StatusInactive {
		return AccessKey{}, fmt.Errorf("%w: %q", ErrInvalidStatus, status)
	}
	_, k, err := tx.key(accountID, userName, keyID)
	if err != nil {
		return AccessKey{}, err
	}
	if k.Status == status {
		return k.AccessKey, nil
	}
	m, err := tx.mutable()
	if err != nil {
		return AccessKey{}, err
	}
	k.Status = status
	m.keys[keyID] = k
	return k.AccessKey, nil
}

// DeleteAccessKey stages the deletion of a key of the user (root if userName is "").
func (tx *Tx) DeleteAccessKey(accountID, userName, keyID string) (AccessKey, error) {
	tx.mu.Lock()
	defer tx.mu.Unlock()
	_, k, err := tx.key(accountID, userName, keyID)
	if err != nil {
		return AccessKey{}, err
	}
	m, err := tx.mutable()
	if err != nil {
		return AccessKey{}, err
	}
	delete(m.keys, keyID)
	return k.AccessKey, nil
}
