// Package identity holds accounts, IAM users and access keys, and the
// principal a request is attributed to.
package identity

// Principal types as CloudTrail's userIdentity.type names them.
const (
	TypeRoot    = "Root"
	TypeIAMUser = "IAMUser"
)

// Principal is the authenticated caller of a request.
type Principal struct {
	Type        string // TypeRoot or TypeIAMUser
	AccountID   string // 12 digits
	ARN         string // arn:aws:iam::<acct>:root or arn:aws:iam::<acct>:user/<path><name>
	PrincipalID string // account id for root, AIDA... user id for IAM users
	UserName    string // IAM user name; empty for root
	AccessKeyID string // the key that signed the request
}

// LookupName is the Username LookupEvents reports and matches for this principal.
func (p Principal) LookupName() string {
	if p.Type == TypeRoot {
		return "root"
	}
	return p.UserName
}

// TypeUnknown is the userIdentity.type of a caller Cairn could not
// authenticate (a key it does not know, or a signature it could not verify)
// on a call it forwarded to an upstream service anyway.
const TypeUnknown = "Unknown"

// UnknownPrincipal is an unauthenticated caller known only by the access key
// id it signed with; it records as {"type":"Unknown","accessKeyId":...}.
func UnknownPrincipal(accessKeyID string) Principal {
	return Principal{Type: TypeUnknown, AccessKeyID: accessKeyID}
}
