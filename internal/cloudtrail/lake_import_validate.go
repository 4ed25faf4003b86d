package cloudtrail

import (
	"context"
	"errors"
	"fmt"
	"regexp"

	"github.com/cairn-audit/cairn/internal/api"
	objstore "github.com/cairn-audit/cairn/internal/bucket"
	"github.com/cairn-audit/cairn/internal/cloudtrail/cterr"
	"github.com/cairn-audit/cairn/internal/lake"
)

var (
	importRegionShape = regexp.MustCompile(`^[a-z]{2}(?:-[a-z]+)+-\d+$`)
	importRoleShape   = regexp.MustCompile(`^arn:aws(?:-[a-z]+)*:iam::\d{12}:role/[\w+=,.@/-]{1,512}$`)
)

// importDestination resolves StartImport's one destination: an event data
// store of the caller in the calling region, for CloudTrail events
// (Management, Data, NetworkActivity), ENABLED or STOPPED_INGESTION (copying
// a trail into a store that ingests nothing live is the usual way).
func (s *Service) importDestination(c *api.Call, dests []string) (lake.EventDataStore, error) {
	if len(dests) != 1 {
		return lake.EventDataStore{}, cterr.InvalidParameter.New("Destinations must list exactly one event data store ARN; %d were given.", len(dests))
	}
	e, err := findEventDataStore(s.opts.Lake.Stores, c, dests[0])
	if err != nil {
		return e, err
	}
	for _, cat := range e.Categories() {
		if lake.Kind(cat) != lake.KindCloudTrail {
			return e, cterr.InvalidEventDataStoreCategory.New("Trail events can only be imported into an event data store of CloudTrail events (Management, Data or NetworkActivity); %s collects %s events.", e.ARN, cat)
		}
	}
	switch e.Status {
	case lake.StatusEnabled, lake.StatusStoppedIngestion:
		return e, nil
	case lake.StatusPendingDeletion:
		return e, errEDSInactive(e)
	}
	return e, cterr.InvalidEventDataStoreStatus.New("The event data store %s is %s; imports need it ENABLED or STOPPED_INGESTION.", e.ARN, e.Status)
}

type s3ImportSourceInput struct {
	S3LocationUri         *string `json:"S3LocationUri"`
	S3BucketRegion        *string `json:"S3BucketRegion"`
	S3BucketAccessRoleArn *string `json:"S3BucketAccessRoleArn"`
}

type importSourceInput struct {
	S3 *s3ImportSourceInput `json:"S3"`
}

// importSource validates ImportSource and checks its bucket: it exists
// (InvalidImportSourceException), is in S3BucketRegion, and is the
// caller's or unowned (InsufficientEncryptionPolicyException otherwise, as
// for a bucket policy that does not let CloudTrail read it). The role is
// checked for shape only: Cairn reads the bucket itself.
func (s *Service) importSource(ctx context.Context, c *api.Call, in *importSourceInput) (lake.ImportSource, error) {
	const code = cterr.InvalidParameter
	if in == nil || in.S3 == nil {
		return lake.ImportSource{}, code.New("A new import needs ImportSource.S3.")
	}
	src := lake.ImportSource{S3LocationURI: deref(in.S3.S3LocationUri), S3BucketRegion: deref(in.S3.S3BucketRegion),
		S3BucketAccessRoleARN: deref(in.S3.S3BucketAccessRoleArn)}
	name, _, err := lake.ParseImportURI(src.S3LocationURI)
	if err != nil {
		return src, code.New("S3LocationUri %q is not valid: use s3://bucket or s3://bucket/prefix.", src.S3LocationURI)
	}
	if !importRegionShape.MatchString(src.S3BucketRegion) {
		return src, code.New("S3BucketRegion %q is not a region name.", src.S3BucketRegion)
	}
	if !importRoleShape.MatchString(src.S3BucketAccessRoleARN) {
		return src, code.New("S3BucketAccessRoleArn %q is not an IAM role ARN (arn:aws:iam::123456789012:role/name).", src.S3BucketAccessRoleARN)
	}
	missing := cterr.InvalidImportSource.New("The S3 bucket %s does not exist.", name)
	denied := cterr.InsufficientEncryptionPolicy.New("The policy of S3 bucket %s does not let CloudTrail read it for account %s.", name, c.Caller.AccountID)
	if s.opts.Buckets == nil {
		return src, missing
	}
	info, err := s.opts.Buckets.HeadBucket(ctx, name)
	switch {
	case errors.Is(err, objstore.ErrNoSuchBucket), errors.Is(err, objstore.ErrInvalidBucketName):
		return src, missing
	case errors.Is(err, objstore.ErrAccessDenied):
		return src, denied
	case err != nil:
		return src, fmt.Errorf("check import bucket %s: %w", name, err)
	case info.Owner != "" && info.Owner != c.Caller.AccountID:
		return src, denied
	}
	if region := importBucketRegion(info); region != src.S3BucketRegion {
		return src, cterr.InvalidImportSource.New("The S3 bucket %s is in %s, not %s.", name, region, src.S3BucketRegion)
	}
	return src, nil
}

// importBucketRegion is a bucket's region ("" is S3's us-east-1).
func importBucketRegion(info objstore.BucketInfo) string {
	if info.Region == "" {
		return "us-east-1"
	}
	return info.Region
}
