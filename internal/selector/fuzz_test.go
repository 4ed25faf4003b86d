package selector

import (
	"encoding/json"
	"strings"
	"testing"
)

// FuzzCompileMatch feeds arbitrary selector JSON and event descriptions:
// Compile must never panic, and neither may Match on what compiles.
func FuzzCompileMatch(f *testing.F) {
	for _, s := range []string{
		`{}`,
		`{"basic":[{"ReadWriteType":"ReadOnly","DataResources":[{"Type":"AWS::S3::Object","Values":["arn:aws:s3:::b1/"]}]}]}`,
		`{"basic":[{"DataResources":[{"Type":"AWS::Lambda::Function","Values":["arn:aws:lambda"]}],"ExcludeManagementEventSources":["kms.amazonaws.com"]}]}`,
		`{"advanced":[{"FieldSelectors":[{"Field":"eventCategory","Equals":["Data"]},{"Field":"resources.type","Equals":["AWS::S3::Object"]},{"Field":"resources.ARN","NotStartsWith":["arn:aws:s3:::b/"]}]}]}`,
		`{"advanced":[{"FieldSelectors":[{"Field":"eventCategory","Equals":["NetworkActivity"]},{"Field":"eventSource","Equals":["kms.amazonaws.com"]}]}]}`,
		`{"advanced":[{"FieldSelectors":[{"Field":"eventCategory","Equals":["Insight"]}]}]}`,
		`{"advanced":[{"FieldSelectors":[{"Field":"eventCategory"}]}]}`,
		`{"advanced":[{"FieldSelectors":[]}],"basic":[{}]}`,
	} {
		f.Add([]byte(s), "category=Data name=GetObject ro=true res=AWS::S3::Object|arn:aws:s3:::b/k")
		f.Add([]byte(s), "category=Management source=kms.amazonaws.com")
	}
	f.Fuzz(func(t *testing.T, data []byte, ev string) {
		var s Set
		if json.Unmarshal(data, &s) != nil {
			return
		}
		e, err := parseEvent(strings.Fields(ev))
		if err != nil {
			e = Event{Category: ev, EventName: ev, Resources: []Resource{{Type: ev, ARN: ev}}}
		}
		for _, target := range []Target{ForTrail, ForEventDataStore} {
			m, err := CompileFor(s, target)
			if err != nil {
				if _, ok := err.(*ValidationError); !ok {
					t.Fatalf("error of type %T: %v", err, err)
				}
				continue
			}
			m.Match(&e)
			m.WantsData()
			_ = s.Normalized()
		}
	})
}
