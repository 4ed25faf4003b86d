package awsmodel

import (
	"slices"
	"testing"
)

func TestServices(t *testing.T) {
	svcs := Services()
	if len(svcs) < 30 {
		t.Fatalf("%d services", len(svcs))
	}
	for _, s := range svcs {
		if len(s.Operations()) == 0 || s.Protocol == 0 || s.Protocols[0] != s.Protocol || s.APIVersion == "" || s.ServiceID == "" {
			t.Errorf("%s: incomplete: %+v", s.Name, s)
		}
		for _, p := range s.Protocols {
			if p.String() == "unknown" {
				t.Errorf("%s: unknown protocol", s.Name)
			}
		}
		if slices.Contains(s.Protocols, JSON) != (s.TargetPrefix != "") {
			t.Errorf("%s: JSON protocol without target prefix or the reverse", s.Name)
		}
		if got, ok := ByName(s.Name); !ok || got != s {
			t.Errorf("ByName(%s)", s.Name)
		}
		if got, ok := BySigningName(s.SigningName); !ok || got != s {
			t.Errorf("BySigningName(%s) = %v", s.SigningName, got)
		}
	}
	for _, c := range []struct {
		signing, name, endpoint, eventSource, target string
		protocols                                    []Protocol
	}{
		{"s3", "s3", "s3", "s3.amazonaws.com", "", []Protocol{RestXML}},
		{"sqs", "sqs", "sqs", "sqs.amazonaws.com", "AmazonSQS", []Protocol{JSON, Query}},
		{"monitoring", "cloudwatch", "monitoring", "monitoring.amazonaws.com", "GraniteServiceVersion20100801", []Protocol{RPCv2CBOR, JSON, Query}},
		{"elasticloadbalancing", "elbv2", "elasticloadbalancing", "elasticloadbalancing.amazonaws.com", "", []Protocol{Query}},
		{"states", "stepfunctions", "states", "states.amazonaws.com", "AWSStepFunctions", []Protocol{JSON}},
		{"apigateway", "apigateway", "apigateway", "apigateway.amazonaws.com", "", []Protocol{RestJSON}},
		{"cognito-idp", "cognito-idp", "cognito-idp", "cognito-idp.amazonaws.com", "AWSCognitoIdentityProviderService", []Protocol{JSON}},
		{"ses", "sesv2", "email", "ses.amazonaws.com", "", []Protocol{RestJSON}},
		{"ecr", "ecr", "api.ecr", "ecr.amazonaws.com", "AmazonEC2ContainerRegistry_V20150921", []Protocol{JSON}},
		{"ec2", "ec2", "ec2", "ec2.amazonaws.com", "", []Protocol{EC2}},
		{"iam", "iam", "iam", "iam.amazonaws.com", "", []Protocol{Query}},
		{"kms", "kms", "kms", "kms.amazonaws.com", "TrentService", []Protocol{JSON}},
	} {
		s, ok := BySigningName(c.signing)
		if !ok {
			t.Errorf("BySigningName(%s): none", c.signing)
			continue
		}
		if s.Name != c.name || s.EndpointPrefix != c.endpoint || s.EventSource != c.eventSource || s.TargetPrefix != c.target || !slices.Equal(s.Protocols, c.protocols) {
			t.Errorf("%s: %s %s %s %s %v", c.signing, s.Name, s.EndpointPrefix, s.EventSource, s.TargetPrefix, s.Protocols)
		}
	}
	if iam, _ := ByName("iam"); iam.GlobalEndpoint != "iam.amazonaws.com" || iam.APIVersion != "2010-05-08" {
		t.Errorf("iam: %+v", iam)
	}
	for _, name := range []string{"execute-api", "cloudtrail", ""} {
		if _, ok := BySigningName(name); ok {
			t.Errorf("BySigningName(%q) found a service", name)
		}
	}
	if s, _ := ByName("s3"); s.Operations()[0].Name != "AbortMultipartUpload" {
		t.Errorf("operations not by name")
	}
}

