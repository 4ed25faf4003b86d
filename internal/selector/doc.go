// Package selector holds CloudTrail event selectors: the API shapes of basic
// (EventSelector) and advanced (AdvancedEventSelector) selectors, their
// validation as PutEventSelectors and CreateEventDataStore apply it, and a
// compiled Matcher that decides, without allocating, whether a trail or an
// event data store receives an event.
//
// # Semantics
//
// Basic selectors: a management event matches a selector that includes
// management events, accepts its readOnly value (ReadWriteType) and does not
// exclude its event source; a data event matches a selector with a
// DataResource whose Type equals the type of one of the event's resources and
// one of whose values selects that resource's ARN (S3: ARN prefix; Lambda and
// DynamoDB: exact ARN; "arn:<p>:s3", "arn:<p>:s3:::", "arn:<p>:lambda" and
// "arn:<p>:dynamodb": every resource of the type), and which accepts its
// readOnly value. Other categories never match basic selectors.
//
// Advanced selectors: an event matches if it matches any selector; a
// selector matches if every field selector does; within a field selector,
// positive operators (Equals, StartsWith, EndsWith) need some value to match,
// negative ones (NotEquals, NotStartsWith, NotEndsWith) need no value to
// match, and every operator present must hold. An absent (empty) field fails
// positive operators and passes negative ones. readOnly compares as "true" /
// "false". resources.type and resources.ARN are tested on one resource at a
// time: the selector needs a resource whose type satisfies resources.type and
// whose ARN satisfies resources.ARN (so the ARN condition of an S3 object
// selector is not satisfied by the event's bucket resource). Comparisons are
// case-sensitive.
//
// # Test scripts
//
// testdata/match/*.txt and testdata/validate/*.txt are scripts run by
// datadriven_test.go. A script is a sequence of blocks; lines starting with
// '#' and blank lines between blocks are comments. A block is
//
//	<command> [args...]
//	<input lines, possibly none>
//	----
//	<expected output lines>
//
// and ends at a blank line or the end of the file. Commands:
//
//	selectors [eds]        input: a Set as JSON ({"basic":[...]} or
//	                       {"advanced":[...]}, {} for the default). Compiles it
//	                       for a trail (for an event data store with eds).
//	                       Output: "ok" or "error: <message>". Later event and
//	                       wants-data blocks use this matcher.
//	event k=v ...          no input. Output: "match" or "no match". Keys:
//	                       category, source, name, type, error, user, vpce,
//	                       console (sessionCredentialFromConsole), ro (true or
//	                       false, default false), res=<type>|<arn> (repeatable).
//	                       Values cannot contain spaces.
//	wants-data             Output: "true" or "false".
//	validate basic         input: a JSON list of EventSelector, checked by
//	                       ValidateBasic. Output: "ok" or "error: <message>".
//	validate advanced [eds]
//	                       input: a JSON list of AdvancedEventSelector, checked
//	                       by ValidateAdvanced for a trail (or an event data
//	                       store). Output as for validate basic.
//
// Inputs may use two macros, expanded before JSON parsing: @list(N,fmt)
// becomes N comma-separated JSON strings, fmt with %d replaced by 1..N, and
// @repeat(N,s) becomes one JSON string of s repeated N times.
//
// Run "go test ./internal/selector -run TestDataDriven -rewrite" to rewrite
// the expected outputs from the current behaviour (then review the diff).
package selector
