package iam

import (
	"context"
	"errors"
	"net/http"

	"github.com/cairn-audit/cairn/internal/api"
	"github.com/cairn-audit/cairn/internal/identity"
)

// IAM error codes.
const (
	codeNoSuchEntity        = "NoSuchEntity"
	codeEntityAlreadyExists = "EntityAlreadyExists"
	codeLimitExceeded       = "LimitExceeded"
	codeDeleteConflict      = "DeleteConflict"
	codeInvalidInput        = "InvalidInput"
	codeValidationError     = "ValidationError"
	codeServiceFailure      = "ServiceFailure"
)

func apiErr(code string, status int, msg string) *api.Error {
	return &api.Error{Code: code, Message: msg, Status: status, Sender: status < 500}
}

func noSuchUser(name string) *api.Error {
	return apiErr(codeNoSuchEntity, http.StatusNotFound, "The user with name "+name+" cannot be found.")
}

func noSuchKey(id string) *api.Error {
	return apiErr(codeNoSuchEntity, http.StatusNotFound, "The Access Key with id "+id+" cannot be found.")
}

// storeError maps an identity store error about user name / key id to the
// IAM error AWS returns.
func storeError(err error, userName, keyID string) error {
	var le *identity.LimitError
	switch {
	case errors.Is(err, identity.ErrNoSuchUser):
		return noSuchUser(userName)
	case errors.Is(err, identity.ErrNoSuchKey):
		return noSuchKey(keyID)
	case errors.Is(err, identity.ErrUserExists):
		return apiErr(codeEntityAlreadyExists, http.StatusConflict, "User with name "+userName+" already exists.")
	case errors.Is(err, identity.ErrDeleteConflict):
		return apiErr(codeDeleteConflict, http.StatusConflict, "Cannot delete entity, must delete access keys first.")
	case errors.As(err, &le):
		return apiErr(codeLimitExceeded, http.StatusConflict, "Cannot exceed quota for "+le.Quota+": "+itoa(le.Limit))
	}
	return err
}

// asError renders any error as an IAM error; unknown ones are ServiceFailure.
func asError(err error) *api.Error {
	var e *api.Error
	if errors.As(err, &e) {
		return e
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return apiErr(codeServiceFailure, http.StatusInternalServerError, "The request was cancelled or timed out before it could be processed.")
	}
	return apiErr(codeServiceFailure, http.StatusInternalServerError, "Request processing has failed due to an unknown error, exception or failure.")
}
