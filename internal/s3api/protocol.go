package s3api

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/base64"
	"encoding/xml"
	"net/http"
	"slices"
	"strings"

	"github.com/cairn-audit/cairn/internal/api"
	"github.com/cairn-audit/cairn/internal/auth"
)

// Protocol is S3's REST-XML protocol: the operation is told by method, path
// (bucket, key) and query (subresources); errors are <Error> documents.
type Protocol struct {
	suffixes []string // virtual-host suffixes, lower case, longest first
}

var _ api.Protocol = Protocol{}

// NewProtocol returns the protocol for the given virtual-host suffixes (see
// Options.VirtualHostSuffixes).
func NewProtocol(suffixes []string) Protocol {
	var p Protocol
	for _, s := range suffixes {
		if s = strings.Trim(strings.ToLower(s), "."); s != "" {
			p.suffixes = append(p.suffixes, s)
		}
	}
	slices.SortStableFunc(p.suffixes, func(a, b string) int { return cmp.Compare(len(b), len(a)) })
	return p
}

// Operation names the operation as its event records it (e.g. ListObjects
// for ListObjectsV2), "" if the method is not allowed on the resource.
func (p Protocol) Operation(r *http.Request, _ []byte) string {
	if r.URL == nil {
		return ""
	}
	return lookupOperation(r.Method, p.target(r.Host, r.URL.Path), r.URL.Query(), r.Header).event
}

// ErrorResult renders an error the front door raises (authentication,
// recording failures) as S3 does. The codes of the other protocols the
// front door speaks are translated to S3's (InvalidClientTokenId →
// InvalidAccessKeyId, InternalFailure → InternalError, ...). HEAD responses
// carry no body.
func (p Protocol) ErrorResult(op string, err *api.Error, requestID string) *api.Result {
	e, fields := s3AuthFields(s3Code(err))
	return renderError(op, e, fields, requestID)
}

// s3AuthFields moves the header names of an auth.KindHeadersNotSigned
// failure out of the message into S3's HeadersNotSigned element.
func s3AuthFields(e *api.Error) (*api.Error, []xmlField) {
	names, ok := strings.CutPrefix(e.Message, auth.MsgHeadersNotSigned+": ")
	if !ok || e.Code != "AccessDenied" {
		return e, nil
	}
	c := *e
	c.Message = auth.MsgHeadersNotSigned
	return &c, []xmlField{{"HeadersNotSigned", names}}
}

// s3Code translates an error of the front door or of auth to S3's code.
func s3Code(err *api.Error) *api.Error {
	e := *err
	switch err.Code {
	case "MissingAuthenticationTokenException", "MissingAuthenticationToken":
		e.Code, e.Status = "AccessDenied", http.StatusForbidden
	case "AccessDeniedException":
		e.Code = "AccessDenied"
	case "UnrecognizedClientException", "InvalidClientTokenId":
		e.Code, e.Message = "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records."
	case "InvalidSignatureException", "SignatureDoesNotMatch":
		e.Code = "SignatureDoesNotMatch"
		switch {
		case strings.HasPrefix(err.Message, "Signature expired"), strings.HasPrefix(err.Message, "Signature not yet current"):
			e.Code = "RequestTimeTooSkewed"
		case strings.HasPrefix(err.Message, "Request has expired"):
			e.Code = "AccessDenied"
		}
	case "IncompleteSignatureException", "IncompleteSignature":
		e.Code = "AuthorizationHeaderMalformed"
	case "ExpiredTokenException":
		e.Code, e.Status = "ExpiredToken", http.StatusBadRequest
	case "InternalFailure":
		e.Code = "InternalError"
	case "RequestEntityTooLarge":
		e.Code, e.Status = "EntityTooLarge", http.StatusBadRequest
	}
	return &e
}

// xmlField is an extra element of an <Error> document (BucketName, Key, ...).
type xmlField struct{ name, value string }

// renderError renders an S3 <Error> document for operation op (an event name).
func renderError(op string, err *api.Error, fields []xmlField, requestID string) *api.Result {
	res := &api.Result{
		Status:       err.HTTPStatus(),
		Header:       responseHeader(requestID),
		EventName:    op,
		ErrorCode:    err.Code,
		ErrorMessage: err.Message,
	}
	if op == "HeadObject" || op == "HeadBucket" {
		return res // HEAD responses have no body; clients go by the status
	}
	var b bytes.Buffer
	b.WriteString(xml.Header)
	b.WriteString("<Error><Code>")
	xml.EscapeText(&b, []byte(err.Code))
	b.WriteString("</Code><Message>")
	xml.EscapeText(&b, []byte(err.Message))
	b.WriteString("</Message>")
	for _, f := range fields {
		b.WriteString("<" + f.name + ">")
		xml.EscapeText(&b, []byte(f.value))
		b.WriteString("</" + f.name + ">")
	}
	b.WriteString("<RequestId>" + requestID + "</RequestId><HostId>" + hostID(requestID) + "</HostId></Error>")
	res.Header.Set("Content-Type", "application/xml")
	res.Body = b.Bytes()
	return res
}

// responseHeader is the header set every S3 response carries.
func responseHeader(requestID string) http.Header {
	return http.Header{
		"X-Amz-Request-Id": {requestID},
		"X-Amz-Id-2":       {hostID(requestID)},
		"Server":           {"Cairn"},
	}
}

// hostID stands in for S3's x-amz-id-2: an opaque base64 token.
func hostID(requestID string) string {
	s := sha256.Sum256([]byte("cairn-host-id:" + requestID))
	return base64.StdEncoding.EncodeToString(s[:])
}
