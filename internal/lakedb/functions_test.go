package lakedb

import (
	"testing"
)

// The Trino functions of the AWS Lake dialect, each with the value it
// returns (rendered as GetQueryResults shows it).
func TestLakeTrinoFunctions(t *testing.T) {
	l := openTestLake(t, "")
	nums := " FROM (VALUES (1), (2), (2), (3)) AS t(x)"
	cases := []struct{ expr, want string }{
		{`json_extract_scalar('{"a":{"b":"x"}}', '$.a.b')`, "x"},
		{`json_extract_scalar('{"a":{"b":1}}', '$.a')`, "<null>"},
		{`json_extract_scalar('{"a":[1]}', '$.a[0]')`, "1"},
		{`json_extract('{"a":{"b":[1,2]}}', '$.a.b[1]')`, "2"},
		{`json_extract('{"a":{"b":1}}', '$.a')`, `{"b":1}`},
		{`json_array_length('[1,2,3]')`, "3"},
		{`json_array_contains('[1,"a",true]', 'a')`, "true"},
		{`json_array_contains('[1,"a",true]', 1)`, "true"},
		{`json_array_contains('[1,"a",true]', 2)`, "false"},
		{`json_parse('{"a" : 1}')`, `{"a":1}`},
		{`json_format(json_parse('[1, 2]'))`, "[1,2]"},
		{`from_iso8601_timestamp('2024-01-02T03:04:05Z')`, "2024-01-02 03:04:05.000"},
		{`from_iso8601_timestamp('2024-01-02T05:04:05.250+02:00')`, "2024-01-02 03:04:05.250"},
		{`from_iso8601_date('2024-01-02')`, "2024-01-02"},
		{`to_iso8601(TIMESTAMP '2024-01-02 03:04:05.678')`, "2024-01-02T03:04:05.678"},
		{`date_parse('2024/01/02 03:04:05', '%Y/%m/%d %H:%i:%s')`, "2024-01-02 03:04:05.000"},
		{`date_parse('Jan 2 2024 3:04 PM', '%b %e %Y %l:%i %p')`, "2024-01-02 15:04:00.000"},
		{`date_format(TIMESTAMP '2024-01-02 15:04:05', '%Y-%m-%d %h:%i %p')`, "2024-01-02 03:04 PM"},
		{`date_format(TIMESTAMP '2024-01-02 15:04:05', '%W %M %e, %Y %% %T %%i')`, "Tuesday January 2, 2024 % 15:04:05 %i"},
		{`date_format(t, '%c/%e %k') FROM (VALUES (TIMESTAMP '2024-01-02 15:04:05')) AS v(t)`, "1/2 15"},
		{`from_unixtime(1700000000)`, "2023-11-14 22:13:20.000"},
		{`from_unixtime(1700000000.5)`, "2023-11-14 22:13:20.500"},
		{`to_unixtime(TIMESTAMP '2023-11-14 22:13:20.5')`, "1700000000.5"},
		{`date_add('day', -7, TIMESTAMP '2024-01-10 00:00:00')`, "2024-01-03 00:00:00.000"},
		{`date_add('month', 1, TIMESTAMP '2024-01-31 00:00:00')`, "2024-02-29 00:00:00.000"},
		{`date_add('hour', 30, DATE '2024-01-01')`, "2024-01-02 06:00:00.000"},
		{`date_add('quarter', 1, TIMESTAMP '2024-01-15 00:00:00')`, "2024-04-15 00:00:00.000"},
		{`date_add(DATE '2024-01-01', INTERVAL 1 DAY)`, "2024-01-02 00:00:00.000"}, // DuckDB's own, two arguments
		{`date_diff('day', TIMESTAMP '2024-01-01 23:00:00', TIMESTAMP '2024-01-02 01:00:00')`, "0"},
		{`date_diff('hour', TIMESTAMP '2024-01-01 23:00:00', TIMESTAMP '2024-01-02 01:30:00')`, "2"},
		{`date_diff('month', DATE '2024-01-31', DATE '2024-03-01')`, "1"},
		{`date(TIMESTAMP '2024-01-02 03:04:05')`, "2024-01-02"},
		{`regexp_like('abc', 'b.')`, "true"},
		{`regexp_like('abc', '^b')`, "false"},
		{`regexp_extract('a1b22', '[0-9]+')`, "1"},
		{`regexp_extract('abc', '[0-9]+')`, "<null>"},
		{`regexp_extract('a1b22', '([a-z])([0-9]+)', 2)`, "1"},
		{`cardinality([1, 2, 3])`, "3"},
		{`contains(['a', 'b'], 'b')`, "true"},
		{`contains(['a', 'b'], 'c')`, "false"},
		{`any_match([1, 2, 3], x -> x > 2)`, "true"},
		{`any_match(CAST([] AS INTEGER[]), x -> x > 2)`, "false"},
		{`all_match([1, 2, 3], x -> x > 0)`, "true"},
		{`all_match([1, 2, 3], x -> x > 1)`, "false"},
		{`none_match([1, 2, 3], x -> x > 5)`, "true"},
		{`none_match([1, 2, 3], x -> x > 2)`, "false"},
		{`element_at([10, 20, 30], 2)`, "20"},
		{`element_at([10, 20, 30], -1)`, "30"},
		{`element_at({'a': 1}, 'a')`, "1"},
		{`split('a,b,c', ',')`, `["a","b","c"]`},
		{`strpos('hello', 'l')`, "3"},
		{`url_extract_host('https://user@s3.amazonaws.com:443/x?y=1')`, "s3.amazonaws.com"},
		{`url_extract_host('not a url')`, "<null>"},
		{`array_join(['a', 'b'], '-')`, "a-b"},
		{`transform([1, 2], x -> x * 10)`, "[10,20]"},
		{`sequence(1, 3)`, "[1,2,3]"},
		{`typeof(now())`, "TIMESTAMP"},
		{`date_trunc('day', now()) <= now()`, "true"},
		{`now() - interval '7' day < now()`, "true"},
		{`date_add('day', -7, now()) < now()`, "true"},
		{`current_timestamp > TIMESTAMP '2020-01-01 00:00:00'`, "true"},
		{`abs(epoch(localtimestamp) - epoch(now())) < 5`, "true"},
		{`TIMESTAMP '2024-01-23 00:00:00' > '2023-01-22 00:00:00'`, "true"},
		{`approx_distinct(x)` + nums, "3"},
		{`approx_percentile(x, 0.5)` + nums, "2"},
		{`arbitrary(x) IN (1, 2, 3)` + nums, "true"},
		{`count_if(x > 1)` + nums, "3"},
	}
	for _, c := range cases {
		got := one(t, l, "SELECT "+c.expr, nil)
		if got[0] != c.want {
			t.Errorf("%s = %q, want %q", c.expr, got[0], c.want)
		}
	}
}
