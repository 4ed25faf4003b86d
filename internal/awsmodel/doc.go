// Package awsmodel knows the operations of the AWS services Cairn's recording
// gateway forwards: for each service its signing name, protocols, JSON target
// prefix and CloudTrail eventSource; for each operation its HTTP binding,
// whether CloudTrail records it as read-only, and its top-level input and
// output members (where each travels, which are sensitive or streamed).
//
// The tables (zz_generated.go) are generated from botocore's service models
// by ./gen and committed; nothing reads Python files at run time. The list of
// services, the CloudTrail eventSource rule and the read-only rule, with
// their special cases, are at the top of gen/main.go. Regenerate with
//
//	go generate ./internal/awsmodel/
//
// TestGeneratedUpToDate fails when the committed tables differ from what the
// installed botocore gives.
//
// The services Cairn serves itself (CloudTrail) are generated too, with
// their models' error shapes, for the servers' own checks: ServedByName;
// they are not in Services(), so the gateway never forwards them.
//
// Resolve (and Match) identify the operation a request asks for; see
// Service.Match for the rules per protocol.
package awsmodel

//go:generate go run ./gen
