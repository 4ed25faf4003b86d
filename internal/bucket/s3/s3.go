// Package s3 is the bucket.Store backend for any S3-compatible endpoint (AWS
// S3, MinIO, moto, ...), through aws-sdk-go-v2 with static credentials.
//
// Behaviour that differs from the embedded store (bucket/file):
//   - PutOptions.ETag is ignored: the server computes ETags.
//   - CreateOptions.Owner is ignored and BucketInfo.Owner is "": the owner is
//     whoever the credentials belong to.
//   - HeadBucket's Created is zero (S3 only reports it in ListBuckets).
//   - Object requests go to the configured Region; a bucket in another
//     region must be reached through a Store configured for that region.
//
// It does not implement bucket.Stager: external S3 cannot stage a write.
// Get with a Range returns the full object size in ObjectInfo.Size, as the
// embedded store does.
package s3

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/cairn-audit/cairn/internal/bucket"
	"github.com/cairn-audit/cairn/internal/outbound"
)

// Options configure a Store.
type Options struct {
	// Endpoint is the base URL of the S3 API, e.g. "http://127.0.0.1:9000".
	// Empty means AWS S3 itself.
	Endpoint string
	// Region signs requests and is the default location. Default: us-east-1.
	Region string
	// Static credentials; SessionToken may be empty.
	AccessKeyID, SecretAccessKey, SessionToken string
	// PathStyle addresses buckets as Endpoint/bucket rather than
	// bucket.Endpoint. It is on whenever Endpoint is set, unless
	// VirtualHostStyle is set (for endpoints that require virtual hosts).
	PathStyle        bool
	VirtualHostStyle bool
	// HTTPClient makes the requests. Default: an outbound client with the
	// Outbound deadlines (tests may give their own).
	HTTPClient *http.Client
	// Outbound sets the connect, TLS, response-header and progress deadlines
	// of each request; zero fields take outbound's defaults.
	Outbound outbound.Options
	// OperationTimeout bounds one operation, SDK retries included (see
	// operationDeadline). Default DefaultOperationTimeout.
	OperationTimeout time.Duration
	// RetryMaxAttempts bounds attempts per request. Default (0): the SDK's (3).
	RetryMaxAttempts int
	// TempDir receives the temp files bodies of unknown length, or that cannot
	// seek, are spooled to before upload. Default: os.TempDir().
	TempDir string
}

// Store is a bucket.Store on an S3-compatible endpoint. It is safe for
// concurrent use.
type Store struct {
	client  *s3.Client
	region  string
	tempDir string
}

var _ bucket.Store = (*Store)(nil)

// New returns a Store for the endpoint. It does not contact the endpoint.
//
// Requests carry checksums only where S3 requires them
// (RequestChecksumCalculation WhenRequired: no CRC32 trailers, which S3
// emulators such as moto reject or ignore), and Put sends Content-MD5 when
// the caller gave one.
func New(ctx context.Context, opts Options) (*Store, error) {
	if opts.Region == "" {
		opts.Region = "us-east-1"
	}
	if opts.AccessKeyID == "" || opts.SecretAccessKey == "" {
		return nil, fmt.Errorf("s3 bucket store: access key ID and secret access key are required")
	}
	so := s3.Options{
		Region:                     opts.Region,
		Credentials:                credentials.NewStaticCredentialsProvider(opts.AccessKeyID, opts.SecretAccessKey, opts.SessionToken),
		UsePathStyle:               !opts.VirtualHostStyle && (opts.PathStyle || opts.Endpoint != ""),
		RetryMaxAttempts:           opts.RetryMaxAttempts,
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired,
	}
	if opts.Endpoint != "" {
		u, err := url.Parse(opts.Endpoint)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("s3 bucket store: endpoint %q is not an http(s) URL", opts.Endpoint)
		}
		so.BaseEndpoint = aws.String(opts.Endpoint)
	}
	if opts.HTTPClient != nil {
		so.HTTPClient = opts.HTTPClient
	} else {
		so.HTTPClient = httpClient(opts.Outbound)
	}
	if opts.OperationTimeout <= 0 {
		opts.OperationTimeout = DefaultOperationTimeout
	}
	endpoint := opts.Endpoint
	if endpoint == "" {
		endpoint = "https://s3." + opts.Region + ".amazonaws.com"
	}
	so.APIOptions = append(so.APIOptions, operationDeadline(opts.OperationTimeout, endpoint))
	return &Store{client: s3.New(so), region: opts.Region, tempDir: opts.TempDir}, nil
}

// normRegion maps a location constraint to BucketInfo.Region: "" (and
// us-east-1) is us-east-1, "EU" is the legacy name of eu-west-1.
func normRegion(r string) string {
	switch r {
	case "us-east-1":
		return ""
	case "EU":
		return "eu-west-1"
	}
	return r
}