func op(t *testing.T, service, name string) *Operation {
	t.Helper()
	s, ok := ByName(service)
	if !ok {
		t.Fatalf("no service %s", service)
	}
	o, ok := s.Operation(name)
	if !ok {
		t.Fatalf("%s: no operation %s", service, name)
	}
	return o
}

func TestReadOnly(t *testing.T) {
	for _, c := range []struct {
		service, op string
		want        bool
	}{
		{"s3", "GetObject", true},
		{"s3", "HeadObject", true},
		{"s3", "ListObjectsV2", true},
		{"s3", "GetBucketLocation", true},
		{"s3", "SelectObjectContent", true}, // POST, but Select
		{"s3", "PutObject", false},
		{"s3", "DeleteObjects", false},
		{"s3", "CreateMultipartUpload", false},
		{"sqs", "ReceiveMessage", true},
		{"sqs", "SendMessage", false},
		{"sqs", "ListQueues", true},
		{"dynamodb", "Query", true},
		{"dynamodb", "Scan", true},
		{"dynamodb", "BatchGetItem", true},
		{"dynamodb", "GetItem", true},
		{"dynamodb", "BatchWriteItem", false},
		{"dynamodb", "PutItem", false},
		{"ec2", "DescribeInstances", true},
		{"ec2", "RunInstances", false},
		{"kms", "Decrypt", true}, // override: CloudTrail records KMS crypto calls readOnly
		{"kms", "GenerateDataKey", true},
		{"kms", "CreateKey", false},
		{"kms", "ScheduleKeyDeletion", false},
		{"logs", "FilterLogEvents", true},
		{"logs", "TestMetricFilter", false},
		{"iam", "SimulatePrincipalPolicy", true},
		{"iam", "CreateUser", false},
		{"sts", "GetCallerIdentity", true},
		{"sts", "AssumeRole", false},
		{"cloudformation", "ValidateTemplate", true},
		{"cloudformation", "EstimateTemplateCost", true},
		{"route53", "TestDNSAnswer", true}, // GET
		{"lambda", "Invoke", false},
		{"lambda", "ListFunctions", true},
		{"lambda", "GetFunction", true},
		{"acm", "SearchCertificates", true},
		{"glue", "CheckSchemaVersionValidity", true},
		{"secretsmanager", "GetSecretValue", true},
		{"secretsmanager", "PutSecretValue", false},
		{"ecs", "DescribeServices", true},
		{"ecs", "DiscoverPollEndpoint", false},
	} {
		if got := op(t, c.service, c.op).ReadOnly; got != c.want {
			t.Errorf("%s %s: readOnly %v, want %v", c.service, c.op, got, c.want)
		}
	}
	// Word boundary: a prefix must end a word ("Checkpoint..." is not "Check").
	if op(t, "lambda", "CheckpointDurableExecution").ReadOnly {
		t.Errorf("lambda CheckpointDurableExecution is readOnly")
	}
}

