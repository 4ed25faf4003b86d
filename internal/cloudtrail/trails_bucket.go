package cloudtrail

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"github.com/cairn-audit/cairn/internal/trail"

	objstore "github.com/cairn-audit/cairn/internal/bucket"
	"github.com/cairn-audit/cairn/internal/cloudtrail/cterr"
)

// writeCheckObject is the zero-byte object CreateTrail/UpdateTrail write
// and delete under AWSLogs/<account>/ to prove the trail can deliver.
const writeCheckObject = "cairn-write-check"

// checkBucket verifies that CloudTrail can deliver the account's logs to
// the bucket under the prefix: the bucket exists, belongs to the account (where
// the backend knows owners), and accepts a write and a delete under the
// delivery path.
func (s *Service) checkBucket(ctx context.Context, account, name, prefix string) error {
	missing := cterr.S3BucketDoesNotExist.New("S3 bucket %s does not exist!", name)
	denied := cterr.InsufficientS3BucketPolicy.New("Incorrect S3 bucket policy is detected for bucket: %s", name)
	if s.opts.Buckets == nil {
		return missing
	}
	classify := func(what string, err error) error {
		switch {
		case errors.Is(err, objstore.ErrNoSuchBucket):
			return missing
		case errors.Is(err, objstore.ErrAccessDenied):
			return denied
		case errors.Is(err, objstore.ErrInvalidBucketName):
			return cterr.InvalidS3BucketName.New("Bucket name %q is not valid.", name)
		}
		return fmt.Errorf("%s bucket %s: %w", what, name, err)
	}
	info, err := s.opts.Buckets.HeadBucket(ctx, name)
	if err != nil {
		return classify("check", err)
	}
	if info.Owner != "" && info.Owner != account {
		return denied
	}
	key := "AWSLogs/" + account + "/" + writeCheckObject
	if prefix != "" {
		key = prefix + "/" + key
	}
	if _, err := s.opts.Buckets.Put(ctx, name, key, bytes.NewReader(nil), objstore.PutOptions{Size: 0}); err != nil {
		return classify("write to", err)
	}
	if err := s.opts.Buckets.Delete(ctx, name, key); err != nil {
		return classify("delete from", err)
	}
	return nil
}

// resolveSnsTopic checks that the topic (named by SnsTopicName) is one
// Cairn can notify from the trail's home region and returns its name and ARN.
func (s *Service) resolveSnsTopic(v, region, account string) (name, arn string, err error) {
	name, topicRegion, topicAccount, err := trail.ParseSnsTopic(v)
	if err != nil {
		return "", "", err
	}
	_, known := s.opts.SNSTopics[name]
	if !known || topicRegion != "" && topicRegion != region || topicAccount != "" && topicAccount != account {
		return "", "", cterr.InsufficientSnsTopicPolicy.New("SNS Topic does not exist or the topic policy is incorrect!")
	}
	return name, "arn:aws:sns:" + region + ":" + account + ":" + name, nil
}
