package lake

import (
	"errors"
	"testing"
)

func TestBindParameters(t *testing.T) {
	cases := []struct {
		name, sql string
		params    []string
		want      string
		err       bool
	}{
		{"one", "SELECT * FROM t WHERE eventName = ?", []string{"GetUser"}, "SELECT * FROM t WHERE eventName = 'GetUser'", false},
		{"quoted form", "SELECT * FROM t WHERE eventTime > '?' AND x = ?", []string{"2024-01-01 00:00:00", "a"},
			"SELECT * FROM t WHERE eventTime > '2024-01-01 00:00:00' AND x = 'a'", false},
		{"quotes escaped", "SELECT ? AS x", []string{"it's' OR 1=1 --"}, "SELECT 'it''s'' OR 1=1 --' AS x", false},
		{"not in literals", "SELECT 'a?b', \"c?\", 'it''s ?' FROM t WHERE x = ?", []string{"v"},
			"SELECT 'a?b', \"c?\", 'it''s ?' FROM t WHERE x = 'v'", false},
		{"not in comments", "SELECT 1 -- why?\nFROM t /* what? */ WHERE x = ?", []string{"v"},
			"SELECT 1 -- why?\nFROM t /* what? */ WHERE x = 'v'", false},
		{"escape string", `SELECT E'\'?' FROM t WHERE x = ?`, []string{"v"}, `SELECT E'\'?' FROM t WHERE x = 'v'`, false},
		{"identifier ending in e", "SELECT name'?' FROM t", []string{"v"}, "SELECT name'v' FROM t", false},
		{"too few placeholders", "SELECT ? FROM t", []string{"a", "b"}, "", true},
		{"too many placeholders", "SELECT ?, ? FROM t", []string{"a"}, "", true},
		{"none", "SELECT 1", []string{"a"}, "", true},
		{"NUL", "SELECT ?", []string{"a\x00"}, "", true},
		{"unterminated literal", "SELECT 'abc ?", []string{"a"}, "", true},
	}
	for _, c := range cases {
		got, err := BindParameters(c.sql, c.params)
		if c.err {
			if !errors.Is(err, ErrQueryParameters) {
				t.Errorf("%s: %q, %v; want ErrQueryParameters", c.name, got, err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("%s: %q, %v; want %q", c.name, got, err, c.want)
		}
	}
}