func TestMembers(t *testing.T) {
	type want struct {
		service, op string
		output      bool
		member      string
		sensitive   bool
		check       func(*Member) bool
	}
	for _, c := range []want{
		{"secretsmanager", "PutSecretValue", false, "SecretString", true, nil},
		{"secretsmanager", "PutSecretValue", false, "SecretBinary", true, func(m *Member) bool { return m.Type == "blob" }},
		{"secretsmanager", "PutSecretValue", false, "SecretId", false, func(m *Member) bool { return m.Required && m.Location == LocBody }},
		{"secretsmanager", "PutSecretValue", false, "ClientRequestToken", false, func(m *Member) bool { return m.IdempotencyToken }},
		{"secretsmanager", "GetSecretValue", true, "SecretString", true, nil},
		{"iam", "CreateLoginProfile", false, "Password", true, nil},
		{"iam", "CreateLoginProfile", false, "UserName", false, nil},
		{"iam", "CreateAccessKey", true, "AccessKey", true, func(m *Member) bool { return m.Type == "structure" }}, // contains SecretAccessKey
		{"sts", "AssumeRole", true, "Credentials", true, func(m *Member) bool { return m.Type == "structure" }},
		{"sts", "AssumeRole", true, "AssumedRoleUser", false, nil},
		{"sts", "AssumeRole", false, "RoleArn", false, func(m *Member) bool { return m.Required }},
		{"kms", "Decrypt", true, "Plaintext", true, nil},
		{"kms", "Decrypt", false, "CiphertextBlob", false, nil},
		{"s3", "PutObject", false, "Body", false, func(m *Member) bool { return m.Streaming && m.Type == "blob" }},
		{"s3", "PutObject", false, "Bucket", false, func(m *Member) bool { return m.Location == LocURI && m.Required && m.WireName() == "Bucket" }},
		{"s3", "PutObject", false, "SSECustomerKey", true, func(m *Member) bool {
			return m.Location == LocHeader && m.LocationName == "x-amz-server-side-encryption-customer-key"
		}},
		{"s3", "PutObject", false, "Metadata", false, func(m *Member) bool {
			return m.Location == LocHeaders && m.LocationName == "x-amz-meta-" && m.Type == "map"
		}},
		{"s3", "UploadPart", false, "UploadId", false, func(m *Member) bool { return m.Location == LocQuery && m.WireName() == "uploadId" }},
		{"s3", "GetObject", true, "Body", false, func(m *Member) bool { return m.Streaming }},
		{"s3", "SelectObjectContent", true, "Payload", false, func(m *Member) bool { return m.Streaming }}, // event stream
		{"lambda", "Invoke", false, "Payload", true, func(m *Member) bool { return m.Streaming }},
		{"lambda", "Invoke", true, "StatusCode", false, func(m *Member) bool { return m.Location == LocStatusCode }},
		{"ec2", "RunInstances", false, "UserData", true, nil},
		{"ec2", "RunInstances", false, "ImageId", false, nil},
		{"ec2", "RunInstances", false, "DryRun", false, func(m *Member) bool { return m.LocationName == "DryRun" || m.LocationName == "" }},
		{"ec2", "DescribeInstances", false, "InstanceIds", false, func(m *Member) bool { return m.WireName() == "InstanceId" }}, // EC2 query key
		{"cognito-idp", "InitiateAuth", false, "AuthParameters", true, func(m *Member) bool { return m.Type == "map" }},
	} {
		o := op(t, c.service, c.op)
		get := o.InputMember
		if c.output {
			get = o.OutputMember
		}
		m, ok := get(c.member)
		if !ok {
			t.Errorf("%s %s: no member %s (output %v)", c.service, c.op, c.member, c.output)
			continue
		}
		if m.Sensitive != c.sensitive || c.check != nil && !c.check(m) {
			t.Errorf("%s %s %s: %+v", c.service, c.op, c.member, *m)
		}
	}
	if o := op(t, "s3", "PutObject"); o.Payload != "Body" || o.Method != "PUT" || o.URI != "/{Bucket}/{Key+}" {
		t.Errorf("s3 PutObject: %+v", o)
	}
	if o := op(t, "s3", "GetObject"); o.OutputPayload != "Body" {
		t.Errorf("s3 GetObject output payload %q", o.OutputPayload)
	}
	if o := op(t, "s3", "GetBucketLifecycle"); !o.Deprecated {
		t.Errorf("s3 GetBucketLifecycle not deprecated")
	}
	if o := op(t, "dynamodb", "PutItem"); o.Method != "POST" || o.URI != "/" || o.Payload != "" {
		t.Errorf("dynamodb PutItem: %+v", o)
	}
	// Member order is the model's.
	if o := op(t, "sts", "AssumeRole"); o.Input[0].Name != "RoleArn" || o.Input[1].Name != "RoleSessionName" {
		t.Errorf("sts AssumeRole input order: %s, %s", o.Input[0].Name, o.Input[1].Name)
	}
}
