package cloudtrail

import (
	"context"

	"github.com/cairn-audit/cairn/internal/cloudtrail/cterr"
	"github.com/cairn-audit/cairn/internal/trail"
)

// trailInput is CreateTrailRequest; UpdateTrailRequest is the same without
// TagsList (which UpdateTrail ignores).
type trailInput struct {
	Name                       *string    `json:"Name"`
	S3BucketName               *string    `json:"S3BucketName"`
	S3KeyPrefix                *string    `json:"S3KeyPrefix"`
	SnsTopicName               *string    `json:"SnsTopicName"`
	IncludeGlobalServiceEvents *bool      `json:"IncludeGlobalServiceEvents"`
	IsMultiRegionTrail         *bool      `json:"IsMultiRegionTrail"`
	EnableLogFileValidation    *bool      `json:"EnableLogFileValidation"`
	CloudWatchLogsLogGroupArn  *string    `json:"CloudWatchLogsLogGroupArn"`
	CloudWatchLogsRoleArn      *string    `json:"CloudWatchLogsRoleArn"`
	KmsKeyId                   *string    `json:"KmsKeyId"`
	IsOrganizationTrail        *bool      `json:"IsOrganizationTrail"`
	TagsList                   []tagInput `json:"TagsList"`
}

// destinationChecks are the checks applySettings leaves for later because
// they look at the outside world: the bucket and the SNS topic.
type destinationChecks struct {
	bucket bool   // the bucket or prefix is new: prove delivery works
	sns    string // SnsTopicName as given, "" if not changed to a topic
}

// applySettings validates the settings the call sends and applies them to
// t. Members left out keep their values; an empty string clears an optional
// string member.
func applySettings(t *trail.Trail, in *trailInput) (destinationChecks, error) {
	var checks destinationChecks
	if in.IsOrganizationTrail != nil && *in.IsOrganizationTrail {
		return checks, cterr.OrganizationsNotInUse.New("Cairn has no AWS Organizations yet, so it cannot create organization trails. Set IsOrganizationTrail to false.")
	}
	setBool(&t.IncludeGlobalServiceEvents, in.IncludeGlobalServiceEvents)
	setBool(&t.IsMultiRegionTrail, in.IsMultiRegionTrail)
	setBool(&t.LogFileValidationEnabled, in.EnableLogFileValidation)
	if t.IsMultiRegionTrail && !t.IncludeGlobalServiceEvents {
		return checks, cterr.InvalidParameterCombination.New("Multi-Region trail must include global service events.")
	}
	if in.S3BucketName != nil {
		if err := trail.ValidateBucketName(*in.S3BucketName); err != nil {
			return checks, err
		}
		t.S3BucketName, checks.bucket = *in.S3BucketName, true
	}
	if in.S3KeyPrefix != nil {
		if *in.S3KeyPrefix != "" {
			if err := trail.ValidateS3KeyPrefix(*in.S3KeyPrefix); err != nil {
				return checks, err
			}
		}
		t.S3KeyPrefix, checks.bucket = *in.S3KeyPrefix, true
	}
	if in.SnsTopicName != nil {
		if *in.SnsTopicName == "" {
			t.SnsTopicName, t.SnsTopicARN = "", ""
		} else {
			if _, _, _, err := trail.ParseSnsTopic(*in.SnsTopicName); err != nil {
				return checks, err
			}
			checks.sns = *in.SnsTopicName
		}
	}
	if in.KmsKeyId != nil {
		if *in.KmsKeyId != "" {
			if err := trail.ValidateKmsKeyID(*in.KmsKeyId); err != nil {
				return checks, err
			}
			return checks, errNoKMS(*in.KmsKeyId)
		}
		t.KmsKeyId = ""
	}
	group, role := t.CloudWatchLogsLogGroupArn, t.CloudWatchLogsRoleArn
	setString(&group, in.CloudWatchLogsLogGroupArn)
	setString(&role, in.CloudWatchLogsRoleArn)
	if err := trail.ValidateCloudWatchLogs(group, role); err != nil {
		return checks, err
	}
	if group != "" {
		return checks, errNoCloudWatchLogs()
	}
	t.CloudWatchLogsLogGroupArn, t.CloudWatchLogsRoleArn = "", ""
	return checks, nil
}

// checkDestinations runs the checks applySettings left: delivery to the
// bucket works, and the SNS topic exists.
func (s *Service) checkDestinations(ctx context.Context, t *trail.Trail, checks destinationChecks) error {
	if checks.bucket {
		if err := s.checkBucket(ctx, t.Account, t.S3BucketName, t.S3KeyPrefix); err != nil {
			return err
		}
	}
	if checks.sns != "" {
		name, arn, err := s.resolveSnsTopic(checks.sns, t.HomeRegion, t.Account)
		if err != nil {
			return err
		}
		t.SnsTopicName, t.SnsTopicARN = name, arn
	}
	return nil
}

func setBool(dst *bool, v *bool) {
	if v != nil {
		*dst = *v
	}
}

func setString(dst *string, v *string) {
	if v != nil {
		*dst = *v
	}
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
