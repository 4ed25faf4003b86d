package api

import (
	"net/http"
	"testing"
)

func TestJSONOperationAcceptsBothTargetForms(t *testing.T) {
	p := JSON{TargetPrefix: "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101"}
	for target, want := range map[string]string{
		"com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents": "LookupEvents", // botocore
		"CloudTrail_20131101.LookupEvents":                                    "LookupEvents", // aws-sdk-go-v2 (Smithy)
		"Other_20131101.LookupEvents":                                         "",
		"com.amazonaws.other.CloudTrail_20131101.LookupEvents":                "",
		"LookupEvents": "",
		"":             "",
	} {
		r := &http.Request{Header: http.Header{"X-Amz-Target": {target}}}
		if got := p.Operation(r, nil); got != want {
			t.Errorf("%q: %q, want %q", target, got, want)
		}
	}
}
