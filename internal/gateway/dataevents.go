package gateway

// dataEvents are, per signing name, the operations CloudTrail records as data
// events (eventCategory Data, managementEvent false): S3 object-level calls,
// Lambda invocations and DynamoDB item calls. Everything else is a
// management event.
var dataEvents = map[string]map[string]bool{
	"s3": set("GetObject", "PutObject", "HeadObject", "DeleteObject", "DeleteObjects", "CopyObject",
		"CreateMultipartUpload", "UploadPart", "UploadPartCopy", "CompleteMultipartUpload", "AbortMultipartUpload", "ListParts",
		"ListObjects", "ListObjectsV2", "ListObjectVersions", "ListMultipartUploads", "HeadBucket",
		"GetObjectAcl", "PutObjectAcl", "GetObjectTagging", "PutObjectTagging", "DeleteObjectTagging",
		"GetObjectAttributes", "GetObjectRetention", "PutObjectRetention", "GetObjectLegalHold", "PutObjectLegalHold",
		"RestoreObject", "SelectObjectContent", "GetObjectTorrent"),
	"lambda": set("Invoke", "InvokeAsync", "InvokeWithResponseStream"),
	"dynamodb": set("GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query", "Scan", "BatchGetItem", "BatchWriteItem",
		"TransactGetItems", "TransactWriteItems", "ExecuteStatement", "BatchExecuteStatement", "ExecuteTransaction"),
}

func isDataEvent(service, op string) bool { return dataEvents[service][op] }

func set(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}
