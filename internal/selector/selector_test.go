package selector

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"

	"github.com/cairn-audit/cairn/internal/event"
)

func TestJSONShapes(t *testing.T) {
	f := false
	got, err := json.Marshal(Set{Basic: []EventSelector{{
		ReadWriteType:                 WriteOnly,
		IncludeManagementEvents:       &f,
		DataResources:                 []DataResource{{Type: TypeS3Object, Values: []string{"arn:aws:s3:::b1/"}}},
		ExcludeManagementEventSources: []string{SourceKMS},
	}}})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"basic":[{"ReadWriteType":"WriteOnly","IncludeManagementEvents":false,"DataResources":[{"Type":"AWS::S3::Object","Values":["arn:aws:s3:::b1/"]}],"ExcludeManagementEventSources":["kms.amazonaws.com"]}]}`
	if string(got) != want {
		t.Errorf("basic:\n got %s\nwant %s", got, want)
	}

	got, err = json.Marshal([]AdvancedEventSelector{{FieldSelectors: []FieldSelector{{
		Field: "eventName", Equals: []string{"a"}, StartsWith: []string{"b"}, EndsWith: []string{"c"},
		NotEquals: []string{"d"}, NotStartsWith: []string{"e"}, NotEndsWith: []string{"f"},
	}, {Field: "eventCategory", Equals: []string{"Data"}}}}})
	if err != nil {
		t.Fatal(err)
	}
	want = `[{"FieldSelectors":[{"Field":"eventName","Equals":["a"],"StartsWith":["b"],"EndsWith":["c"],"NotEquals":["d"],"NotStartsWith":["e"],"NotEndsWith":["f"]},{"Field":"eventCategory","Equals":["Data"]}]}]`
	if string(got) != want {
		t.Errorf("advanced:\n got %s\nwant %s", got, want)
	}

	// What AWS clients send decodes into the shapes.
	var sel []EventSelector
	in := `[{"ReadWriteType":"ReadOnly","IncludeManagementEvents":true,"DataResources":[{"Type":"AWS::Lambda::Function","Values":["arn:aws:lambda"]}],"ExcludeManagementEventSources":[]}]`
	if err := json.Unmarshal([]byte(in), &sel); err != nil {
		t.Fatal(err)
	}
	if sel[0].ReadWriteType != ReadOnly || !*sel[0].IncludeManagementEvents || sel[0].DataResources[0].Values[0] != "arn:aws:lambda" {
		t.Errorf("decoded %+v", sel)
	}
}

func TestDefaultAndNormalized(t *testing.T) {
	d := Default()
	b, _ := json.Marshal(d.Basic)
	if string(b) != `[{"ReadWriteType":"All","IncludeManagementEvents":true}]` {
		t.Errorf("Default JSON %s", b)
	}
	if got := d.Basic[0]; got.DataResources == nil || got.ExcludeManagementEventSources == nil {
		t.Errorf("Default lists must be empty, not nil: %+v", got)
	}
	if !reflect.DeepEqual(Set{}.Normalized(), d) {
		t.Errorf("zero Set normalizes to %+v", Set{}.Normalized())
	}

	f := false
	in := Set{Basic: []EventSelector{{}, {ReadWriteType: ReadOnly, IncludeManagementEvents: &f,
		DataResources: []DataResource{{Type: TypeS3Object, Values: []string{"arn:aws:s3"}}}}}}
	n := in.Normalized()
	if n.Basic[0].ReadWriteType != All || !*n.Basic[0].IncludeManagementEvents || n.Basic[0].DataResources == nil || n.Basic[0].ExcludeManagementEventSources == nil {
		t.Errorf("defaults not filled: %+v", n.Basic[0])
	}
	if n.Basic[1].ReadWriteType != ReadOnly || *n.Basic[1].IncludeManagementEvents {
		t.Errorf("explicit values changed: %+v", n.Basic[1])
	}
	n.Basic[1].DataResources[0].Values[0] = "changed"
	*n.Basic[1].IncludeManagementEvents = true
	if in.Basic[1].DataResources[0].Values[0] != "arn:aws:s3" || *in.Basic[1].IncludeManagementEvents {
		t.Error("Normalized shares memory with its receiver")
	}
	if in.Basic[0].IncludeManagementEvents != nil {
		t.Error("Normalized changed its receiver")
	}

	adv := DefaultEventDataStore()
	if !reflect.DeepEqual(adv.Normalized(), adv) {
		t.Errorf("advanced Normalized changed the selectors: %+v", adv.Normalized())
	}
}

func TestValidationErrorType(t *testing.T) {
	_, err := Compile(Set{Advanced: []AdvancedEventSelector{{FieldSelectors: []FieldSelector{{Field: "eventCategory", Equals: []string{"Foo"}}}}}})
	var ve *ValidationError
	if !errors.As(err, &ve) || ve.Message != err.Error() || ve.Message == "" {
		t.Fatalf("got %T %v", err, err)
	}
	for _, err := range []error{
		ValidateBasic(nil),
		ValidateAdvanced(nil, ForTrail),
	} {
		if !errors.As(err, &ve) {
			t.Errorf("got %T %v", err, err)
		}
	}
}

func TestFromMeta(t *testing.T) {
	m := &event.Meta{
		Category: "", Management: true, EventSource: "iam.amazonaws.com", EventName: "CreateUser",
		EventType: "AwsApiCall", ReadOnly: false, ErrorCode: "AccessDenied", UserARN: "arn:aws:iam::111111111111:user/a",
		Resources: []event.ResourceRef{{Type: "AWS::IAM::User", Name: "bob", ARN: "arn:aws:iam::111111111111:user/bob"}},
	}
	e := FromMeta(m)
	want := Event{Category: CategoryManagement, EventSource: "iam.amazonaws.com", EventName: "CreateUser",
		EventType: "AwsApiCall", ErrorCode: "AccessDenied", UserARN: "arn:aws:iam::111111111111:user/a",
		Resources: []Resource{{Type: "AWS::IAM::User", ARN: "arn:aws:iam::111111111111:user/bob"}}}
	if !reflect.DeepEqual(e, want) {
		t.Errorf("FromMeta:\n got %+v\nwant %+v", e, want)
	}
	m.Category = CategoryData
	if FromMeta(m).Category != CategoryData {
		t.Error("category not kept")
	}
}

func TestNilMatcher(t *testing.T) {
	var m *Matcher
	if m.Match(&Event{}) || m.WantsData() {
		t.Error("nil matcher matched")
	}
}

func TestMatchDoesNotAllocate(t *testing.T) {
	for name, s := range benchSets() {
		m, err := Compile(s)
		if err != nil {
			t.Fatal(name, err)
		}
		evs := benchEvents()
		if n := testing.AllocsPerRun(100, func() {
			for i := range evs {
				m.Match(&evs[i])
			}
		}); n != 0 {
			t.Errorf("%s: %v allocations per run", name, n)
		}
	}
}
