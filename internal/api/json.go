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
// missing or names another service.
func (p JSON) Operation(r *http.Request, _ []byte) string {
	t := r.Header.Get("X-Amz-Target")
	prefix, op, ok := strings.Cut(t, ".")
	for ok && strings.Contains(op, ".") { // prefix itself contains dots
		var rest string
		rest, op, _ = strings.Cut(op, ".")
		prefix += "." + rest
	}
	if !ok || prefix != p.TargetPrefix {
		return ""
	}
	return op
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
