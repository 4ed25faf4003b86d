package lake

import (
	"errors"
	"fmt"
	"strings"
)

// ErrQueryParameters is a QueryParameters list that does not fit the
// statement's placeholders.
var ErrQueryParameters = errors.New("lake: query parameters do not match the statement")

// BindParameters substitutes params, in order, for the statement's
// placeholders and returns the statement to run. A placeholder is a `?`
// outside string literals, quoted identifiers and comments, or a string
// literal holding just a question mark ('?', the form AWS documents for
// eventTime parameters); each becomes the parameter as a SQL string literal
// (quotes doubled), so a parameter is always one value and never SQL.
// There must be exactly one parameter per placeholder.
func BindParameters(sql string, params []string) (string, error) {
	var b strings.Builder
	used := 0
	bind := func() error {
		if used == len(params) {
			return fmt.Errorf("%w: it has more placeholders than the %d parameters", ErrQueryParameters, len(params))
		}
		p := params[used]
		if strings.ContainsRune(p, 0) {
			return fmt.Errorf("%w: parameter %d holds a NUL character", ErrQueryParameters, used+1)
		}
		b.WriteString("'" + strings.ReplaceAll(p, "'", "''") + "'")
		used++
		return nil
	}
	for i := 0; i < len(sql); {
		c := sql[i]
		var end int
		switch {
		case c == '?':
			if err := bind(); err != nil {
				return "", err
			}
			i++
			continue
		case c == '\'':
			end = quotedEnd(sql, i, '\'', false)
			if sql[i:end] == "'?'" {
				if err := bind(); err != nil {
					return "", err
				}
				i = end
				continue
			}
		case (c == 'E' || c == 'e') && i+1 < len(sql) && sql[i+1] == '\'' && (i == 0 || !identByte(sql[i-1])):
			end = quotedEnd(sql, i+1, '\'', true)
		case c == '"':
			end = quotedEnd(sql, i, '"', false)
		case c == '-' && strings.HasPrefix(sql[i:], "--"):
			end = len(sql)
			if n := strings.IndexByte(sql[i:], '\n'); n >= 0 {
				end = i + n + 1
			}
		case c == '/' && strings.HasPrefix(sql[i:], "/*"):
			end = len(sql)
			if n := strings.Index(sql[i+2:], "*/"); n >= 0 {
				end = i + 2 + n + 2
			}
		default:
			end = i + 1
		}
		b.WriteString(sql[i:end])
		i = end
	}
	if used != len(params) {
		return "", fmt.Errorf("%w: it has %d placeholders for %d parameters", ErrQueryParameters, used, len(params))
	}
	return b.String(), nil
}

// quotedEnd returns the index just past the quoted token opened at sql[start]
// (a doubled quote stands for itself; with backslash, \ escapes the next
// byte), or len(sql) if it never closes.
func quotedEnd(sql string, start int, quote byte, backslash bool) int {
	for i := start + 1; i < len(sql); i++ {
		switch sql[i] {
		case '\\':
			if backslash {
				i++
			}
		case quote:
			if i+1 < len(sql) && sql[i+1] == quote {
				i++
				continue
			}
			return i + 1
		}
	}
	return len(sql)
}

func identByte(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}
