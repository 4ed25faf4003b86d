package identity

import (
	"cmp"
	"maps"
	"slices"
)

// userKey identifies a user: names are unique per account case-insensitively.
type userKey struct{ account, folded string }

func keyOf(accountID, name string) userKey { return userKey{accountID, foldName(name)} }

// keyRec is an access key as the store holds it in memory.
type keyRec struct {
	AccessKey
	secret string // plain text, in memory only
	sealed string // what the state file holds
}

// state is one immutable version of the store's contents. Readers use the
// published version without locks; a transaction mutates a private clone.
type state struct {
	defaultAccount string
	accounts       map[string]Account
	users          map[userKey]User
	keys           map[string]keyRec

	sealer *sealer // opens the sealed secrets of the state file; shared by every version
}

func newState(sl *sealer) *state {
	return &state{accounts: map[string]Account{}, users: map[userKey]User{}, keys: map[string]keyRec{}, sealer: sl}
}

// clone copies the maps; values are copied by value and their slices
// (user tags) are never modified in place, so sharing them is safe.
func (s *state) clone() *state {
	return &state{
		defaultAccount: s.defaultAccount,
		accounts:       maps.Clone(s.accounts),
		users:          maps.Clone(s.users),
		keys:           maps.Clone(s.keys),
		sealer:         s.sealer,
	}
}

// userKeys returns the access keys of (accountID, userName), oldest first;
// userName "" selects the root user's keys.
func (s *state) userKeys(accountID, userName string) []keyRec {
	var out []keyRec
	folded := foldName(userName)
	for _, k := range s.keys {
		if k.AccountID == accountID && foldName(k.UserName) == folded {
			out = append(out, k)
		}
	}
	slices.SortFunc(out, func(a, b keyRec) int {
		return cmp.Or(a.Created.Compare(b.Created), cmp.Compare(a.ID, b.ID))
	})
	return out
}

// principal is the caller a key authenticates as.
func (s *state) principal(k keyRec) (Principal, bool) {
	var p Principal
	if k.Root() {
		a, ok := s.accounts[k.AccountID]
		if !ok {
			return Principal{}, false
		}
		p = a.RootPrincipal()
	} else {
		u, ok := s.users[keyOf(k.AccountID, k.UserName)]
		if !ok {
			return Principal{}, false
		}
		p = u.Principal()
	}
	p.AccessKeyID = k.ID
	return p, true
}
