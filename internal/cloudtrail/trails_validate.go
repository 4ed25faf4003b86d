package cloudtrail

import (
	"github.com/cairn-audit/cairn/internal/cloudtrail/cterr"
)

// errNoKMS answers any well-formed KmsKeyId: Cairn has no KMS to find it in.
func errNoKMS(k string) error {
	return cterr.KmsKeyNotFound.New("KMS key %s does not exist: Cairn has no KMS yet, so trails cannot be encrypted with a KMS key. Omit KmsKeyId.", k)
}

// errNoCloudWatchLogs answers a trail asking for CloudWatch Logs delivery.
func errNoCloudWatchLogs() error {
	return cterr.CloudWatchLogsDeliveryUnavailable.New("Cairn cannot deliver to CloudWatch Logs yet. Omit CloudWatchLogsLogGroupArn and CloudWatchLogsRoleArn.")
}
