package lakedb

import (
	"fmt"
	"strings"

	"github.com/cairn-audit/cairn/internal/lake"
)

// Results are rendered by DuckDB, the way GetQueryResults shows them (all
// strings): the statement runs inside
//
//	SELECT <render(c1)>, ... FROM (<statement>) AS cairn_q(c1, ...)
//
// where render is, by the column's type, TIMESTAMP → 'YYYY-MM-DD
// HH:MM:SS.mmm', structs, lists and maps → compact JSON (to_json), JSON →
// its text, anything else → CAST(... AS VARCHAR) (booleans true/false,
// numbers plain). NULL stays NULL. Positional column aliases keep duplicate
// labels apart; the labels themselves come from DESCRIBE.

// resultColumn is a column of a statement's result.
type resultColumn struct {
	name, typ string
}

// renderExpr renders column c of DuckDB type typ as VARCHAR.
func renderExpr(c, typ string) string {
	t := strings.ToUpper(typ)
	switch {
	case strings.HasPrefix(t, "STRUCT") || strings.HasPrefix(t, "MAP") || strings.HasPrefix(t, "UNION") || strings.HasSuffix(t, "]"):
		return "CAST(to_json(" + c + ") AS VARCHAR)"
	case strings.HasPrefix(t, "TIMESTAMP"):
		return "strftime(CAST(" + c + " AS TIMESTAMP), '%Y-%m-%d %H:%M:%S.%g')"
	default:
		return "CAST(" + c + " AS VARCHAR)"
	}
}

// renderSQL wraps a statement with result columns cols.
func renderSQL(stmt string, cols []resultColumn) string {
	exprs := make([]string, len(cols))
	aliases := make([]string, len(cols))
	for i, c := range cols {
		aliases[i] = fmt.Sprintf("c%d", i+1)
		exprs[i] = renderExpr(aliases[i], c.typ)
	}
	// The statement is on lines of its own: a trailing -- comment ends there.
	return "SELECT " + strings.Join(exprs, ", ") + " FROM (\n" + stmt + "\n) AS cairn_q(" + strings.Join(aliases, ", ") + ")"
}

// limitedWriter passes rows on and enforces a bound on their bytes.
type limitedWriter struct {
	w     lake.ResultWriter
	limit int64
	bytes int64
}

// row passes one rendered row (strings or nil) on.
func (lw *limitedWriter) row(vals []any) error {
	out := make([]lake.Value, len(vals)) // the writer may keep it
	for i, v := range vals {
		s, ok := v.(string)
		if !ok {
			out[i] = lake.Value{Null: true}
			continue
		}
		lw.bytes += int64(len(s))
		out[i] = lake.Value{S: s}
	}
	if lw.bytes > lw.limit {
		return fmt.Errorf("%w: the results exceed %d bytes", lake.ErrQueryLimit, lw.limit)
	}
	return lw.w.Row(out)
}
