package lakedb

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/cairn-audit/cairn/internal/duckdb"
	"github.com/cairn-audit/cairn/internal/lake"
)

// Users name an event data store by its ID, a UUID, or by its ARN, bare as
// AWS allows (FROM 6f1b...-...), or quoted. Neither parses as a DuckDB
// table name, so before DuckDB sees the statement a lexer pass over its
// code (outside strings, quoted identifiers and comments) replaces every
// such reference by the double-quoted lower-case UUID, the name of the
// store's view.

// storeRefPattern matches a store reference at the start of a string.
var storeRefPattern = regexp.MustCompile(`^(?i:arn:[a-z0-9-]+:cloudtrail:[a-z0-9-]*:[0-9]*:eventdatastore/)?` +
	`((?i:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}))`)

// storeRefID returns the lower-case UUID if s is exactly a store reference.
func storeRefID(s string) (string, bool) {
	m := storeRefPattern.FindStringSubmatch(s)
	if m == nil || len(m[0]) != len(s) {
		return "", false
	}
	return strings.ToLower(m[1]), true
}

func isIdentChar(c byte) bool {
	return c == '_' || c == '$' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
}

// normalizeStoreRefs rewrites the store references in sql's code, turns
// backquoted identifiers into double-quoted ones, drops trailing
// semicolons, and refuses a second statement.
func normalizeStoreRefs(sql string) (string, error) {
	var b strings.Builder
	b.Grow(len(sql) + 16)
	i := 0
	for i < len(sql) {
		c := sql[i]
		switch {
		case c == '\'':
			j := skipQuoted(sql, i, '\'', isEscapeString(sql, i))
			b.WriteString(sql[i:j])
			i = j
		case c == '"' || c == '`':
			j := skipQuoted(sql, i, c, false)
			body := sql[i+1 : max(i+1, j-1)]
			double := string(c) + string(c)
			name := strings.ReplaceAll(body, double, string(c))
			if id, ok := storeRefID(name); ok {
				b.WriteString(duckdb.QuoteIdent(id))
			} else if c == '`' {
				b.WriteString(duckdb.QuoteIdent(name))
			} else {
				b.WriteString(sql[i:j])
			}
			i = j
		case c == '-' && strings.HasPrefix(sql[i:], "--"):
			j := strings.IndexByte(sql[i:], '\n')
			if j < 0 {
				j = len(sql) - i
			}
			b.WriteString(sql[i : i+j])
			i += j
		case c == '/' && strings.HasPrefix(sql[i:], "/*"):
			j := skipBlockComment(sql, i)
			b.WriteString(sql[i:j])
			i = j
		case c == '$' && dollarTag(sql, i) != "":
			tag := dollarTag(sql, i)
			j := strings.Index(sql[i+len(tag):], tag)
			if j < 0 {
				j = len(sql)
			} else {
				j += i + 2*len(tag)
			}
			b.WriteString(sql[i:j])
			i = j
		case c == ';':
			if strings.Trim(stripComments(sql[i+1:]), "; \t\r\n") != "" {
				return "", fmt.Errorf("%w: Only one statement is allowed", lake.ErrInvalidQuery)
			}
			i = len(sql) // trailing semicolons and comments
		default:
			if i == 0 || !isIdentChar(sql[i-1]) {
				if m := storeRefPattern.FindStringSubmatch(sql[i:]); m != nil {
					end := i + len(m[0])
					if end == len(sql) || !isIdentChar(sql[end]) && sql[end] != '-' {
						b.WriteString(duckdb.QuoteIdent(strings.ToLower(m[1])))
						i = end
						continue
					}
				}
			}
			b.WriteByte(c)
			i++
		}
	}
	return b.String(), nil
}

// skipQuoted returns the index after the quoted text starting at sql[i]
// (a doubled quote is one quote; backslash escapes in E” strings), or
// len(sql) if it is not closed.
func skipQuoted(sql string, i int, q byte, backslash bool) int {
	for j := i + 1; j < len(sql); j++ {
		switch sql[j] {
		case '\\':
			if backslash {
				j++
			}
		case q:
			if j+1 < len(sql) && sql[j+1] == q {
				j++
				continue
			}
			return j + 1
		}
	}
	return len(sql)
}

// isEscapeString reports whether the string at sql[i] is E'...'.
func isEscapeString(sql string, i int) bool {
	return i > 0 && (sql[i-1] == 'e' || sql[i-1] == 'E') && (i == 1 || !isIdentChar(sql[i-2]))
}

// skipBlockComment returns the index after the (nesting) block comment at
// sql[i], or len(sql) if it is not closed.
func skipBlockComment(sql string, i int) int {
	depth := 0
	for j := i; j < len(sql)-1; j++ {
		switch {
		case sql[j] == '/' && sql[j+1] == '*':
			depth++
			j++
		case sql[j] == '*' && sql[j+1] == '/':
			depth--
			j++
			if depth == 0 {
				return j + 1
			}
		}
	}
	return len(sql)
}

// dollarTag returns the $tag$ opening a dollar-quoted string at sql[i], or "".
func dollarTag(sql string, i int) string {
	if i > 0 && isIdentChar(sql[i-1]) {
		return ""
	}
	for j := i + 1; j < len(sql); j++ {
		c := sql[j]
		if c == '$' {
			return sql[i : j+1]
		}
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || j > i+1 && c >= '0' && c <= '9') {
			return ""
		}
	}
	return ""
}

// stripComments removes the comments from SQL that has no strings.
func stripComments(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		switch {
		case strings.HasPrefix(s[i:], "--"):
			j := strings.IndexByte(s[i:], '\n')
			if j < 0 {
				return b.String()
			}
			i += j
		case strings.HasPrefix(s[i:], "/*"):
			i = skipBlockComment(s, i)
		default:
			b.WriteByte(s[i])
			i++
		}
	}
	return b.String()
}
