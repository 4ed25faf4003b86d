package gateway

import (
	"net/url"
	"sort"
	"strings"

	"github.com/cairn-audit/cairn/internal/event"
)

// resources are the ARNs the call names, derived per service from its
// parameters (and a write's results, e.g. a created queue's URL), in the
// caller's account (see account).
func (c *call) resources(params, elements map[string]any) []event.ResourceRef {
	if c.info.SigningName == "s3" {
		return s3Resources(c.bucket, c.key, c.key != "", c.r.Header)
	}
	rb := &resourceBuilder{region: c.scope.Region, account: c.account(), seen: map[string]bool{}}
	get := func(keys ...string) []string { return append(strs(params, keys...), strs(elements, keys...)...) }
	switch c.info.SigningName {
	case "iam":
		rb.named("AWS::IAM::User", get("userName"), "arn:aws:iam::%a:user/%n")
		rb.named("AWS::IAM::Role", get("roleName"), "arn:aws:iam::%a:role/%n")
		rb.named("AWS::IAM::Group", get("groupName"), "arn:aws:iam::%a:group/%n")
		rb.named("AWS::IAM::InstanceProfile", get("instanceProfileName"), "arn:aws:iam::%a:instance-profile/%n")
		rb.arns("AWS::IAM::Policy", get("policyArn"))
	case "sqs":
		// A queue URL names the queue; the account in it is the upstream's
		// (moto's, LocalStack's), not Cairn's: the queue is the recipient
		// account's, as every other resource the call names.
		rb.named("AWS::SQS::Queue", get("queueName"), "arn:aws:sqs:%r:%a:%n")
		for _, u := range get("queueUrl") {
			if _, name, ok := queueURL(u); ok {
				rb.named("AWS::SQS::Queue", []string{name}, "arn:aws:sqs:%r:%a:%n")
			}
		}
	case "sns":
		if c.name == "CreateTopic" { // the new topic is the recipient account's, whatever account the upstream's ARN names
			rb.named("AWS::SNS::Topic", get("name"), "arn:aws:sns:%r:%a:%n")
		}
		rb.arns("AWS::SNS::Topic", get("topicArn", "targetArn"))
	case "dynamodb":
		rb.named("AWS::DynamoDB::Table", get("tableName"), "arn:aws:dynamodb:%r:%a:table/%n")
		rb.named("AWS::DynamoDB::Table", mapKeys(params["requestItems"]), "arn:aws:dynamodb:%r:%a:table/%n")
	case "lambda":
		rb.named("AWS::Lambda::Function", get("functionName"), "arn:aws:lambda:%r:%a:function:%n")
	case "ec2":
		ids := append(get("instanceId", "instanceIds"), nested(elements, "instancesSet", "instanceId")...)
		rb.named("AWS::EC2::Instance", ids, "arn:aws:ec2:%r:%a:instance/%n")
		rb.named("AWS::EC2::Volume", get("volumeId"), "arn:aws:ec2:%r:%a:volume/%n")
		rb.named("AWS::EC2::VPC", get("vpcId"), "arn:aws:ec2:%r:%a:vpc/%n")
		rb.named("AWS::EC2::Subnet", get("subnetId"), "arn:aws:ec2:%r:%a:subnet/%n")
		rb.named("AWS::EC2::SecurityGroup", get("groupId"), "arn:aws:ec2:%r:%a:security-group/%n")
	case "kms":
		// The key the request names, else the one a response describes
		// (CreateKey's KeyMetadata); a key ID goes into the recipient
		// account, an alias stays an alias.
		ids := strs(params, "keyId", "targetKeyId")
		if len(ids) == 0 {
			ids = append(append(nested(elements, "keyMetadata", "KeyId"), nested(elements, "keyMetadata", "keyId")...), strs(elements, "keyId")...)
		}
		for _, id := range ids {
			if strings.HasPrefix(id, "alias/") {
				rb.named("AWS::KMS::Alias", []string{id}, "arn:aws:kms:%r:%a:%n")
			} else {
				rb.named("AWS::KMS::Key", []string{id}, "arn:aws:kms:%r:%a:key/%n")
			}
		}
		rb.named("AWS::KMS::Alias", strs(params, "aliasName"), "arn:aws:kms:%r:%a:%n")
	case "secretsmanager":
		rb.named("AWS::SecretsManager::Secret", get("secretId", "arn", "aRN"), "arn:aws:secretsmanager:%r:%a:secret:%n")
		if c.name == "CreateSecret" && len(get("arn", "aRN")) == 0 {
			rb.named("AWS::SecretsManager::Secret", get("name"), "arn:aws:secretsmanager:%r:%a:secret:%n")
		}
	case "logs":
		rb.named("AWS::Logs::LogGroup", get("logGroupName"), "arn:aws:logs:%r:%a:log-group:%n")
	case "ssm":
		rb.named("AWS::SSM::Parameter", get("name", "names"), "arn:aws:ssm:%r:%a:parameter/%n")
	case "kinesis":
		rb.named("AWS::Kinesis::Stream", get("streamName"), "arn:aws:kinesis:%r:%a:stream/%n")
	case "ecr":
		rb.named("AWS::ECR::Repository", get("repositoryName"), "arn:aws:ecr:%r:%a:repository/%n")
	}
	// Any other ARN the request names.
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if strings.HasSuffix(k, "Arn") || strings.HasSuffix(k, "ARN") || k == "arn" {
			for _, a := range strs(params, k) {
				rb.add(arnType(a), "", a)
			}
		}
	}
	return rb.out
}

