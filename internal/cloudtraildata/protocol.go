package cloudtraildata

import (
	"encoding/json"
	"net/http"

	"github.com/cairn-audit/cairn/internal/api"
)

// RestJSONContentType is the content type of rest-json responses.
const RestJSONContentType = "application/json"

// RestJSON is the AWS rest-json protocol as CloudTrail Data speaks it: the
// operation is named by method and path, and errors are a JSON body
// {"message": ...} with the error code in the X-Amzn-ErrorType header (and
// the body's "code"), which is where botocore and the Smithy SDKs read it.
type RestJSON struct{}

// Operation names the operation of a request: POST /PutAuditEvents.
func (RestJSON) Operation(r *http.Request, _ []byte) string {
	if r.URL != nil {
		return operation(r.Method, r.URL.Path)
	}
	return ""
}

func operation(method, path string) string {
	if method == http.MethodPost && (path == "/PutAuditEvents" || path == "/PutAuditEvents/") {
		return "PutAuditEvents"
	}
	return ""
}

// ErrorResult renders err as a rest-json error.
func (RestJSON) ErrorResult(op string, err *api.Error, requestID string) *api.Result {
	body, _ := json.Marshal(struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	}{err.Code, err.Message})
	h := header(requestID)
	h.Set("X-Amzn-Errortype", err.Code)
	return &api.Result{
		Status:       err.HTTPStatus(),
		Header:       h,
		Body:         body,
		EventName:    op,
		ErrorCode:    err.Code,
		ErrorMessage: err.Message,
	}
}

func header(requestID string) http.Header {
	return http.Header{"Content-Type": {RestJSONContentType}, "X-Amzn-Requestid": {requestID}}
}
