package lakedb

import (
	"bytes"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/cairn-audit/cairn/internal/lake"
)

// Rows reach DuckDB as one VARCHAR parameter: a line per row, lines
// separated by U+001E (record separator) and fields by U+001F (unit
// separator), split back into rows by DuckDB (string_split, split_part).
// One bound string costs a few copies; the Appender costs a cgo call per
// value and a staging table stores every record once more (Append was a
// quarter slower with them), and go-duckdb's Arrow view leaks the exported
// stream of every call. Neither separator occurs in JSON text (raw control
// characters are not allowed in it); one in a record that is not JSON, or
// in an event ID, becomes U+FFFD, as do invalid UTF-8 bytes (DuckDB text is
// UTF-8).
const (
	rowSeparator   = '\x1e'
	fieldSeparator = '\x1f'
)

// stagedRows is the select of the rows of a staged parameter $1: eventid,
// eventtime, bytes (the record's length as given) and record.
const stagedRows = `SELECT split_part(line, chr(31), 1) AS eventid,
	make_timestamp(CAST(split_part(line, chr(31), 2) AS BIGINT)) AS eventtime,
	CAST(split_part(line, chr(31), 3) AS INTEGER) AS bytes,
	split_part(line, chr(31), 4) AS record
	FROM (SELECT unnest(string_split($1, chr(30))) AS line)`

// stageRows encodes rows as the parameter of stagedRows.
func stageRows(rows []*lake.Row) string {
	n := 0
	for _, r := range rows {
		n += len(r.Record) + len(r.EventID) + 40
	}
	var b strings.Builder
	b.Grow(n)
	for i, r := range rows {
		if i > 0 {
			b.WriteByte(rowSeparator)
		}
		b.WriteString(stagedText(r.EventID))
		b.WriteByte(fieldSeparator)
		b.WriteString(strconv.FormatInt(r.Time.UnixMicro(), 10))
		b.WriteByte(fieldSeparator)
		b.WriteString(strconv.Itoa(len(r.Record)))
		b.WriteByte(fieldSeparator)
		if utf8.Valid(r.Record) && bytes.IndexByte(r.Record, rowSeparator) < 0 && bytes.IndexByte(r.Record, fieldSeparator) < 0 {
			b.Write(r.Record)
		} else {
			b.WriteString(stagedText(string(r.Record)))
		}
	}
	return b.String()
}

// stagedText is s as valid UTF-8 without the separators.
func stagedText(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	return strings.Map(func(r rune) rune {
		if r == rowSeparator || r == fieldSeparator {
			return '\uFFFD'
		}
		return r
	}, s)
}
