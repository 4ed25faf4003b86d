package cterr

import (
	"go/ast"
	"go/parser"
	"go/token"
	"slices"
	"testing"

	"github.com/cairn-audit/cairn/internal/awsmodel"
)

// TestCodesMatchModel checks modelCodes against the exception shapes of the
// generated CloudTrail model: every shape has its constant, and no constant
// names a shape the model lacks.
func TestCodesMatchModel(t *testing.T) {
	svc, ok := awsmodel.ServedByName("cloudtrail")
	if !ok {
		t.Fatal("awsmodel has no cloudtrail tables")
	}
	shapes := svc.ErrorShapes()
	if len(shapes) == 0 {
		t.Fatal("the generated cloudtrail model lists no error shapes")
	}
	var got []string
	for _, c := range modelCodes {
		got = append(got, string(c))
	}
	for _, s := range shapes {
		if !slices.Contains(got, s) {
			t.Errorf("model error shape %s has no constant", s)
		}
	}
	for _, c := range got {
		if !slices.Contains(shapes, c) {
			t.Errorf("constant %s is not an error shape of the model", c)
		}
	}
	for _, c := range protocolCodes {
		if slices.Contains(shapes, string(c)) {
			t.Errorf("protocol code %s is a model shape: list it with the shapes", c)
		}
	}
}

// TestEveryConstantListed parses cterr.go: each Code constant is in
// modelCodes or protocolCodes, so the model check above covers it.
func TestEveryConstantListed(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "cterr.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	listed := map[string]bool{}
	for _, c := range append(slices.Clone(modelCodes), protocolCodes...) {
		listed[string(c)] = true
	}
	n := 0
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			continue
		}
		for _, sp := range g.Specs {
			vs := sp.(*ast.ValueSpec)
			for _, v := range vs.Values {
				lit, ok := v.(*ast.BasicLit)
				if !ok {
					continue
				}
				n++
				if code := lit.Value[1 : len(lit.Value)-1]; !listed[code] {
					t.Errorf("constant %s is in neither modelCodes nor protocolCodes", code)
				}
			}
		}
	}
	if n != len(listed) {
		t.Errorf("%d constants, %d listed", n, len(listed))
	}
}

func TestNew(t *testing.T) {
	err := TrailNotFound.New("Unknown trail: %s", "x")
	if err.Code != "TrailNotFoundException" || err.Message != "Unknown trail: x" || err.HTTPStatus() != 400 {
		t.Fatalf("got %+v", err)
	}
	if !TrailNotFound.Is(err) || InvalidParameter.Is(err) || TrailNotFound.Is(nil) {
		t.Fatal("Is")
	}
}
