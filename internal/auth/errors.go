package auth

import (
	"net/http"

	"github.com/cairn-audit/cairn/internal/api"
	"github.com/cairn-audit/cairn/internal/identity"
)

// Kind classifies an authentication failure.
type Kind int

// Authentication failure kinds. Each maps to an AWS error code (see Code).
const (
	KindMissing          Kind = iota + 1 // no Authorization header and no X-Amz-Signature query parameter
	KindUnknownKey                       // access key id (or session token) not recognised
	KindInactiveKey                      // key exists but is deactivated; reported exactly like KindUnknownKey
	KindBadSignature                     // signature does not match
	KindExpired                          // timestamp outside the skew window, or presigned URL expired
	KindMalformed                        // Authorization header / query parameters / scope syntactically wrong
	KindContentMismatch                  // X-Amz-Content-Sha256 does not match the body
	KindExpiredToken                     // temporary credentials past their expiration
	KindHeadersNotSigned                 // a header that must be signed is present but not signed (see signedheaders.go)
	KindBadRegion                        // the scope's region is not one Cairn accepts (see regions.go)
)

// AWS messages for the kinds whose message never varies.
const (
	msgMissing      = "Request is missing Authentication Token"
	msgInvalidToken = "The security token included in the request is invalid."
	msgBadSignature = "The request signature we calculated does not match the signature you provided. " +
		"Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
	msgContentMismatch = "The provided 'x-amz-content-sha256' header does not match what was computed."
	msgExpiredToken    = "The security token included in the request is expired"
)

// MsgHeadersNotSigned starts the message of a KindHeadersNotSigned error
// (S3's wording); ": " and the unsigned header names, lower case, joined by
// ",", follow it.
const MsgHeadersNotSigned = "There were headers present in the request which were not signed"

// MsgBadRegion starts the message of a KindBadRegion error (AWS's wording).
const MsgBadRegion = "Credential should be scoped to a valid region"

// Error is an authentication failure. It never contains the secret key.
type Error struct {
	Kind    Kind
	Message string
	// Principal is set when the access key is known (inactive key, bad
	// signature, expired request, ...), so that failed calls of a known key
	// can be recorded. Nil for missing, malformed and unknown-key failures.
	Principal *identity.Principal
}

func (e *Error) Error() string { return "auth: " + e.Code(false) + ": " + e.Message }

// codes holds, per kind, the AWS JSON-protocol and Query-protocol error codes.
var codes = map[Kind][2]string{
	KindMissing:          {"MissingAuthenticationTokenException", "MissingAuthenticationToken"},
	KindUnknownKey:       {"UnrecognizedClientException", "InvalidClientTokenId"},
	KindInactiveKey:      {"UnrecognizedClientException", "InvalidClientTokenId"},
	KindBadSignature:     {"InvalidSignatureException", "SignatureDoesNotMatch"},
	KindExpired:          {"InvalidSignatureException", "SignatureDoesNotMatch"},
	KindMalformed:        {"IncompleteSignatureException", "IncompleteSignature"},
	KindContentMismatch:  {"XAmzContentSHA256Mismatch", "XAmzContentSHA256Mismatch"},
	KindExpiredToken:     {"ExpiredTokenException", "ExpiredToken"},
	KindHeadersNotSigned: {"AccessDeniedException", "AccessDenied"},
	KindBadRegion:        {"InvalidSignatureException", "SignatureDoesNotMatch"},
}

// Code is the AWS error code: the JSON-protocol exception name (CloudTrail)
// or, when queryProtocol is true, the Query-protocol name (IAM, STS).
func (e *Error) Code(queryProtocol bool) string {
	c, ok := codes[e.Kind]
	if !ok {
		c = codes[KindBadSignature]
	}
	if queryProtocol {
		return c[1]
	}
	return c[0]
}

// Status is the HTTP status AWS answers with: 400 for IncompleteSignature and
// XAmzContentSHA256Mismatch, 403 for everything else.
func (e *Error) Status() int {
	switch e.Kind {
	case KindMalformed, KindContentMismatch:
		return http.StatusBadRequest
	}
	return http.StatusForbidden
}

// APIError converts e to the api.Error the protocol renderers take.
func (e *Error) APIError(queryProtocol bool) *api.Error {
	return &api.Error{Code: e.Code(queryProtocol), Message: e.Message, Status: e.Status(), Sender: true}
}

func newError(k Kind, msg string, p *identity.Principal) *Error {
	return &Error{Kind: k, Message: msg, Principal: p}
}

func malformed(msg string) *Error { return newError(KindMalformed, msg, nil) }