type resourceBuilder struct {
	region, account string
	seen            map[string]bool // ARNs, and type+name of typed resources
	out             []event.ResourceRef
}

// add adds a resource once: by ARN, and for a known type by type and name,
// so the same queue or key named twice (by name and by URL or ARN, in the
// request and in the response) is one resource.
func (rb *resourceBuilder) add(typ, name, arn string) {
	if name == "" {
		name = arnName(arn)
	}
	byName := typ + "\x00" + name
	if arn == "" || rb.seen[arn] || typ != "" && rb.seen[byName] {
		return
	}
	rb.seen[arn] = true
	if typ != "" {
		rb.seen[byName] = true
	}
	rb.out = append(rb.out, event.ResourceRef{Type: typ, Name: name, ARN: arn})
}

// named adds a resource per name: an ARN is taken as it is, a name goes
// into pattern (%r region, %a account, %n name).
func (rb *resourceBuilder) named(typ string, names []string, pattern string) {
	for _, n := range names {
		if strings.HasPrefix(n, "arn:") {
			rb.add(typ, arnName(n), n)
			continue
		}
		arn := strings.NewReplacer("%r", rb.region, "%a", rb.account, "%n", n).Replace(pattern)
		rb.add(typ, n, arn)
	}
}

func (rb *resourceBuilder) arns(typ string, arns []string) {
	for _, a := range arns {
		if strings.HasPrefix(a, "arn:") {
			rb.add(typ, arnName(a), a)
		}
	}
}

// strs are the string values (or string list items) of m's keys.
func strs(m map[string]any, keys ...string) []string {
	var out []string
	for _, k := range keys {
		switch v := m[k].(type) {
		case string:
			if v != "" && v != hidden {
				out = append(out, v)
			}
		case []any:
			for _, x := range v {
				if s, ok := x.(string); ok && s != "" {
					out = append(out, s)
				}
			}
		}
	}
	return out
}

// nested are the values of key in the maps of m[list].
func nested(m map[string]any, list, key string) []string {
	var out []string
	items, _ := m[list].([]any)
	if one, ok := m[list].(map[string]any); ok {
		items = []any{one}
	}
	for _, it := range items {
		if im, ok := it.(map[string]any); ok {
			out = append(out, strs(im, key)...)
		}
	}
	return out
}

func mapKeys(v any) []string {
	m, _ := v.(map[string]any)
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// queueURL splits an SQS queue URL (http://host/<account>/<name>).
func queueURL(s string) (account, name string, ok bool) {
	u, err := url.Parse(s)
	if err != nil {
		return "", "", false
	}
	parts := strings.Split(strings.Trim(u.Path, "/"), "/")
	if len(parts) != 2 || parts[0] == "" || parts[1] == "" {
		return "", "", false
	}
	return parts[0], parts[1], true
}

// arnName is the resource part of an ARN after its type.
func arnName(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) < 6 {
		return arn
	}
	res := parts[5]
	if i := strings.IndexAny(res, "/:"); i >= 0 && !strings.HasPrefix(arn, "arn:aws:s3:") {
		return res[i+1:]
	}
	return res
}

// arnType guesses a resource type from an ARN's service and resource type.
func arnType(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) < 6 {
		return ""
	}
	svc, res := parts[2], parts[5]
	typ, _, found := strings.Cut(res, "/")
	if !found {
		typ, _, found = strings.Cut(res, ":")
	}
	if !found {
		switch svc {
		case "sns":
			return "AWS::SNS::Topic"
		case "sqs":
			return "AWS::SQS::Queue"
		}
		return ""
	}
	known := map[string]string{
		"iam:role": "AWS::IAM::Role", "iam:user": "AWS::IAM::User", "iam:policy": "AWS::IAM::Policy", "iam:group": "AWS::IAM::Group",
		"dynamodb:table": "AWS::DynamoDB::Table", "lambda:function": "AWS::Lambda::Function", "kms:key": "AWS::KMS::Key", "kms:alias": "AWS::KMS::Alias",
		"secretsmanager:secret": "AWS::SecretsManager::Secret", "logs:log-group": "AWS::Logs::LogGroup",
		"ec2:instance": "AWS::EC2::Instance", "kinesis:stream": "AWS::Kinesis::Stream", "states:stateMachine": "AWS::StepFunctions::StateMachine",
	}
	return known[svc+":"+typ]
}

// requestAccount is the account an ARN or queue URL in the request names.
func (c *call) requestAccount() string {
	keys := make([]string, 0, len(c.params))
	for k := range c.params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		for _, s := range strs(c.params, k) {
			if strings.HasSuffix(strings.ToLower(k), "accountid") && isAccount(s) {
				return s
			}
			if k == "queueUrl" {
				if a, _, ok := queueURL(s); ok && isAccount(a) {
					return a
				}
			}
			if parts := strings.SplitN(s, ":", 6); len(parts) == 6 && parts[0] == "arn" && isAccount(parts[4]) {
				return parts[4]
			}
		}
	}
	return ""
}

func isAccount(s string) bool {
	if len(s) != 12 {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}
