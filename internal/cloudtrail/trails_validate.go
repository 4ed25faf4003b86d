package cloudtrail

import (
	"net"
	"regexp"
	"strings"
	"unicode"

	"github.com/cairn-audit/cairn/internal/api"
)

// Limits of the trail settings (API model and AWS documentation).
const (
	maxS3KeyPrefix  = 200
	maxSnsTopicName = 256
)

var (
	bucketNameShape  = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)
	snsTopicName     = regexp.MustCompile(`^[A-Za-z0-9_-]{1,256}$`)
	snsTopicARN      = regexp.MustCompile(`^arn:aws(?:-[a-z]+)*:sns:([a-z]{2}(?:-[a-z]+)+-\d+):(\d{12}):([A-Za-z0-9_-]{1,256})$`)
	kmsKeyUUID       = `(?:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|mrk-[0-9a-fA-F]{32})`
	kmsKeyIDShape    = regexp.MustCompile(`^` + kmsKeyUUID + `$`)
	kmsAliasShape    = regexp.MustCompile(`^alias/[A-Za-z0-9/_-]{1,250}$`)
	kmsARNShape      = regexp.MustCompile(`^arn:aws(?:-[a-z]+)*:kms:[a-z]{2}(?:-[a-z]+)+-\d+:\d{12}:(?:key/` + kmsKeyUUID + `|alias/[A-Za-z0-9/_-]{1,250})$`)
	logGroupARNShape = regexp.MustCompile(`^arn:aws(?:-[a-z]+)*:logs:[a-z]{2}(?:-[a-z]+)+-\d+:\d{12}:log-group:[A-Za-z0-9._/#-]{1,512}:\*$`)
	roleARNShape     = regexp.MustCompile(`^arn:aws(?:-[a-z]+)*:iam::\d{12}:role/[\w+=,.@/-]{1,512}$`)
)

// validateBucketName applies the S3 bucket naming rules.
func validateBucketName(b string) error {
	bad := func(why string) error {
		return api.Errorf("InvalidS3BucketNameException", "Bucket name %q is not valid: %s.", b, why)
	}
	switch {
	case len(b) < 3 || len(b) > 63:
		return bad("it must be 3 to 63 characters long")
	case !bucketNameShape.MatchString(b):
		return bad("it may contain only lowercase letters, numbers, periods (.) and hyphens (-), and must begin and end with a letter or number")
	case strings.Contains(b, "..") || strings.Contains(b, ".-") || strings.Contains(b, "-."):
		return bad("periods (.) must not be adjacent to each other or to hyphens (-)")
	case net.ParseIP(b) != nil:
		return bad("it must not be formatted as an IP address")
	case strings.HasPrefix(b, "xn--") || strings.HasSuffix(b, "-s3alias") || strings.HasSuffix(b, "--ol-s3"):
		return bad("the prefix xn-- and the suffixes -s3alias and --ol-s3 are reserved")
	}
	return nil
}

// validateS3KeyPrefix checks a non-empty S3 key prefix: at most 200
// characters, no leading slash, no empty path segment, no control characters.
func validateS3KeyPrefix(p string) error {
	bad := func(why string) error {
		return api.Errorf("InvalidS3PrefixException", "The S3 key prefix %q is not valid: %s.", p, why)
	}
	switch {
	case len(p) > maxS3KeyPrefix:
		return bad("it must be at most 200 characters long")
	case strings.HasPrefix(p, "/"):
		return bad("it must not start with a slash (/)")
	case strings.Contains(p, "//"):
		return bad("it must not contain two slashes (//) in a row")
	case strings.ContainsFunc(p, unicode.IsControl):
		return bad("it must not contain control characters")
	}
	return nil
}

// parseSnsTopic validates SnsTopicName (a topic name or an SNS topic ARN)
// and returns the topic name and, for an ARN, its region and account.
func parseSnsTopic(v string) (name, region, account string, err error) {
	if len(v) > maxSnsTopicName && !isARN(v) {
		return "", "", "", api.Errorf("InvalidSnsTopicNameException", "SNS topic name %q is too long: at most 256 characters.", v)
	}
	if isARN(v) {
		m := snsTopicARN.FindStringSubmatch(v)
		if m == nil {
			return "", "", "", api.Errorf("InvalidSnsTopicNameException", "%q is not a valid SNS topic ARN (arn:aws:sns:<region>:<account-id>:<topic-name>).", v)
		}
		return m[3], m[1], m[2], nil
	}
	if !snsTopicName.MatchString(v) {
		return "", "", "", api.Errorf("InvalidSnsTopicNameException", "SNS topic name %q is not valid: use 1 to 256 letters, numbers, hyphens (-) and underscores (_).", v)
	}
	return v, "", "", nil
}

// validateKmsKeyID checks the KMS key formats CloudTrail accepts: alias/x,
// an alias ARN, a key ARN, or a key ID (multi-Region keys included).
func validateKmsKeyID(k string) error {
	if kmsAliasShape.MatchString(k) || kmsARNShape.MatchString(k) || kmsKeyIDShape.MatchString(k) {
		return nil
	}
	return api.Errorf("InvalidKmsKeyIdException", "KMS key %q is not valid: use alias/<name>, an alias ARN, a key ARN or a key ID.", k)
}

// errNoKMS answers any well-formed KmsKeyId: Cairn has no KMS to find it in.
func errNoKMS(k string) error {
	return api.Errorf("KmsKeyNotFoundException", "KMS key %s does not exist: Cairn has no KMS yet, so trails cannot be encrypted with a KMS key. Omit KmsKeyId.", k)
}

// validateCloudWatchLogs checks the CloudWatch Logs settings as they will
// be after the call: well-formed ARNs, both or neither.
func validateCloudWatchLogs(group, role string) error {
	if group != "" && !logGroupARNShape.MatchString(group) {
		return api.Errorf("InvalidCloudWatchLogsLogGroupArnException", "%q is not a valid CloudWatch Logs log group ARN (arn:aws:logs:<region>:<account-id>:log-group:<name>:*).", group)
	}
	if role != "" && !roleARNShape.MatchString(role) {
		return api.Errorf("InvalidCloudWatchLogsRoleArnException", "%q is not a valid IAM role ARN (arn:aws:iam::<account-id>:role/<name>).", role)
	}
	if (group == "") != (role == "") {
		return api.Errorf("InvalidParameterCombinationException", "CloudWatchLogsLogGroupArn and CloudWatchLogsRoleArn must be specified together.")
	}
	return nil
}

// errNoCloudWatchLogs answers a trail asking for CloudWatch Logs delivery.
func errNoCloudWatchLogs() error {
	return api.Errorf("CloudWatchLogsDeliveryUnavailableException", "Cairn cannot deliver to CloudWatch Logs yet. Omit CloudWatchLogsLogGroupArn and CloudWatchLogsRoleArn.")
}
