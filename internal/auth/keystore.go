package auth

import (
	"time"

	"github.com/cairn-audit/cairn/internal/identity"
)

// Key is what a KeyStore knows about an access key id.
type Key struct {
	Secret    string
	Active    bool
	Principal identity.Principal
	// SessionToken, when non-empty, marks temporary credentials: requests
	// must carry it as X-Amz-Security-Token. Requests signed with a
	// long-term key (empty SessionToken) must not carry a token.
	SessionToken string
	// Expiration of temporary credentials; zero means never.
	Expiration time.Time
}

// KeyStore resolves access key ids. It must be safe for concurrent use.
type KeyStore interface {
	LookupKey(accessKeyID string) (Key, bool)
}

// IdentityKeyStore is the lookup identity.Store offers: the same shape as
// KeyStore, with identity.Key (long-term keys only) in place of Key.
type IdentityKeyStore interface {
	LookupKey(accessKeyID string) (identity.Key, bool)
}

// FromIdentity adapts an identity key store to a KeyStore.
func FromIdentity(s IdentityKeyStore) KeyStore { return identityKeys{s} }

type identityKeys struct{ s IdentityKeyStore }

func (k identityKeys) LookupKey(accessKeyID string) (Key, bool) {
	ik, ok := k.s.LookupKey(accessKeyID)
	if !ok {
		return Key{}, false
	}
	return Key{Secret: ik.Secret, Active: ik.Active, Principal: ik.Principal}, true
}
