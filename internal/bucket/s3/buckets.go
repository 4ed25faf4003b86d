package s3

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/cairn-audit/cairn/internal/bucket"
)

// CreateBucket creates the bucket in opts.Region (default: the Store's).
// S3 answers a re-create of one's own bucket in us-east-1 with success, so
// the bucket is looked up first: existing and ours is ErrBucketAlreadyOwned,
// existing and forbidden to us is ErrBucketExists.
func (s *Store) CreateBucket(ctx context.Context, name string, opts bucket.CreateOptions) error {
	switch err := s.headBucket(ctx, name); {
	case err == nil:
		return fmt.Errorf("s3: create bucket %s: %w", name, bucket.ErrBucketAlreadyOwned)
	case errors.Is(err, bucket.ErrAccessDenied): // exists, and is not ours
		return fmt.Errorf("s3: create bucket %s: %w (%v)", name, bucket.ErrBucketExists, err)
	case !errors.Is(err, bucket.ErrNoSuchBucket):
		return fmt.Errorf("s3: create bucket %s: %w", name, err)
	}
	region := opts.Region
	if region == "" {
		region = s.region
	}
	in := &s3.CreateBucketInput{Bucket: aws.String(name)}
	if region != "us-east-1" {
		in.CreateBucketConfiguration = &types.CreateBucketConfiguration{LocationConstraint: types.BucketLocationConstraint(region)}
	}
	// The request goes to the region the bucket is created in.
	_, err := s.client.CreateBucket(ctx, in, func(o *s3.Options) { o.Region = region })
	if err != nil {
		return wrap(err, "create bucket %s", name)
	}
	return nil
}

// headBucket returns nil if the bucket exists and is ours, else an error
// wrapping ErrNoSuchBucket, ErrAccessDenied or another failure (without the
// "s3:" prefix: callers add their context).
func (s *Store) headBucket(ctx context.Context, name string) error {
	_, err := s.client.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(name)})
	if err == nil {
		return nil
	}
	sn := sentinel(err)
	if httpStatus(err) == http.StatusNotFound {
		sn = bucket.ErrNoSuchBucket
	}
	if sn != nil {
		return fmt.Errorf("head bucket %s: %w: %w", name, sn, err)
	}
	return fmt.Errorf("head bucket %s: %w", name, err)
}

// HeadBucket returns the bucket's region (from GetBucketLocation). Created
// is zero: S3 reports it only in ListBuckets.
func (s *Store) HeadBucket(ctx context.Context, name string) (bucket.BucketInfo, error) {
	if err := s.headBucket(ctx, name); err != nil {
		return bucket.BucketInfo{}, fmt.Errorf("s3: %w", err)
	}
	region, err := s.bucketRegion(ctx, name)
	if err != nil {
		return bucket.BucketInfo{}, err
	}
	return bucket.BucketInfo{Name: name, Region: region}, nil
}

func (s *Store) bucketRegion(ctx context.Context, name string) (string, error) {
	out, err := s.client.GetBucketLocation(ctx, &s3.GetBucketLocationInput{Bucket: aws.String(name)})
	if err != nil {
		return "", wrap(err, "get location of bucket %s", name)
	}
	return normRegion(string(out.LocationConstraint)), nil
}

// ListBuckets returns the buckets the credentials own, in name order.
// Regions come from the listing where the server reports them, else from
// GetBucketLocation.
func (s *Store) ListBuckets(ctx context.Context) ([]bucket.BucketInfo, error) {
	var out []bucket.BucketInfo
	in := &s3.ListBucketsInput{}
	for {
		page, err := s.client.ListBuckets(ctx, in)
		if err != nil {
			return nil, wrap(err, "list buckets")
		}
		for _, b := range page.Buckets {
			info := bucket.BucketInfo{Name: aws.ToString(b.Name), Created: aws.ToTime(b.CreationDate)}
			if b.BucketRegion != nil {
				info.Region = normRegion(*b.BucketRegion)
			} else if info.Region, err = s.bucketRegion(ctx, info.Name); err != nil {
				return nil, err
			}
			out = append(out, info)
		}
		if aws.ToString(page.ContinuationToken) == "" {
			// S3 lists by name; not every emulator does.
			sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
			return out, nil
		}
		in.ContinuationToken = page.ContinuationToken
	}
}

// DeleteBucket deletes an empty bucket.
func (s *Store) DeleteBucket(ctx context.Context, name string) error {
	if _, err := s.client.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String(name)}); err != nil {
		return wrap(err, "delete bucket %s", name)
	}
	return nil
}
