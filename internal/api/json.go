package api

import (
	"encoding/json"
	"net/http"
	"strings"
)

// JSONContentType is the content type of AWS JSON 1.1 requests and responses.
const JSONContentType = "application/x-amz-json-1.1"

// JSON is the AWS JSON 1.1 protocol (X-Amz-Target: <TargetPrefix>.<Operation>).
type JSON struct {
	TargetPrefix string // e.g. "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101"
}

// Operation returns the operation named by X-Amz-Target, "" if the target is
// missing or names another service. Both target forms clients send are
// accepted: botocore's full prefix ("com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.Op")
// and the Smithy SDKs' service-shape form ("CloudTrail_20131101.Op").
func (p JSON) Operation(r *http.Request, _ []byte) string {
	t := r.Header.Get("X-Amz-Target")
	if t == "" && r.URL != nil { // presigners hoist X-Amz-* headers into the query
		t = r.URL.Query().Get("X-Amz-Target")
	}
	i := strings.LastIndexByte(t, '.')
	if i < 0 || !p.OwnsTarget(t[:i]) {
		return ""
	}
	return t[i+1:]
}

// OwnsTarget reports whether prefix (an X-Amz-Target without its operation)
// names this protocol's service.
func (p JSON) OwnsTarget(prefix string) bool {
	if p.TargetPrefix == "" {
		return false
	}
	short := p.TargetPrefix[strings.LastIndexByte(p.TargetPrefix, '.')+1:]
	return prefix == p.TargetPrefix || prefix == short
}

// ErrorResult renders err as {"__type": code, "message": msg}.
func (p JSON) ErrorResult(op string, err *Error, requestID string) *Result {
	body, _ := json.Marshal(struct {
		Type    string `json:"__type"`
		Message string `json:"message"`
	}{err.Code, err.Message})
	return &Result{
		Status:       err.HTTPStatus(),
		Header:       JSONHeader(requestID),
		Body:         body,
		EventName:    op,
		ErrorCode:    err.Code,
		ErrorMessage: err.Message,
	}
}

// JSONHeader is the header set of a JSON 1.1 response.
func JSONHeader(requestID string) http.Header {
	return http.Header{"Content-Type": {JSONContentType}, "X-Amzn-Requestid": {requestID}}
}

// JSONResult renders a successful JSON 1.1 response for op.
func (p JSON) JSONResult(op string, out any, requestID string) (*Result, error) {
	body, err := json.Marshal(out)
	if err != nil {
		return nil, err
	}
	return &Result{Status: http.StatusOK, Header: JSONHeader(requestID), Body: body, EventName: op}, nil
}
