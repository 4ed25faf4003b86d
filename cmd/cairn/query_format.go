package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// Output formats of cairn query.
const (
	formatTable = "table"
	formatCSV   = "csv"
	formatJSON  = "json"
)

// cell is one result value. Results from the server have no NULLs (the
// API renders NULL as ""); results of --logs do.
type cell struct {
	s    string
	null bool
}

// resultWriter prints a query's results: Columns once (not at all when
// there are no rows and the columns are unknown), then each row, then
// Finish.
type resultWriter interface {
	Columns(names []string) error
	Row(values []cell) error
	Finish() error
}

// newResultWriter returns the writer of format (table, csv or json).
func newResultWriter(format string, w io.Writer) (resultWriter, error) {
	switch format {
	case formatTable:
		return &tableWriter{w: w}, nil
	case formatCSV:
		return &csvWriter{w: csv.NewWriter(w)}, nil
	case formatJSON:
		return &jsonWriter{w: w}, nil
	}
	return nil, fmt.Errorf("--format must be table, csv or json, not %q", format)
}

// tableWriter prints aligned columns as psql does: a header, a rule, the
// rows, and a row count. It holds the rows until Finish to size the columns.
type tableWriter struct {
	w     io.Writer
	names []string
	rows  [][]string
}

func (t *tableWriter) Columns(names []string) error {
	t.names = names
	return nil
}

func (t *tableWriter) Row(values []cell) error {
	row := make([]string, len(values))
	for i, v := range values {
		row[i] = tableText(v.s) // NULL prints empty, as psql's default
	}
	t.rows = append(t.rows, row)
	return nil
}

func (t *tableWriter) Finish() error {
	widths := make([]int, len(t.names))
	for i, n := range t.names {
		widths[i] = utf8.RuneCountInString(n)
	}
	for _, r := range t.rows {
		for i, v := range r {
			if i < len(widths) {
				widths[i] = max(widths[i], utf8.RuneCountInString(v))
			}
		}
	}
	var b bytes.Buffer
	line := func(vals []string) {
		for i, w := range widths {
			if i > 0 {
				b.WriteString(" |")
			}
			v := ""
			if i < len(vals) {
				v = vals[i]
			}
			b.WriteByte(' ')
			b.WriteString(v)
			if i < len(widths)-1 {
				b.WriteString(strings.Repeat(" ", w-utf8.RuneCountInString(v)))
			}
		}
		b.WriteByte('\n')
	}
	if len(t.names) > 0 {
		line(t.names)
		for i, w := range widths {
			if i > 0 {
				b.WriteByte('+')
			}
			b.WriteString(strings.Repeat("-", w+2))
		}
		b.WriteByte('\n')
	}
	for _, r := range t.rows {
		line(r)
	}
	if len(t.rows) == 1 {
		b.WriteString("(1 row)\n")
	} else {
		fmt.Fprintf(&b, "(%d rows)\n", len(t.rows))
	}
	_, err := t.w.Write(b.Bytes())
	return err
}

// tableText keeps a value on one line: line breaks and tabs are escaped.
func tableText(s string) string {
	if !strings.ContainsAny(s, "\n\r\t") {
		return s
	}
	return strings.NewReplacer("\n", `\n`, "\r", `\r`, "\t", `\t`).Replace(s)
}

// csvWriter prints a header line and one line per row (RFC 4180).
type csvWriter struct{ w *csv.Writer }

func (c *csvWriter) Columns(names []string) error { return c.w.Write(names) }

func (c *csvWriter) Row(values []cell) error {
	rec := make([]string, len(values))
	for i, v := range values {
		rec[i] = v.s
	}
	return c.w.Write(rec)
}

func (c *csvWriter) Finish() error {
	c.w.Flush()
	return c.w.Error()
}

// jsonWriter prints one JSON object per row (JSON Lines): column name to
// value, in SELECT order; values are strings, NULL is null.
type jsonWriter struct {
	w     io.Writer
	names []string
}

func (j *jsonWriter) Columns(names []string) error {
	j.names = names
	return nil
}

func (j *jsonWriter) Row(values []cell) error {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, v := range values {
		if i > 0 {
			b.WriteByte(',')
		}
		name := fmt.Sprintf("_col%d", i)
		if i < len(j.names) {
			name = j.names[i]
		}
		k, err := json.Marshal(name)
		if err != nil {
			return fmt.Errorf("encode column name: %w", err)
		}
		b.Write(k)
		b.WriteByte(':')
		if v.null {
			b.WriteString("null")
			continue
		}
		s, err := json.Marshal(v.s)
		if err != nil {
			return fmt.Errorf("encode value: %w", err)
		}
		b.Write(s)
	}
	b.WriteString("}\n")
	_, err := j.w.Write(b.Bytes())
	return err
}

func (j *jsonWriter) Finish() error { return nil }
