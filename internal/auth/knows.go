package auth

// KnowsKey reports whether accessKeyID is one of the key store's keys
// (active or not). The recording gateway uses it to tell a key Cairn does not
// know at all (which it may pass through unverified when told to) from a
// known key whose session token did not match.
func (v *Verifier) KnowsKey(accessKeyID string) bool {
	_, ok := v.keys.LookupKey(accessKeyID)
	return ok
}
