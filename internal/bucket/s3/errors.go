package s3

import (
	"errors"
	"fmt"
	"net/http"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"

	"github.com/cairn-audit/cairn/internal/bucket"
)

// codes maps S3 error codes to the bucket package's sentinel errors.
var codes = map[string]error{
	"NoSuchBucket":            bucket.ErrNoSuchBucket,
	"NoSuchKey":               bucket.ErrNoSuchKey,
	"BucketAlreadyExists":     bucket.ErrBucketExists,
	"BucketAlreadyOwnedByYou": bucket.ErrBucketAlreadyOwned,
	"BucketNotEmpty":          bucket.ErrBucketNotEmpty,
	"AccessDenied":            bucket.ErrAccessDenied,
	"AllAccessDisabled":       bucket.ErrAccessDenied,
	"InvalidRange":            bucket.ErrInvalidRange,
	"BadDigest":               bucket.ErrBadDigest,
	"InvalidDigest":           bucket.ErrBadDigest,
	"InvalidBucketName":       bucket.ErrInvalidBucketName,
	"KeyTooLongError":         bucket.ErrInvalidKey,
}

// statuses maps HTTP statuses of errors without a (known) code, such as the
// body-less answers to HEAD requests.
var statuses = map[int]error{
	http.StatusForbidden:                    bucket.ErrAccessDenied,
	http.StatusRequestedRangeNotSatisfiable: bucket.ErrInvalidRange,
}

// sentinel returns the bucket error err stands for, or nil.
func sentinel(err error) error {
	var api smithy.APIError
	if errors.As(err, &api) {
		if s, ok := codes[api.ErrorCode()]; ok {
			return s
		}
	}
	return statuses[httpStatus(err)]
}

func httpStatus(err error) int {
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		return re.HTTPStatusCode()
	}
	return 0
}

// wrap adds what was being done and, when S3's error maps to one, the
// bucket sentinel, keeping the SDK error in the chain too.
func wrap(err error, format string, args ...any) error {
	what := fmt.Sprintf(format, args...)
	if s := sentinel(err); s != nil {
		return fmt.Errorf("s3: %s: %w: %w", what, s, err)
	}
	return fmt.Errorf("s3: %s: %w", what, err)
}
