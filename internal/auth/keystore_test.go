package auth

import (
	"testing"
	"time"

	"github.com/cairn-audit/cairn/internal/identity"
)

// identity.Store is the KeyStore the server uses, through FromIdentity.
var _ IdentityKeyStore = (*identity.Store)(nil)

type fakeIdentityStore map[string]identity.Key

func (f fakeIdentityStore) LookupKey(id string) (identity.Key, bool) { k, ok := f[id]; return k, ok }

func TestFromIdentity(t *testing.T) {
	p := testPrincipal
	p.AccessKeyID = testAKID
	ks := FromIdentity(fakeIdentityStore{testAKID: {Secret: testSecret, Active: true, Principal: p}})
	k, ok := ks.LookupKey(testAKID)
	if !ok || k.Secret != testSecret || !k.Active || k.Principal != p || k.SessionToken != "" || !k.Expiration.IsZero() {
		t.Fatalf("LookupKey = %+v, %v", k, ok)
	}
	if _, ok := ks.LookupKey("AKIANOSUCHKEY"); ok {
		t.Fatal("unknown key found")
	}
	// End to end: a request signed with the key verifies through the adapter.
	r := clientReq{method: "POST", url: "http://" + testHost + "/", body: []byte(iamBody)}.build(t)
	signGo(t, r, []byte(iamBody), signOpts{service: "iam"})
	got, _, err := NewVerifier(ks, Options{Now: func() time.Time { return t0 }}).Verify(serverView(t, r, []byte(iamBody)), []byte(iamBody))
	if err != nil || got != p {
		t.Fatalf("Verify = %+v, %v", got, err)
	}
}
