package main

import (
	"bytes"
	"testing"
)

// sampleResult is a result with the values formats must take care of:
// separators, quotes, a line break, wide characters and NULL.
var sampleResult = struct {
	columns []string
	rows    [][]cell
}{
	columns: []string{"eventName", "n", "note"},
	rows: [][]cell{
		{{s: "DescribeTrails"}, {s: "30"}, {s: `a "quoted", text`}},
		{{s: "Überprüfung"}, {s: "7"}, {s: "two\nlines"}},
		{{s: "GetBucketAcl"}, {null: true}, {s: ""}},
	},
}

func render(t *testing.T, format string, withColumns bool) string {
	t.Helper()
	var b bytes.Buffer
	w, err := newResultWriter(format, &b)
	if err != nil {
		t.Fatal(err)
	}
	if withColumns {
		if err := w.Columns(sampleResult.columns); err != nil {
			t.Fatal(err)
		}
		for _, r := range sampleResult.rows {
			if err := w.Row(r); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := w.Finish(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestQueryTableFormat(t *testing.T) {
	want := ` eventName      | n  | note
----------------+----+------------------
 DescribeTrails | 30 | a "quoted", text
 Überprüfung    | 7  | two\nlines
 GetBucketAcl   |    | 
(3 rows)
`
	if got := render(t, formatTable, true); got != want {
		t.Fatalf("table\n%s\nwant\n%s", got, want)
	}
	if got := render(t, formatTable, false); got != "(0 rows)\n" {
		t.Fatalf("empty table %q", got)
	}
	var b bytes.Buffer
	w, _ := newResultWriter(formatTable, &b)
	_ = w.Columns([]string{"count"})
	_ = w.Row([]cell{{s: "1"}})
	_ = w.Finish()
	if b.String() != " count\n-------\n 1\n(1 row)\n" {
		t.Fatalf("one row %q", b.String())
	}
}

func TestQueryCSVFormat(t *testing.T) {
	want := "eventName,n,note\nDescribeTrails,30,\"a \"\"quoted\"\", text\"\nÜberprüfung,7,\"two\nlines\"\nGetBucketAcl,,\n"
	if got := render(t, formatCSV, true); got != want {
		t.Fatalf("csv\n%q\nwant\n%q", got, want)
	}
	if got := render(t, formatCSV, false); got != "" {
		t.Fatalf("empty csv %q", got)
	}
}

func TestQueryJSONFormat(t *testing.T) {
	want := `{"eventName":"DescribeTrails","n":"30","note":"a \"quoted\", text"}
{"eventName":"Überprüfung","n":"7","note":"two\nlines"}
{"eventName":"GetBucketAcl","n":null,"note":""}
`
	if got := render(t, formatJSON, true); got != want {
		t.Fatalf("json\n%s\nwant\n%s", got, want)
	}
	if _, err := newResultWriter("yaml", &bytes.Buffer{}); err == nil {
		t.Fatal("an unknown format was accepted")
	}
}

func TestGroupDigits(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 1234567: "1,234,567", -12345: "-12,345"} {
		if got := groupDigits(n); got != want {
			t.Errorf("groupDigits(%d) = %q, want %q", n, got, want)
		}
	}
}
