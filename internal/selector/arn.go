package selector

import (
	"regexp"
	"strings"
)

// Value formats accepted in basic selectors' DataResources.Values.
var (
	rePartition  = regexp.MustCompile(`^aws(-[a-z]+)*$`)
	reRegion     = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]+$`)
	reAccount    = regexp.MustCompile(`^[0-9]{12}$`)
	reBucket     = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{1,253}[A-Za-z0-9]$`)
	reFunction   = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)
	reQualifier  = regexp.MustCompile(`^(\$LATEST|[A-Za-z0-9_-]{1,128})$`)
	reTable      = regexp.MustCompile(`^[A-Za-z0-9_.-]{3,255}$`)
	reEventSrc   = regexp.MustCompile(`^[a-z0-9_-]+\.amazonaws\.com$`)
	reResType    = regexp.MustCompile(`^AWS::[A-Za-z0-9]+::[A-Za-z0-9]+$`)
	reFieldName  = regexp.MustCompile(`^[\w|\d|\.|_]+$`)
	reFullARNish = regexp.MustCompile(`^arn:aws(-[a-z]+)*:[a-z0-9-]+:[^:]*:[^:]*:.+$`)
)

// splitARNService splits "arn:<partition>:<service><rest>" into the service
// and what follows it ("" or ":..."). ok is false unless v starts with
// "arn:" and a valid partition.
func splitARNService(v string) (service, rest string, ok bool) {
	r, found := strings.CutPrefix(v, "arn:")
	if !found {
		return "", "", false
	}
	p, r, found := strings.Cut(r, ":")
	if !found || !rePartition.MatchString(p) {
		return "", "", false
	}
	if i := strings.IndexByte(r, ':'); i >= 0 {
		return r[:i], r[i:], true
	}
	return r, "", true
}

// checkS3Value reports whether v is a valid AWS::S3::Object value and
// whether it selects every object ("arn:<p>:s3" or "arn:<p>:s3:::").
// Other valid values are "arn:<p>:s3:::<bucket>/<key prefix>" (the prefix may
// be empty: the whole bucket).
func checkS3Value(v string) (whole, ok bool) {
	svc, rest, ok := splitARNService(v)
	if !ok || svc != "s3" {
		return false, false
	}
	if rest == "" || rest == ":::" {
		return true, true
	}
	r, found := strings.CutPrefix(rest, ":::")
	if !found {
		return false, false
	}
	bucket, _, found := strings.Cut(r, "/")
	return false, found && reBucket.MatchString(bucket)
}

// checkLambdaValue accepts "arn:<p>:lambda" (all functions) or a function
// ARN arn:<p>:lambda:<region>:<account>:function:<name>[:<qualifier>].
func checkLambdaValue(v string) (whole, ok bool) {
	svc, rest, ok := splitARNService(v)
	if !ok || svc != "lambda" {
		return false, false
	}
	if rest == "" {
		return true, true
	}
	parts := strings.Split(rest[1:], ":")
	if len(parts) != 4 && len(parts) != 5 {
		return false, false
	}
	if !reRegion.MatchString(parts[0]) || !reAccount.MatchString(parts[1]) || parts[2] != "function" || !reFunction.MatchString(parts[3]) {
		return false, false
	}
	return false, len(parts) == 4 || reQualifier.MatchString(parts[4])
}

// checkDynamoDBValue accepts "arn:<p>:dynamodb" (all tables) or a table ARN
// arn:<p>:dynamodb:<region>:<account>:table/<name>.
func checkDynamoDBValue(v string) (whole, ok bool) {
	svc, rest, ok := splitARNService(v)
	if !ok || svc != "dynamodb" {
		return false, false
	}
	if rest == "" {
		return true, true
	}
	parts := strings.Split(rest[1:], ":")
	if len(parts) != 3 || !reRegion.MatchString(parts[0]) || !reAccount.MatchString(parts[1]) {
		return false, false
	}
	name, found := strings.CutPrefix(parts[2], "table/")
	return false, found && reTable.MatchString(name)
}
