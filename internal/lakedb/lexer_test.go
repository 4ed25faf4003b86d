package lakedb

import (
	"errors"
	"testing"

	"github.com/cairn-audit/cairn/internal/lake"
)

func TestNormalizeStoreRefs(t *testing.T) {
	const id = "6f1b2c3d-1111-4222-8333-444455556666"
	const q = `"` + id + `"`
	cases := []struct{ in, want string }{
		{"SELECT * FROM " + id, "SELECT * FROM " + q},
		{"SELECT * FROM 6F1B2C3D-1111-4222-8333-444455556666 t", "SELECT * FROM " + q + " t"},
		{"SELECT * FROM arn:aws:cloudtrail:us-east-1:123456789012:eventdatastore/" + id + " WHERE x", "SELECT * FROM " + q + " WHERE x"},
		{"SELECT * FROM arn:aws-cn:cloudtrail:cn-north-1:123456789012:eventdatastore/" + id, "SELECT * FROM " + q},
		{`SELECT * FROM "arn:aws:cloudtrail:us-east-1:123456789012:eventdatastore/` + id + `"`, "SELECT * FROM " + q},
		{"SELECT * FROM `" + id + "`", "SELECT * FROM " + q},
		{"SELECT `my col` FROM t", `SELECT "my col" FROM t`},
		{"SELECT `a\"b` FROM t", `SELECT "a""b" FROM t`},
		{"SELECT '" + id + "' FROM " + id, "SELECT '" + id + "' FROM " + q},             // a string stays
		{"SELECT 1 -- " + id + "\nFROM " + id, "SELECT 1 -- " + id + "\nFROM " + q},     // so does a comment
		{"SELECT 1 /* " + id + " */ FROM " + id, "SELECT 1 /* " + id + " */ FROM " + q}, // block comment
		{"SELECT " + q + ".eventname FROM " + q, "SELECT " + q + ".eventname FROM " + q},
		{"SELECT x" + id, "SELECT x" + id},                                           // part of a longer name
		{"SELECT " + id + "-1", "SELECT " + id + "-1"},                               // not a whole reference
		{"SELECT E'it\\'s " + id + "' FROM t", "SELECT E'it\\'s " + id + "' FROM t"}, // escaped quote in E''
		{"SELECT 'it''s' FROM " + id, "SELECT 'it''s' FROM " + q},
		{"SELECT $$ " + id + " $$", "SELECT $$ " + id + " $$"},
		{"SELECT $t$ ' $t$ FROM " + id, "SELECT $t$ ' $t$ FROM " + q},
		{"SELECT 1;", "SELECT 1"},
		{"SELECT 1 ; ; -- done\n", "SELECT 1 "},
		{"SELECT ';' FROM t", "SELECT ';' FROM t"},
	}
	for _, c := range cases {
		got, err := normalizeStoreRefs(c.in)
		if err != nil || got != c.want {
			t.Errorf("normalizeStoreRefs(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
	for _, in := range []string{
		"SELECT 1; SELECT 2",
		"SELECT 1; DROP TABLE x",
		"SELECT 1 /* ; */ ; DELETE FROM x",
		"SELECT 1 -- ;\n; DELETE FROM x",
		"SELECT ''''; DROP TABLE x; --'",
	} {
		if _, err := normalizeStoreRefs(in); !errors.Is(err, lake.ErrInvalidQuery) {
			t.Errorf("normalizeStoreRefs(%q): error %v, want ErrInvalidQuery", in, err)
		}
	}
}
