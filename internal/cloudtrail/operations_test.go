package cloudtrail

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/cairn-audit/cairn/internal/awsmodel"
)

// TestOperationTableMatchesModel checks the operation table against the
// generated botocore model: every model operation is in the table, every
// table entry is a model operation.
func TestOperationTableMatchesModel(t *testing.T) {
	svc, ok := awsmodel.ServedByName("cloudtrail")
	if !ok {
		t.Fatal("awsmodel has no cloudtrail tables")
	}
	if svc.TargetPrefix != TargetPrefix || svc.APIVersion != APIVersion {
		t.Fatalf("model target %s version %s, service %s %s", svc.TargetPrefix, svc.APIVersion, TargetPrefix, APIVersion)
	}
	inModel := map[string]bool{}
	for _, o := range svc.Operations() {
		inModel[o.Name] = true
		if _, ok := operationTable[o.Name]; !ok {
			t.Errorf("model operation %s is not in operationTable", o.Name)
		}
		if got := readOnlyOperation(o.Name); got != o.ReadOnly {
			t.Errorf("%s: readOnly %v, model rule says %v", o.Name, got, o.ReadOnly)
		}
	}
	for op := range operationTable {
		if !inModel[op] {
			t.Errorf("operationTable lists %s, which the model does not define", op)
		}
	}
	if len(inModel) != 60 {
		t.Logf("the model has %d operations (60 when this was written)", len(inModel))
	}
}

// TestUnsupportedAndUnknownOperations: a model operation without a handler
// answers UnsupportedOperationException, a name outside the model
// UnknownOperationException; both HTTP 400 in the JSON 1.1 error shape.
func TestUnsupportedAndUnknownOperations(t *testing.T) {
	s := newTestService(t, fill(t, 1), 0)
	cases := map[string]string{"DescribeTrailz": "UnknownOperationException", "CreateTrails": "UnknownOperationException"}
	for op, o := range operationTable {
		if o.part == unsupported {
			cases[op] = "UnsupportedOperationException"
			if o.serve != nil {
				t.Errorf("%s: unsupported with a handler", op)
			}
		} else if o.serve == nil {
			t.Errorf("%s: no handler", op)
		}
	}
	for op, want := range cases {
		res := s.Handle(t.Context(), call("111111111111", op, map[string]any{}))
		if res.ErrorCode != want || res.Status != 400 {
			t.Errorf("%s: %s %d, want %s 400", op, res.ErrorCode, res.Status, want)
			continue
		}
		var body struct {
			Type    string `json:"__type"`
			Message string `json:"message"`
		}
		if err := json.Unmarshal(res.Body, &body); err != nil || body.Type != want || body.Message == "" {
			t.Errorf("%s: body %s (%v)", op, res.Body, err)
		}
	}
}

// TestNoErrorCodeLiterals keeps error names in one place: no handler file
// spells an exception name; they use internal/cloudtrail/cterr.
func TestNoErrorCodeLiterals(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	lit := regexp.MustCompile(`"[A-Z][A-Za-z0-9]*Exception"`)
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(b), "\n") {
			if code, _, _ := strings.Cut(line, "//"); lit.MatchString(code) {
				t.Errorf("%s:%d spells an error code: %s (use cterr)", f, i+1, strings.TrimSpace(line))
			}
		}
	}
}
