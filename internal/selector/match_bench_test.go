package selector

import "testing"

// benchSets are the default basic set and a typical three-selector advanced
// set.
func benchSets() map[string]Set {
	return map[string]Set{
		"basic-default": Default(),
		"advanced-3": {Advanced: []AdvancedEventSelector{
			{Name: "management writes, no KMS", FieldSelectors: []FieldSelector{
				{Field: "eventCategory", Equals: []string{CategoryManagement}},
				{Field: "readOnly", Equals: []string{"false"}},
				{Field: "eventSource", NotEquals: []string{SourceKMS, SourceRDSData}},
			}},
			{Name: "S3 writes in two buckets", FieldSelectors: []FieldSelector{
				{Field: "eventCategory", Equals: []string{CategoryData}},
				{Field: "resources.type", Equals: []string{TypeS3Object}},
				{Field: "eventName", NotStartsWith: []string{"Get", "Head", "List"}},
				{Field: "resources.ARN", StartsWith: []string{"arn:aws:s3:::bucket1/", "arn:aws:s3:::bucket2/logs/"}},
			}},
			{Name: "one table", FieldSelectors: []FieldSelector{
				{Field: "eventCategory", Equals: []string{CategoryData}},
				{Field: "resources.type", Equals: []string{TypeDynamoDBTable}},
				{Field: "resources.ARN", Equals: []string{"arn:aws:dynamodb:us-east-1:111111111111:table/Orders"}},
			}},
		}},
	}
}

// benchEvents is a mix of management and data events, matching and not.
func benchEvents() []Event {
	return []Event{
		{Category: CategoryManagement, EventSource: "ec2.amazonaws.com", EventName: "RunInstances", EventType: "AwsApiCall"},
		{Category: CategoryManagement, EventSource: "ec2.amazonaws.com", EventName: "DescribeInstances", ReadOnly: true},
		{Category: CategoryManagement, EventSource: SourceKMS, EventName: "CreateKey"},
		{Category: CategoryData, EventSource: "s3.amazonaws.com", EventName: "PutObject", Resources: []Resource{
			{Type: "AWS::S3::Bucket", ARN: "arn:aws:s3:::bucket1"}, {Type: TypeS3Object, ARN: "arn:aws:s3:::bucket1/a/b.txt"}}},
		{Category: CategoryData, EventSource: "s3.amazonaws.com", EventName: "GetObject", ReadOnly: true, Resources: []Resource{
			{Type: "AWS::S3::Bucket", ARN: "arn:aws:s3:::bucket3"}, {Type: TypeS3Object, ARN: "arn:aws:s3:::bucket3/x"}}},
		{Category: CategoryData, EventSource: "dynamodb.amazonaws.com", EventName: "PutItem", Resources: []Resource{
			{Type: TypeDynamoDBTable, ARN: "arn:aws:dynamodb:us-east-1:111111111111:table/Orders"}}},
	}
}

func BenchmarkMatch(b *testing.B) {
	for _, name := range []string{"basic-default", "advanced-3"} {
		m, err := Compile(benchSets()[name])
		if err != nil {
			b.Fatal(err)
		}
		evs := benchEvents()
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			n := 0
			for i := 0; b.Loop(); i++ {
				if m.Match(&evs[i%len(evs)]) {
					n++
				}
			}
			_ = n
		})
	}
}
