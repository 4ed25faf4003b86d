// Package synth generates a synthetic but realistic CloudTrail management
// event history for the history-store benchmarks: one account, three
// regions, 300 event names and 200 users with skewed popularity, 400 access
// keys, resource pools per service, and 800-1200 byte records.
package synth

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// World is the synthetic account: services and their event names, users
// and their access keys, and resource pools.
type World struct {
	Account   string
	Regions   []string
	regionCDF []float64
	names     []eventName // by popularity rank
	users     []user      // by popularity rank; the last rareUsers are rare
	pools     map[string]*resourcePool
	agents    []string
}

type eventName struct {
	name, source, resType string
	readOnly, creates     bool
}

type user struct {
	name string
	keys [2]string
}

type resourcePool struct {
	typ    string
	names  []string
	arnFmt string // %[1]s region, %[2]s account, %[3]s name
}

func (p *resourcePool) arn(region, name string) string {
	return fmt.Sprintf(p.arnFmt, region, account, name)
}

const (
	account        = "123456789012"
	numEventNames  = 300
	numUsers       = 200
	rareUsers      = 20
	rareUserProb   = 3e-6 // total probability of a rare user per event
	rootProb       = 1e-3
	eventNameSkew  = 1.1
	userSkew       = 1.05
	resourceSkew   = 1.2
	createResProb  = 0.5 // a Create* event names a brand-new resource
	errorProb      = 0.02
	twoResProb     = 0.15
	noResourceProb = 0.25
)

type service struct {
	source  string
	resType string
	prefix  string // resource name prefix
	pool    int    // resource pool size
	nouns   []string
	arnFmt  string // %[1]s region, %[2]s account, %[3]s name
}

var services = []service{
	{"ec2.amazonaws.com", "AWS::EC2::Instance", "i-0", 20000, []string{"Instances", "SecurityGroups", "Vpcs", "Subnets", "Volumes", "Snapshots", "Images", "NetworkInterfaces", "Tags", "KeyPairs", "Addresses", "RouteTables"}, "arn:aws:ec2:%[1]s:%[2]s:instance/%[3]s"},
	{"iam.amazonaws.com", "AWS::IAM::Role", "role-", 300, []string{"Role", "Roles", "Policy", "Policies", "RolePolicy", "InstanceProfile", "Group", "Groups", "AccessKey", "AccessKeys", "AccountSummary", "LoginProfile"}, "arn:aws:iam::%[2]s:role/%[3]s"},
	{"s3.amazonaws.com", "AWS::S3::Bucket", "bucket-", 500, []string{"Bucket", "Buckets", "BucketPolicy", "BucketAcl", "BucketLocation", "BucketVersioning", "BucketTagging", "BucketEncryption", "BucketLogging", "BucketLifecycle"}, "arn:aws:s3:::%[3]s"},
	{"lambda.amazonaws.com", "AWS::Lambda::Function", "fn-", 400, []string{"Function", "Functions", "FunctionConfiguration", "Alias", "Aliases", "EventSourceMapping", "EventSourceMappings", "Layer", "Layers"}, "arn:aws:lambda:%[1]s:%[2]s:function:%[3]s"},
	{"kms.amazonaws.com", "AWS::KMS::Key", "key-", 100, []string{"Key", "Keys", "Alias", "Aliases", "KeyPolicy", "KeyRotationStatus", "Grants"}, "arn:aws:kms:%[1]s:%[2]s:key/%[3]s"},
	{"logs.amazonaws.com", "AWS::Logs::LogGroup", "/app/", 2000, []string{"LogGroup", "LogGroups", "LogStream", "LogStreams", "RetentionPolicy", "SubscriptionFilters", "MetricFilters"}, "arn:aws:logs:%[1]s:%[2]s:log-group:%[3]s"},
	{"dynamodb.amazonaws.com", "AWS::DynamoDB::Table", "tbl-", 200, []string{"Table", "Tables", "Backup", "Backups", "ContinuousBackups", "TimeToLive"}, "arn:aws:dynamodb:%[1]s:%[2]s:table/%[3]s"},
	{"sqs.amazonaws.com", "AWS::SQS::Queue", "q-", 300, []string{"Queue", "Queues", "QueueAttributes", "QueueTags"}, "arn:aws:sqs:%[1]s:%[2]s:%[3]s"},
	{"sns.amazonaws.com", "AWS::SNS::Topic", "topic-", 200, []string{"Topic", "Topics", "TopicAttributes", "Subscriptions", "SubscriptionAttributes"}, "arn:aws:sns:%[1]s:%[2]s:%[3]s"},
	{"rds.amazonaws.com", "AWS::RDS::DBInstance", "db-", 100, []string{"DBInstance", "DBInstances", "DBSnapshot", "DBSnapshots", "DBClusters", "DBParameterGroups"}, "arn:aws:rds:%[1]s:%[2]s:db:%[3]s"},
	{"secretsmanager.amazonaws.com", "AWS::SecretsManager::Secret", "secret-", 500, []string{"Secret", "Secrets", "SecretValue", "ResourcePolicy"}, "arn:aws:secretsmanager:%[1]s:%[2]s:secret:%[3]s"},
	{"ssm.amazonaws.com", "AWS::SSM::Parameter", "/cfg/", 3000, []string{"Parameter", "Parameters", "ParametersByPath", "Document", "Documents", "Association"}, "arn:aws:ssm:%[1]s:%[2]s:parameter%[3]s"},
	{"cloudformation.amazonaws.com", "AWS::CloudFormation::Stack", "stack-", 150, []string{"Stack", "Stacks", "StackResources", "StackEvents", "ChangeSet", "ChangeSets"}, "arn:aws:cloudformation:%[1]s:%[2]s:stack/%[3]s"},
	{"ecr.amazonaws.com", "AWS::ECR::Repository", "repo-", 150, []string{"Repository", "Repositories", "Images", "LifecyclePolicy", "AuthorizationToken"}, "arn:aws:ecr:%[1]s:%[2]s:repository/%[3]s"},
	{"monitoring.amazonaws.com", "AWS::CloudWatch::Alarm", "alarm-", 800, []string{"Alarm", "Alarms", "MetricData", "Dashboard", "Dashboards", "AlarmHistory"}, "arn:aws:cloudwatch:%[1]s:%[2]s:alarm:%[3]s"},
}

