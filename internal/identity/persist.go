package identity

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/cairn-audit/cairn/internal/fsutil"
)

const (
	stateFile     = "state.json"
	tempSuffix    = fsutil.TempSuffix
	fileFormat    = "cairn-identity"
	formatVersion = 1
)

// The on-disk format (docs/IDENTITY.md): jsonstore writes format and
// version, the state encodes the rest. Secrets are only ever stored sealed.
type fileState struct {
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

// MarshalJSON renders st deterministically (sorted) as the state file.
func (st *state) MarshalJSON() ([]byte, error) {
	f := fileState{DefaultAccount: st.defaultAccount, Accounts: []fileAccount{}, Users: []fileUser{}, AccessKeys: []fileKey{}}
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
	return json.Marshal(f)
}

// UnmarshalJSON reads the state file into st, which holds the sealer
// (newState), decrypting every secret.
func (st *state) UnmarshalJSON(b []byte) error {
	if st.sealer == nil {
		return errors.New("identity state decoded without its master key")
	}
	var f fileState
	if err := json.Unmarshal(b, &f); err != nil {
		return err
	}
	*st = *newState(st.sealer)
	st.defaultAccount = f.DefaultAccount
	for _, a := range f.Accounts {
		st.accounts[a.AccountID] = Account{ID: a.AccountID, Created: a.CreateDate}
	}
	for _, u := range f.Users {
		if _, ok := st.accounts[u.AccountID]; !ok {
			return fmt.Errorf("user %s in unknown account %s", u.UserName, u.AccountID)
		}
		user := User{AccountID: u.AccountID, UserID: u.UserID, Name: u.UserName, Path: u.Path, Created: u.CreateDate}
		for _, t := range u.Tags {
			user.Tags = append(user.Tags, Tag(t))
		}
		st.users[keyOf(u.AccountID, u.UserName)] = user
	}
	for _, k := range f.AccessKeys {
		if err := st.decodeKey(k); err != nil {
			return err
		}
	}
	return nil
}

// decodeKey adds an access key of the state file, decrypting its secret.
func (st *state) decodeKey(k fileKey) error {
	if _, ok := st.accounts[k.AccountID]; !ok {
		return fmt.Errorf("access key %s in unknown account %s", k.AccessKeyID, k.AccountID)
	}
	if k.UserName != "" {
		if _, ok := st.users[keyOf(k.AccountID, k.UserName)]; !ok {
			return fmt.Errorf("access key %s of unknown user %s", k.AccessKeyID, k.UserName)
		}
	}
	secret, err := st.sealer.open(k.AccountID, k.AccessKeyID, k.SealedSecret)
	if err != nil {
		return fmt.Errorf("access key %s: %w", k.AccessKeyID, err)
	}
	st.keys[k.AccessKeyID] = keyRec{
		AccessKey: AccessKey{AccountID: k.AccountID, ID: k.AccessKeyID, UserName: k.UserName, Status: k.Status, Created: k.CreateDate},
		secret:    secret,
		sealed:    k.SealedSecret,
	}
	return nil
}
