package digest

import (
	"crypto"
	"crypto/md5"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"time"
)

// SigningKey is one region's RSA signing key and its public half as
// ListPublicKeys returns it.
type SigningKey struct {
	Private *rsa.PrivateKey
	Public  PublicKey
}

// NewSigningKey wraps priv, valid from start to end.
func NewSigningKey(priv *rsa.PrivateKey, start, end time.Time) (*SigningKey, error) {
	if priv == nil {
		return nil, errors.New("digest: nil private key")
	}
	if !end.After(start) {
		return nil, fmt.Errorf("digest: key validity ends (%s) before it starts (%s)", end.Format(time.RFC3339), start.Format(time.RFC3339))
	}
	der := x509.MarshalPKCS1PublicKey(&priv.PublicKey)
	return &SigningKey{Private: priv, Public: PublicKey{
		Value:         der,
		Fingerprint:   Fingerprint(der),
		ValidityStart: start.UTC(),
		ValidityEnd:   end.UTC(),
	}}, nil
}

// GenerateSigningKey makes a new RSA key of bits bits valid from start to end.
func GenerateSigningKey(bits int, start, end time.Time) (*SigningKey, error) {
	priv, err := rsa.GenerateKey(rand.Reader, bits)
	if err != nil {
		return nil, fmt.Errorf("digest: generate RSA key: %w", err)
	}
	return NewSigningKey(priv, start, end)
}

// Sign signs data with RSA PKCS#1 v1.5 over its SHA-256 (SHA256withRSA).
// The signature is deterministic.
func (k *SigningKey) Sign(data []byte) ([]byte, error) {
	if k == nil || k.Private == nil {
		return nil, errors.New("digest: no signing key")
	}
	h := sha256.Sum256(data)
	sig, err := rsa.SignPKCS1v15(nil, k.Private, crypto.SHA256, h[:])
	if err != nil {
		return nil, fmt.Errorf("digest: sign: %w", err)
	}
	return sig, nil
}

// Fingerprint is a public key's fingerprint: lowercase hex MD5 of its DER
// PKCS#1 RSAPublicKey, as AWS computes it.
func Fingerprint(der []byte) string {
	sum := md5.Sum(der)
	return hex.EncodeToString(sum[:])
}

// RSA parses the key's DER PKCS#1 RSAPublicKey.
func (p PublicKey) RSA() (*rsa.PublicKey, error) {
	return x509.ParsePKCS1PublicKey(p.Value)
}

// Contains reports whether t is in the key's validity [start, end).
func (p PublicKey) Contains(t time.Time) bool {
	return !t.Before(p.ValidityStart) && t.Before(p.ValidityEnd)
}

// Overlaps reports whether the key's validity [start, end) meets [start, end].
func (p PublicKey) Overlaps(start, end time.Time) bool {
	return !p.ValidityStart.After(end) && p.ValidityEnd.After(start)
}