var (
	readVerbs  = []string{"Describe", "List", "Get"}
	writeVerbs = []string{"Create", "Delete", "Update", "Put", "Tag", "Untag", "Modify"}
)

var firstNames = []string{"alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy", "mallory", "nina", "oscar", "peggy", "rupert", "sybil", "trent", "ursula", "victor", "wendy"}
var lastNames = []string{"smith", "jones", "brown", "taylor", "wilson", "davies", "evans", "thomas", "roberts", "walker"}

// NewWorld makes the world for seed.
func NewWorld(seed uint64) *World {
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	w := &World{
		Account:   account,
		Regions:   []string{"us-east-1", "us-west-2", "eu-west-1"},
		regionCDF: []float64{0.6, 0.85, 1},
		pools:     map[string]*resourcePool{},
		agents: []string{
			"aws-cli/2.15.30 Python/3.11.8 Linux/6.5.0-1014-aws exe/x86_64.amzn.2023 prompt/off command/%s",
			"Boto3/1.34.51 md/Botocore#1.34.51 ua/2.0 os/linux#6.1.79 md/arch#x86_64 lang/python#3.11.6 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.34.51",
			"aws-sdk-go-v2/1.25.2 os/linux lang/go#1.22.0 md/GOOS#linux md/GOARCH#amd64 api/%s#1.149.1",
			"terraform-provider-aws/5.40.0 (+https://registry.terraform.io/providers/hashicorp/aws) aws-sdk-go-v2/1.25.2 os/linux lang/go#1.21.8",
			"console.amazonaws.com",
		},
	}
	// Event names: every verb x noun of every service, reads and writes
	// interleaved 3:1 in popularity (CloudTrail traffic is mostly reads),
	// AssumeRole and GetCallerIdentity on top.
	var reads, writes []eventName
	for _, s := range services {
		for _, n := range s.nouns {
			for _, v := range readVerbs {
				reads = append(reads, eventName{name: v + n, source: s.source, resType: s.resType, readOnly: true})
			}
			for _, v := range writeVerbs {
				writes = append(writes, eventName{name: v + n, source: s.source, resType: s.resType, creates: v == "Create"})
			}
		}
	}
	rng.Shuffle(len(reads), func(i, j int) { reads[i], reads[j] = reads[j], reads[i] })
	rng.Shuffle(len(writes), func(i, j int) { writes[i], writes[j] = writes[j], writes[i] })
	w.names = []eventName{
		{name: "AssumeRole", source: "sts.amazonaws.com", resType: "AWS::IAM::Role", readOnly: true},
		{name: "GetCallerIdentity", source: "sts.amazonaws.com", readOnly: true},
	}
	seen := map[string]bool{"AssumeRole": true, "GetCallerIdentity": true}
	for len(w.names) < numEventNames && (len(reads) > 0 || len(writes) > 0) {
		var n eventName
		if len(w.names)%4 == 3 && len(writes) > 0 || len(reads) == 0 {
			n, writes = writes[0], writes[1:]
		} else {
			n, reads = reads[0], reads[1:]
		}
		if !seen[n.name] {
			seen[n.name] = true
			w.names = append(w.names, n)
		}
	}
	for i := 0; i < numUsers; i++ {
		name := fmt.Sprintf("%s.%s", firstNames[i%len(firstNames)], lastNames[(i/len(firstNames))%len(lastNames)])
		w.users = append(w.users, user{name: name, keys: [2]string{accessKey(rng), accessKey(rng)}})
	}
	for _, s := range services {
		p := &resourcePool{typ: s.resType, arnFmt: s.arnFmt}
		for i := 0; i < s.pool; i++ {
			p.names = append(p.names, fmt.Sprintf("%s%s", s.prefix, randHex(rng, 12)))
		}
		w.pools[s.resType] = p
	}
	return w
}

func accessKey(rng *rand.Rand) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	var b strings.Builder
	b.WriteString("AKIA")
	for i := 0; i < 16; i++ {
		b.WriteByte(alphabet[rng.IntN(len(alphabet))])
	}
	return b.String()
}

func randHex(rng *rand.Rand, n int) string {
	const hex = "0123456789abcdef"
	b := make([]byte, n)
	for i := range b {
		b[i] = hex[rng.IntN(16)]
	}
	return string(b)
}

func uuid(rng *rand.Rand) string {
	a, b := rng.Uint64(), rng.Uint64()
	a = a&^0xf000 | 0x4000
	b = b&^(3<<62) | 2<<62
	return fmt.Sprintf("%08x-%04x-%04x-%04x-%012x", a>>32, (a>>16)&0xffff, a&0xffff, b>>48, b&0xffffffffffff)
}
