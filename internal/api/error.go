package api

import (
	"errors"
	"fmt"
	"net/http"
)

// Error is an AWS error: its code is the exception name clients key on.
type Error struct {
	Code    string
	Message string
	Status  int // HTTP status; 400 if zero
	Sender  bool
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// HTTPStatus is the status to send for the error.
func (e *Error) HTTPStatus() int {
	if e.Status == 0 {
		return http.StatusBadRequest
	}
	return e.Status
}

// Errorf builds a 400 error with a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), Status: http.StatusBadRequest}
}

// AsError converts any error to an *Error; unknown errors become InternalFailure (500).
func AsError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Code: "InternalFailure", Message: "The request processing has failed because of an unknown error, exception or failure.", Status: http.StatusInternalServerError}
}

// ErrorResult is a convenience for handlers: a failed Result for op, rendered by p.
func ErrorResult(p Protocol, op string, err error, requestID string) *Result {
	return p.ErrorResult(op, AsError(err), requestID)
}
