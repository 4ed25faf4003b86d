package trail

import (
	"net"
	"regexp"
	"strings"
	"unicode"

	"github.com/cairn-audit/cairn/internal/cloudtrail/cterr"
)

// The rules of a trail's settings, with CloudTrail's error codes and
// messages: names, S3 bucket and key prefix, SNS topic, KMS key, CloudWatch
// Logs ARNs. The API handlers call them; they are the only copy.

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

var (
	trailNameShape = regexp.MustCompile(`^[A-Za-z0-9]+(?:[._-][A-Za-z0-9]+)*$`)
	trailNameChars = regexp.MustCompile(`^[A-Za-z0-9._-]*$`)
	ipv4Shape      = regexp.MustCompile(`^\d+\.\d+\.\d+\.\d+$`)
	alnum          = func(b byte) bool { return b >= '0' && b <= '9' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' }
)

// ValidateName checks CloudTrail's trail name rules: 3-128 ASCII
// letters, digits, '.', '_' and '-', starting and ending alphanumeric, no two
// punctuation characters in a row, not an IPv4 address.
func ValidateName(name string) error {
	const code = cterr.InvalidTrailName
	switch {
	case len(name) < 3:
		return code.New("Trail name too short. Minimum allowed length: 3 characters. Specified name length: %d characters.", len(name))
	case len(name) > 128:
		return code.New("Trail name too long. Maximum allowed length: 128 characters. Specified name length: %d characters.", len(name))
	case !alnum(name[0]):
		return code.New("Trail name must starts with a letter or number.")
	case !alnum(name[len(name)-1]):
		return code.New("Trail name must ends with a letter or number.")
	case !trailNameChars.MatchString(name):
		return code.New("Trail name or ARN can only contain uppercase letters, lowercase letters, numbers, periods (.), hyphens (-), and underscores (_).")
	case !trailNameShape.MatchString(name):
		return code.New("Trail name must not contain adjacent periods (.), hyphens (-) or underscores (_), as in my-_namespace or my--namespace.")
	case ipv4Shape.MatchString(name):
		return code.New("Trail name must not be in IP address format, such as 192.168.5.4.")
	}
	return nil
}

// ValidateBucketName applies the S3 bucket naming rules.
func ValidateBucketName(b string) error {
	bad := func(why string) error {
		return cterr.InvalidS3BucketName.New("Bucket name %q is not valid: %s.", b, why)
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

// ValidateS3KeyPrefix checks a non-empty S3 key prefix: at most 200
// characters, no leading slash, no empty path segment, no control characters.
func ValidateS3KeyPrefix(p string) error {
	bad := func(why string) error {
		return cterr.InvalidS3Prefix.New("The S3 key prefix %q is not valid: %s.", p, why)
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

// ParseSnsTopic validates SnsTopicName (a topic name or an SNS topic ARN)
// and returns the topic name and, for an ARN, its region and account.
func ParseSnsTopic(v string) (name, region, account string, err error) {
	if len(v) > maxSnsTopicName && !strings.HasPrefix(v, "arn:") {
		return "", "", "", cterr.InvalidSnsTopicName.New("SNS topic name %q is too long: at most 256 characters.", v)
	}
	if strings.HasPrefix(v, "arn:") {
		m := snsTopicARN.FindStringSubmatch(v)
		if m == nil {
			return "", "", "", cterr.InvalidSnsTopicName.New("%q is not a valid SNS topic ARN (arn:aws:sns:<region>:<account-id>:<topic-name>).", v)
		}
		return m[3], m[1], m[2], nil
	}
	if !snsTopicName.MatchString(v) {
		return "", "", "", cterr.InvalidSnsTopicName.New("SNS topic name %q is not valid: use 1 to 256 letters, numbers, hyphens (-) and underscores (_).", v)
	}
	return v, "", "", nil
}

// ValidateKmsKeyID checks the KMS key formats CloudTrail accepts: alias/x,
// an alias ARN, a key ARN, or a key ID (multi-Region keys included).
func ValidateKmsKeyID(k string) error {
	if kmsAliasShape.MatchString(k) || kmsARNShape.MatchString(k) || kmsKeyIDShape.MatchString(k) {
		return nil
	}
	return cterr.InvalidKmsKeyId.New("KMS key %q is not valid: use alias/<name>, an alias ARN, a key ARN or a key ID.", k)
}

// ValidateCloudWatchLogs checks the CloudWatch Logs settings as they will
// be after the call: well-formed ARNs, both or neither.
func ValidateCloudWatchLogs(group, role string) error {
	if group != "" && !logGroupARNShape.MatchString(group) {
		return cterr.InvalidCloudWatchLogsLogGroupArn.New("%q is not a valid CloudWatch Logs log group ARN (arn:aws:logs:<region>:<account-id>:log-group:<name>:*).", group)
	}
	if role != "" && !roleARNShape.MatchString(role) {
		return cterr.InvalidCloudWatchLogsRoleArn.New("%q is not a valid IAM role ARN (arn:aws:iam::<account-id>:role/<name>).", role)
	}
	if (group == "") != (role == "") {
		return cterr.InvalidParameterCombination.New("CloudWatchLogsLogGroupArn and CloudWatchLogsRoleArn must be specified together.")
	}
	return nil
}
