package identity

import (
	"crypto/rand"
	"fmt"
	"regexp"
)

const (
	base32Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	secretAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/+"

	accessKeyPrefix = "AKIA"
	userIDPrefix    = "AIDA"
	accessKeyIDLen  = 16 // characters after the prefix
	userIDLen       = 17 // characters after the prefix
	secretLen       = 40
)

var (
	accountIDRe   = regexp.MustCompile(`^[1-9][0-9]{11}$`)
	accessKeyIDRe = regexp.MustCompile(`^\w{1,128}$`)
	secretRe      = regexp.MustCompile(`^[\x21-\x7e]{1,128}$`)
)

// randomString returns n characters drawn uniformly from alphabet, whose
// length must divide 256.
func randomString(alphabet string, n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// NewAccountID returns 12 random digits, the first not 0.
func NewAccountID() string {
	b := make([]byte, 12)
	for i := range b {
		lo := byte('0')
		if i == 0 {
			lo = '1'
		}
		b[i] = lo + randomDigit(10-int(lo-'0'))
	}
	return string(b)
}

// randomDigit returns a uniform value in [0, n) for n <= 10.
func randomDigit(n int) byte {
	limit := 256 - 256%n
	var b [1]byte
	for {
		_, _ = rand.Read(b[:])
		if int(b[0]) < limit {
			return byte(int(b[0]) % n)
		}
	}
}

// NewAccessKeyID returns "AKIA" followed by 16 characters of [A-Z2-7].
func NewAccessKeyID() string { return accessKeyPrefix + randomString(base32Alphabet, accessKeyIDLen) }

// NewUserID returns "AIDA" followed by 17 characters of [A-Z2-7].
func NewUserID() string { return userIDPrefix + randomString(base32Alphabet, userIDLen) }

// NewSecret returns a 40-character secret access key of [A-Za-z0-9/+].
func NewSecret() string { return randomString(secretAlphabet, secretLen) }

func checkBootstrapArgs(accountID, accessKeyID, secret string) error {
	if !accountIDRe.MatchString(accountID) {
		return fmt.Errorf("%w: account id must be 12 digits not starting with 0", ErrInvalidInput)
	}
	if !accessKeyIDRe.MatchString(accessKeyID) {
		return fmt.Errorf("%w: access key id must be 1..128 characters of [A-Za-z0-9_]", ErrInvalidInput)
	}
	if !secretRe.MatchString(secret) {
		return fmt.Errorf("%w: secret access key must be 1..128 printable non-space ASCII characters", ErrInvalidInput)
	}
	return nil
}
