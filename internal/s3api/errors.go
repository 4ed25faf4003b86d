package s3api

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/cairn-audit/cairn/internal/api"
	"github.com/cairn-audit/cairn/internal/auth"
	"github.com/cairn-audit/cairn/internal/bucket"
)

// s3Error is an S3 error with the extra elements its <Error> document carries.
type s3Error struct {
	code, message string
	status        int
	fields        []xmlField
}

func (e *s3Error) Error() string { return e.code + ": " + e.message }

func newError(status int, code, message string, fields ...xmlField) *s3Error {
	return &s3Error{code: code, message: message, status: status, fields: fields}
}

func errNoSuchBucket(name string) *s3Error {
	return newError(http.StatusNotFound, "NoSuchBucket", "The specified bucket does not exist", xmlField{"BucketName", name})
}

func errNoSuchKey(key string) *s3Error {
	return newError(http.StatusNotFound, "NoSuchKey", "The specified key does not exist.", xmlField{"Key", key})
}

func errAccessDenied() *s3Error {
	return newError(http.StatusForbidden, "AccessDenied", "Access Denied")
}

func errNoSuchUpload(id string) *s3Error {
	return newError(http.StatusNotFound, "NoSuchUpload",
		"The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.",
		xmlField{"UploadId", id})
}

func errInvalidArgument(name, value, format string, args ...any) *s3Error {
	return newError(http.StatusBadRequest, "InvalidArgument", fmt.Sprintf(format, args...),
		xmlField{"ArgumentName", name}, xmlField{"ArgumentValue", value})
}

func errMalformedXML() *s3Error {
	return newError(http.StatusBadRequest, "MalformedXML",
		"The XML you provided was not well-formed or did not validate against our published schema")
}

func errInvalidDigest() *s3Error {
	return newError(http.StatusBadRequest, "InvalidDigest", "The Content-MD5 you specified was invalid.")
}

func errBadDigest() *s3Error {
	return newError(http.StatusBadRequest, "BadDigest", "The Content-MD5 you specified did not match what we received.")
}

func errKeyTooLong() *s3Error {
	return newError(http.StatusBadRequest, "KeyTooLongError", "Your key is too long")
}

func errEntityTooLarge(max int64) *s3Error {
	return newError(http.StatusBadRequest, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size",
		xmlField{"MaxSizeAllowed", fmt.Sprint(max)})
}

func errPreconditionFailed(condition string) *s3Error {
	return newError(http.StatusPreconditionFailed, "PreconditionFailed",
		"At least one of the pre-conditions you specified did not hold", xmlField{"Condition", condition})
}

func errMethodNotAllowed(method string) *s3Error {
	return newError(http.StatusMethodNotAllowed, "MethodNotAllowed", "The specified method is not allowed against this resource.",
		xmlField{"Method", method})
}

func errNotImplemented(op string) *s3Error {
	return newError(http.StatusNotImplemented, "NotImplemented",
		fmt.Sprintf("Cairn's S3 API does not implement %s. It serves buckets (create, head, list, delete, location) and objects (put, get, head, copy, delete, list, multipart upload); bucket policies, ACLs (but GetBucketAcl), versioning, tagging and other bucket and object configuration are not implemented.", op))
}

// errorResult renders err, a failure of rq, as S3 does.
func (s *Service) errorResult(rq *request, err error) *api.Result {
	e, fields := s.classify(rq, err)
	if e.HTTPStatus() >= http.StatusInternalServerError {
		s.opts.Logger.Error("s3 call failed", "operation", rq.op.name, "bucket", rq.bucket, "key", rq.key, "requestId", rq.c.RequestID, "err", err)
	}
	if r := rq.resourcePath(); r != "" {
		fields = append(fields, xmlField{"Resource", r})
	}
	return renderError(rq.op.event, e, fields, rq.c.RequestID)
}

// classify turns any failure into the S3 error the client gets.
func (s *Service) classify(rq *request, err error) (*api.Error, []xmlField) {
	var se *s3Error
	var ae *auth.Error
	var e *api.Error
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &se):
		return &api.Error{Code: se.code, Message: se.message, Status: se.status}, se.fields
	case errors.As(err, &ae):
		return s3Code(ae.APIError(true)), nil
	case errors.As(err, &e):
		return s3Code(e), nil
	case errors.As(err, &tooBig):
		return asAPI(errEntityTooLarge(tooBig.Limit))
	case errors.Is(err, bucket.ErrNoSuchBucket):
		return asAPI(errNoSuchBucket(rq.bucket))
	case errors.Is(err, bucket.ErrNoSuchKey):
		return asAPI(errNoSuchKey(rq.key))
	case errors.Is(err, bucket.ErrBucketExists):
		return asAPI(newError(http.StatusConflict, "BucketAlreadyExists",
			"The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again.",
			xmlField{"BucketName", rq.bucket}))
	case errors.Is(err, bucket.ErrBucketAlreadyOwned):
		return asAPI(newError(http.StatusConflict, "BucketAlreadyOwnedByYou",
			"Your previous request to create the named bucket succeeded and you already own it.", xmlField{"BucketName", rq.bucket}))
	case errors.Is(err, bucket.ErrBucketNotEmpty):
		return asAPI(newError(http.StatusConflict, "BucketNotEmpty", "The bucket you tried to delete is not empty", xmlField{"BucketName", rq.bucket}))
	case errors.Is(err, bucket.ErrInvalidBucketName):
		return asAPI(newError(http.StatusBadRequest, "InvalidBucketName", "The specified bucket is not valid.", xmlField{"BucketName", rq.bucket}))
	case errors.Is(err, bucket.ErrInvalidKey):
		if len(rq.key) > maxKeyBytes {
			return asAPI(errKeyTooLong())
		}
		return asAPI(errInvalidArgument("key", rq.key, "Object key %q cannot be stored.", rq.key))
	case errors.Is(err, bucket.ErrInvalidRange):
		return asAPI(newError(http.StatusRequestedRangeNotSatisfiable, "InvalidRange", "The requested range is not satisfiable",
			xmlField{"RangeRequested", rq.c.Header.Get("Range")}))
	case errors.Is(err, bucket.ErrAccessDenied):
		return asAPI(errAccessDenied())
	case errors.Is(err, bucket.ErrBadDigest):
		return asAPI(errBadDigest())
	case errors.Is(err, io.ErrUnexpectedEOF):
		return asAPI(newError(http.StatusBadRequest, "IncompleteBody", "You did not provide the number of bytes specified by the Content-Length HTTP header."))
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return asAPI(newError(http.StatusBadRequest, "RequestTimeout",
			"Your socket connection to the server was not read from or written to within the timeout period. Idle connections will be closed."))
	}
	return &api.Error{Code: "InternalError", Message: "We encountered an internal error. Please try again.", Status: http.StatusInternalServerError}, nil
}

func asAPI(e *s3Error) (*api.Error, []xmlField) {
	return &api.Error{Code: e.code, Message: e.message, Status: e.status}, e.fields
}
