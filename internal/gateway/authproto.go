package gateway

import (
	"context"
	"net/http"

	"github.com/cairn-audit/cairn/internal/api"
	"github.com/cairn-audit/cairn/internal/s3api"
)

// callService is the api.Service the front door's AuthFailed takes for a
// call the gateway refuses: the upstream service's eventSource, and a
// Protocol that renders errors in the service's own wire format and codes.
type callService struct{ c *call }

func (s callService) SigningName() string                           { return s.c.info.SigningName }
func (s callService) EventSource() string                           { return s.c.info.EventSource }
func (s callService) Global() bool                                  { return globalServices[s.c.info.SigningName] }
func (s callService) Protocol() api.Protocol                        { return callProtocol(s) }
func (s callService) Handle(context.Context, *api.Call) *api.Result { return nil }

// callProtocol renders the errors Cairn raises for a call (authentication
// failures, recording failures) as the upstream service would.
type callProtocol struct{ c *call }

// Operation is the call's eventName, resolved before authentication.
func (p callProtocol) Operation(*http.Request, []byte) string { return p.c.eventName() }

// ErrorResult renders e for the call, with the service's own code for it
// (serviceError), and what the event records of the operation (readOnly,
// data event).
func (p callProtocol) ErrorResult(op string, e *api.Error, requestID string) *api.Result {
	c := p.c
	var res *api.Result
	if c.info.SigningName == "s3" {
		res = s3api.Protocol{}.ErrorResult(op, e, requestID) // InvalidAccessKeyId, SignatureDoesNotMatch, ...
	} else {
		se := serviceError(c.info.SigningName, c.info.Protocol, e)
		h, body := renderError(c.info.Protocol, se, requestID)
		res = &api.Result{Status: se.HTTPStatus(), Header: h, Body: body, EventName: op, ErrorCode: se.Code, ErrorMessage: se.Message}
		if c.info.Protocol == ProtoJSON && queryCompatible[c.info.SigningName] {
			res.Header.Set("X-Amzn-Query-Error", se.Code+";Sender")
		}
	}
	res.ReadOnly = c.readOnly
	res.DataEvent = isDataEvent(c.info.SigningName, c.name)
	return res
}

// queryCompatible are the JSON services that were Query services and keep
// their Query error codes (botocore's awsQueryCompatible: SQS, CloudWatch):
// the code goes in __type and in x-amzn-query-error.
var queryCompatible = map[string]bool{"sqs": true, "monitoring": true}

// queryCodes are the Query-protocol codes of the front door's JSON-protocol
// authentication codes (auth.Error.Code).
var queryCodes = map[string]string{
	"UnrecognizedClientException":         "InvalidClientTokenId",
	"InvalidSignatureException":           "SignatureDoesNotMatch",
	"IncompleteSignatureException":        "IncompleteSignature",
	"MissingAuthenticationTokenException": "MissingAuthenticationToken",
	"ExpiredTokenException":               "ExpiredToken",
}

// serviceError is e with the code the service gives it: JSON services keep
// the JSON-protocol codes (UnrecognizedClientException,
// InvalidSignatureException); Query, REST-XML and query-compatible JSON
// services take the Query codes (InvalidClientTokenId,
// SignatureDoesNotMatch); EC2 answers AuthFailure for a key or signature it
// cannot validate.
func serviceError(service, proto string, e *api.Error) *api.Error {
	out := *e
	q, ok := queryCodes[e.Code]
	if !ok {
		return &out
	}
	switch {
	case proto == ProtoEC2 && (q == "InvalidClientTokenId" || q == "SignatureDoesNotMatch"):
		out.Code, out.Message = "AuthFailure", "AWS was not able to validate the provided access credentials"
	case proto == ProtoQuery || proto == ProtoEC2 || proto == ProtoRESTXML || queryCompatible[service]:
		out.Code = q
	}
	return &out
}
