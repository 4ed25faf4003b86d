package identity

import (
	"strings"
	"time"
)

// Access key statuses.
const (
	StatusActive   = "Active"
	StatusInactive = "Inactive"
)

// DefaultPath is the IAM path of a user created without one.
const DefaultPath = "/"

// Account is an AWS account: the unit users, keys and events belong to.
type Account struct {
	ID      string    // 12 digits
	Created time.Time // UTC, second precision
}

// RootPrincipal is the account's root user.
func (a Account) RootPrincipal() Principal {
	return Principal{Type: TypeRoot, AccountID: a.ID, ARN: RootARN(a.ID), PrincipalID: a.ID}
}

// Tag is an IAM tag.
type Tag struct {
	Key   string
	Value string
}

// User is an IAM user.
type User struct {
	AccountID string
	UserID    string // "AIDA" + 17 chars of [A-Z2-7]
	Name      string // as created; unique per account case-insensitively
	Path      string // "/" or "/.../"
	Created   time.Time
	Tags      []Tag // never modified in place once stored
}

// ARN is the user's ARN: arn:aws:iam::<acct>:user<path><name>.
func (u User) ARN() string { return UserARN(u.AccountID, u.Path, u.Name) }

// Principal is the user as an authenticated caller (without an access key).
func (u User) Principal() Principal {
	return Principal{Type: TypeIAMUser, AccountID: u.AccountID, ARN: u.ARN(), PrincipalID: u.UserID, UserName: u.Name}
}

// AccessKey is an access key's metadata; the secret is only ever handed out
// by Tx.CreateAccessKey, Bootstrap, RootCredentials and LookupKey.
type AccessKey struct {
	AccountID string
	ID        string // "AKIA" + 16 chars of [A-Z2-7]
	UserName  string // owning IAM user; "" for the account's root user
	Status    string // StatusActive or StatusInactive
	Created   time.Time
}

// Root reports whether the key belongs to the account's root user.
func (k AccessKey) Root() bool { return k.UserName == "" }

// Credentials are an access key with its secret.
type Credentials struct {
	AccountID       string
	AccessKeyID     string
	SecretAccessKey string
}

// Key is what request authentication needs to know about an access key.
// It has the shape of auth.Key; see LookupKey.
type Key struct {
	Secret    string
	Active    bool
	Principal Principal // with AccessKeyID set
}

// RootARN is the ARN of an account's root user.
func RootARN(accountID string) string { return "arn:aws:iam::" + accountID + ":root" }

// UserARN is the ARN of an IAM user.
func UserARN(accountID, path, name string) string {
	if path == "" {
		path = DefaultPath
	}
	return "arn:aws:iam::" + accountID + ":user" + path + name
}

// foldName is the case-insensitive form of an IAM name.
func foldName(name string) string { return strings.ToLower(name) }
