package lakedb

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// Trino functions the AWS Lake dialect offers that DuckDB lacks or defines
// differently, as DuckDB macros. They live in the database's main schema,
// where DuckDB looks before its built-in functions, so a macro named like a
// built-in (now, element_at, cardinality, date_diff, repeat, lpad, rpad)
// replaces it for every statement (except DuckDB's own macros, like
// date_add).
// Functions a macro cannot express (lambdas, optional arguments, JSON map
// access) or replace are rewritten in the statement instead (see
// rewrite.go).
var lakeMacros = []string{
	// now() is TIMESTAMP WITH TIME ZONE in DuckDB, which without ICU cannot
	// be compared with eventtime, truncated or shifted by an interval. Like
	// eventtime, the macro is UTC without a zone.
	`now() AS CAST(get_current_timestamp() AS TIMESTAMP)`,

	// JSON.
	`json_extract_scalar(j, p) AS CASE WHEN json_type(j, p) IN ('OBJECT', 'ARRAY') THEN NULL ELSE json_extract_string(j, p) END`,
	`json_array_contains(j, v) AS list_contains(json_transform(j, '["VARCHAR"]'), CAST(v AS VARCHAR))`,
	`json_parse(s) AS json(s)`,
	`json_format(j) AS CAST(json(j) AS VARCHAR)`,

	// Dates and times. Times are UTC TIMESTAMPs, like eventtime.
	`from_iso8601_timestamp(s) AS CAST(CAST(s AS TIMESTAMP WITH TIME ZONE) AS TIMESTAMP)`,
	`from_iso8601_date(s) AS CAST(s AS DATE)`,
	`to_iso8601(t) AS strftime(CAST(t AS TIMESTAMP), '%Y-%m-%dT%H:%M:%S.%g')`,
	`date(t) AS CAST(t AS DATE)`,
	`from_unixtime(n) AS make_timestamp(CAST(round(CAST(n AS DOUBLE) * 1000000) AS BIGINT))`,
	`to_unixtime(t) AS epoch(CAST(t AS TIMESTAMP))`,
	// date_add is one of DuckDB's own macros, which cannot be replaced:
	// statements call this through the rewrite of date_add(unit, n, t).
	`cairn_date_add(unit, n, t) AS CAST(t AS TIMESTAMP) + CASE lower(unit)
		WHEN 'millisecond' THEN to_milliseconds(CAST(n AS BIGINT))
		WHEN 'second' THEN to_seconds(CAST(n AS BIGINT))
		WHEN 'minute' THEN to_minutes(CAST(n AS BIGINT))
		WHEN 'hour' THEN to_hours(CAST(n AS BIGINT))
		WHEN 'day' THEN to_days(CAST(n AS INTEGER))
		WHEN 'week' THEN to_weeks(CAST(n AS INTEGER))
		WHEN 'month' THEN to_months(CAST(n AS INTEGER))
		WHEN 'quarter' THEN to_months(CAST(n AS INTEGER) * 3)
		WHEN 'year' THEN to_years(CAST(n AS INTEGER))
		ELSE error('date_add: invalid unit ' || unit) END`,
	// Trino counts whole units elapsed, which is DuckDB's date_sub (DuckDB's
	// date_diff counts unit boundaries crossed).
	`date_diff(unit, a, b) AS date_sub(unit, CAST(a AS TIMESTAMP), CAST(b AS TIMESTAMP))`,
	mysqlFormatMacro(), // before its users
	`date_parse(s, f) AS strptime(s, cairn_mysql_format(f, true))`,
	`date_format(t, f) AS strftime(CAST(t AS TIMESTAMP), cairn_mysql_format(f, false))`,

	// Aggregates.
	`approx_distinct(x) AS approx_count_distinct(x)`,

	// Strings and arrays.
	`regexp_like(s, p) AS regexp_matches(s, p)`,
	`cardinality(x) AS len(x)`,
	// Lists (1-based, negative from the end) and structs; on JSON columns
	// the rewrite turns element_at into json_extract_string first.
	`element_at(x, k) AS x[k]`,
	// Functions that make a large value from a small one, bounded: one
	// call's result is built without a chance to interrupt it, beyond the
	// reach of the memory limit and the memory watch. Trino caps sequence
	// and repeat at 10000 elements too. (DuckDB's range, generate_series,
	// format, printf, bar and list_resize are refused, see deniedFunctions.)
	`sequence(a, b) AS CASE WHEN abs(CAST(b AS BIGINT) - CAST(a AS BIGINT)) >= 10000 THEN error('sequence: more than 10000 entries')
		ELSE generate_series(CAST(a AS BIGINT), CAST(b AS BIGINT)) END`,
	`repeat(x, n) AS CASE WHEN n > 10000 THEN error('repeat: count exceeds 10000')
		ELSE list_transform(generate_series(1, n), i -> x) END`,
	`lpad(s, n, p) AS CASE WHEN n > 1048576 THEN error('lpad: size exceeds 1048576') ELSE system.main.lpad(s, n, p) END`,
	`rpad(s, n, p) AS CASE WHEN n > 1048576 THEN error('rpad: size exceeds 1048576') ELSE system.main.rpad(s, n, p) END`,
	`url_extract_host(u) AS nullif(regexp_extract(u, '^[A-Za-z][A-Za-z0-9+.-]*://(?:[^@/?#]*@)?(\[[^\]]*\]|[^:/?#]*)', 1), '')`,
}

// mysqlCodes translate Trino's (MySQL's) date_format/date_parse codes to
// DuckDB strftime/strptime codes; codes absent here mean the same in both
// (%Y %y %m %d %H %I %S %f %p %a %b %j %w %U). Parsing uses the padded
// codes, which DuckDB's strptime reads unpadded too.
var mysqlCodes = []struct{ mysql, format, parse string }{
	{"%c", "%-m", "%m"},
	{"%e", "%-d", "%d"},
	{"%h", "%I", "%I"},
	{"%i", "%M", "%M"},
	{"%k", "%-H", "%H"},
	{"%l", "%-I", "%I"},
	{"%M", "%B", "%B"},
	{"%r", "%I:%M:%S %p", "%I:%M:%S %p"},
	{"%s", "%S", "%S"},
	{"%T", "%H:%M:%S", "%H:%M:%S"},
	{"%u", "%W", "%W"},
	{"%W", "%A", "%A"},
}

// mysqlFormatMacro builds cairn_mysql_format(f, parse): "%%" is set aside
// first, translated codes are written with chr(2) for '%' so that no
// translation is translated again, and both are put back at the end.
func mysqlFormatMacro() string {
	expr := "replace(f, '%%', chr(1))"
	for _, c := range mysqlCodes {
		format := strings.ReplaceAll(c.format, "%", "' || chr(2) || '")
		parse := strings.ReplaceAll(c.parse, "%", "' || chr(2) || '")
		expr = fmt.Sprintf("replace(%s, '%s', CASE WHEN parse THEN '%s' ELSE '%s' END)", expr, c.mysql, parse, format)
	}
	expr = "replace(replace(" + expr + ", chr(2), '%'), chr(1), '%%')"
	return "cairn_mysql_format(f, parse) AS " + expr
}

// createLakeFunctions (re)creates the macros.
func createLakeFunctions(ctx context.Context, db *sql.DB) error {
	for _, m := range lakeMacros {
		if _, err := db.ExecContext(ctx, "CREATE OR REPLACE MACRO "+m); err != nil {
			name, _, _ := strings.Cut(m, "(")
			return fmt.Errorf("create function %s: %w", name, err)
		}
	}
	return nil
}
