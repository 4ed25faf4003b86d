package identity

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/cairn-audit/cairn/internal/fsutil"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"time"
)

const (
	stateFile     = "state.json"
	tempSuffix    = fsutil.TempSuffix
	fileFormat    = "cairn-identity"
	formatVersion = 1
)

// The on-disk format (docs/IDENTITY.md). Secrets are only ever stored sealed.
type fileState struct {
	Format         string        `json:"format"`
	Version        int           `json:"version"`
	DefaultAccount string        `json:"defaultAccount,omitempty"`
	Accounts       []fileAccount `json:"accounts"`
	Users          []fileUser    `json:"users"`
	AccessKeys     []fileKey     `json:"accessKeys"`
}

type fileAccount struct {
	AccountID  string    `json:"accountId"`
	CreateDate time.Time `json:"createDate"`
}

type fileUser struct {
	AccountID  string    `json:"accountId"`
	UserID     string    `json:"userId"`
	UserName   string    `json:"userName"`
	Path       string    `json:"path"`
	CreateDate time.Time `json:"createDate"`
	Tags       []fileTag `json:"tags,omitempty"`
}

type fileTag struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

type fileKey struct {
	AccountID    string    `json:"accountId"`
	AccessKeyID  string    `json:"accessKeyId"`
	UserName     string    `json:"userName,omitempty"`
	Status       string    `json:"status"`
	CreateDate   time.Time `json:"createDate"`
	SealedSecret string    `json:"sealedSecret"`
}

// encodeState renders st deterministically (sorted) as the state file.
func encodeState(st *state) ([]byte, error) {
	f := fileState{Format: fileFormat, Version: formatVersion, DefaultAccount: st.defaultAccount,
		Accounts: []fileAccount{}, Users: []fileUser{}, AccessKeys: []fileKey{}}
	for _, a := range st.accounts {
		f.Accounts = append(f.Accounts, fileAccount{AccountID: a.ID, CreateDate: a.Created})
	}
	slices.SortFunc(f.Accounts, func(a, b fileAccount) int { return cmp.Compare(a.AccountID, b.AccountID) })
	for _, u := range st.users {
		fu := fileUser{AccountID: u.AccountID, UserID: u.UserID, UserName: u.Name, Path: u.Path, CreateDate: u.Created}
		for _, t := range u.Tags {
			fu.Tags = append(fu.Tags, fileTag(t))
		}
		f.Users = append(f.Users, fu)
	}
	slices.SortFunc(f.Users, func(a, b fileUser) int {
		return cmp.Or(cmp.Compare(a.AccountID, b.AccountID), cmp.Compare(foldName(a.UserName), foldName(b.UserName)))
	})
	for _, k := range st.keys {
		f.AccessKeys = append(f.AccessKeys, fileKey{AccountID: k.AccountID, AccessKeyID: k.ID, UserName: k.UserName,
			Status: k.Status, CreateDate: k.Created, SealedSecret: k.sealed})
	}
	slices.SortFunc(f.AccessKeys, func(a, b fileKey) int { return cmp.Compare(a.AccessKeyID, b.AccessKeyID) })
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode identity state: %w", err)
	}
	return append(b, '\n'), nil
}

// loadState reads the state file, decrypting every secret; a missing file is
// an empty store.
func loadState(dir string, sl *sealer) (*state, error) {
	path := filepath.Join(dir, stateFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return newState(), nil
	}
	if err != nil {
		return nil, fmt.Errorf("read identity state: %w", err)
	}
	var f fileState
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("parse identity state %s: %w", path, err)
	}
	if f.Format != fileFormat || f.Version != formatVersion {
		return nil, fmt.Errorf("identity state %s: format %q version %d, want %q version %d", path, f.Format, f.Version, fileFormat, formatVersion)
	}
	st := newState()
	st.defaultAccount = f.DefaultAccount
	for _, a := range f.Accounts {
		st.accounts[a.AccountID] = Account{ID: a.AccountID, Created: a.CreateDate}
	}
	for _, u := range f.Users {
		if _, ok := st.accounts[u.AccountID]; !ok {
			return nil, fmt.Errorf("identity state %s: user %s in unknown account %s", path, u.UserName, u.AccountID)
		}
		user := User{AccountID: u.AccountID, UserID: u.UserID, Name: u.UserName, Path: u.Path, Created: u.CreateDate}
		for _, t := range u.Tags {
			user.Tags = append(user.Tags, Tag(t))
		}
		st.users[keyOf(u.AccountID, u.UserName)] = user
	}
	for _, k := range f.AccessKeys {
		if _, ok := st.accounts[k.AccountID]; !ok {
			return nil, fmt.Errorf("identity state %s: access key %s in unknown account %s", path, k.AccessKeyID, k.AccountID)
		}
		if k.UserName != "" {
			if _, ok := st.users[keyOf(k.AccountID, k.UserName)]; !ok {
				return nil, fmt.Errorf("identity state %s: access key %s of unknown user %s", path, k.AccessKeyID, k.UserName)
			}
		}
		secret, err := sl.open(k.AccountID, k.AccessKeyID, k.SealedSecret)
		if err != nil {
			return nil, fmt.Errorf("identity state %s: access key %s: %w", path, k.AccessKeyID, err)
		}
		st.keys[k.AccessKeyID] = keyRec{
			AccessKey: AccessKey{AccountID: k.AccountID, ID: k.AccessKeyID, UserName: k.UserName, Status: k.Status, Created: k.CreateDate},
			secret:    secret,
			sealed:    k.SealedSecret,
		}
	}
	return st, nil
}

// writeFileAtomic replaces dir/name with data (mode 0600); a crash leaves
// either the old or the new file.
func writeFileAtomic(dir, name string, data []byte) error {
	return fsutil.WriteFileAtomic(filepath.Join(dir, name), data, 0o600)
}

// removeStaleTemps deletes temp files a crash mid-write may have left.
func removeStaleTemps(dir string) error {
	for _, name := range []string{stateFile, masterKeyFile} {
		err := os.Remove(filepath.Join(dir, name+tempSuffix))
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("remove stale temp file: %w", err)
		}
	}
	return nil
}
