package lakedb

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/cairn-audit/cairn/internal/lake"
)

// A user statement is parsed by DuckDB itself (json_serialize_sql, which
// only serializes SELECT statements) and its syntax tree walked: every
// table it reads must be a store it may read or a CTE of its own, and every
// table function is refused but unnest. What DuckDB then runs is that same
// tree (rewritten, see rewrite.go).

// allowedTableFunctions are the table functions a statement may call.
var allowedTableFunctions = map[string]bool{"unnest": true}

// deniedFunctions are scalar functions a statement may not call: they read
// the configuration or state outside the statement, or make a large value
// from a small one in one call (which no limit can interrupt; Trino's
// sequence and repeat are bounded macros instead, see functions.go).
var deniedFunctions = map[string]bool{
	"current_setting": true, "getvariable": true, "nextval": true, "currval": true,
	"range": true, "generate_series": true, "list_resize": true, "array_resize": true,
	"format": true, "printf": true, "bar": true,
}

// allowedTableRefs and allowedQueryNodes are the syntax-tree node types a
// statement may contain; anything else (SHOW/DESCRIBE as a table, ...) is
// refused.
var (
	allowedTableRefs  = map[string]bool{"BASE_TABLE": true, "SUBQUERY": true, "JOIN": true, "TABLE_FUNCTION": true, "EXPRESSION_LIST": true, "EMPTY": true, "PIVOT": true}
	allowedQueryNodes = map[string]bool{"SELECT_NODE": true, "SET_OPERATION_NODE": true, "RECURSIVE_CTE_NODE": true, "CTE_NODE": true}
)

// parsed is a statement's serialized syntax tree.
type parsed struct {
	doc  map[string]any // {"error":false,"statements":[...]}
	stmt map[string]any // the one statement
}

// parse has DuckDB parse sql; errors wrap lake.ErrInvalidQuery.
func (l *DB) parse(ctx context.Context, sql string) (*parsed, error) {
	var out string
	if err := l.ready(ctx); err != nil {
		return nil, fmt.Errorf("parse statement: %w", err)
	}
	if err := l.handle().QueryRowContext(ctx, "SELECT CAST(json_serialize_sql(CAST($1 AS VARCHAR)) AS VARCHAR)", sql).Scan(&out); err != nil {
		return nil, fmt.Errorf("parse statement: %w", err)
	}
	doc, err := decodeJSON(out)
	if err != nil {
		return nil, fmt.Errorf("parse statement: %w", err)
	}
	m, _ := doc.(map[string]any)
	if m == nil {
		return nil, fmt.Errorf("parse statement: unexpected %.100s", out)
	}
	if e, _ := m["error"].(bool); e {
		msg, _ := m["error_message"].(string)
		if strings.Contains(msg, "Only SELECT statements") {
			msg = "Only SELECT statements are allowed"
		}
		return nil, fmt.Errorf("%w: %s", lake.ErrInvalidQuery, msg)
	}
	stmts, _ := m["statements"].([]any)
	switch len(stmts) {
	case 0:
		return nil, fmt.Errorf("%w: the statement is empty", lake.ErrInvalidQuery)
	case 1:
	default:
		return nil, fmt.Errorf("%w: Only one statement is allowed", lake.ErrInvalidQuery)
	}
	stmt, _ := stmts[0].(map[string]any)
	if stmt == nil {
		return nil, fmt.Errorf("parse statement: unexpected %.100s", out)
	}
	return &parsed{doc: m, stmt: stmt}, nil
}

// decodeJSON decodes keeping numbers as written (query locations are
// 64-bit) so that the tree serializes back unchanged.
func decodeJSON(s string) (any, error) {
	d := json.NewDecoder(strings.NewReader(s))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	return v, nil
}

func encodeJSON(v any) (string, error) {
	var b bytes.Buffer
	e := json.NewEncoder(&b)
	e.SetEscapeHTML(false)
	if err := e.Encode(v); err != nil {
		return "", err
	}
	return strings.TrimSuffix(b.String(), "\n"), nil
}

// validator walks a statement's tree.
type validator struct {
	// isStore says whether a table name (lower case) names a store the
	// statement may read.
	isStore func(name string) bool
	stores  []string // the stores it reads, lower case, in order of first use
}

// validate checks the statement and records the stores it reads; errors
// wrap lake.ErrInvalidQuery.
func (v *validator) validate(p *parsed) error {
	return v.walk(p.stmt, nil)
}

// walk visits every node of the tree; ctes are the CTE names in scope.
func (v *validator) walk(n any, ctes []string) error {
	switch n := n.(type) {
	case []any:
		for _, c := range n {
			if err := v.walk(c, ctes); err != nil {
				return err
			}
		}
	case map[string]any:
		ctes = withCTEs(n, ctes)
		if err := v.check(n, ctes); err != nil {
			return err
		}
		keys := make([]string, 0, len(n))
		for k := range n {
			keys = append(keys, k)
		}
		slices.Sort(keys) // deterministic first error
		for _, k := range keys {
			if err := v.walk(n[k], ctes); err != nil {
				return err
			}
		}
	}
	return nil
}

// withCTEs adds the CTEs a query node defines (and a recursive CTE's own
// name) to the scope of everything inside it. DuckDB resolves a CTE name
// in every CTE of the same WITH, so all of them are in scope there.
func withCTEs(n map[string]any, ctes []string) []string {
	if name, ok := n["cte_name"].(string); ok {
		ctes = append(slices.Clip(ctes), strings.ToLower(name))
	}
	m, _ := n["cte_map"].(map[string]any)
	entries, _ := m["map"].([]any)
	for _, e := range entries {
		em, _ := e.(map[string]any)
		if name, ok := em["key"].(string); ok {
			ctes = append(slices.Clip(ctes), strings.ToLower(name))
		}
	}
	return ctes
}

// check checks one node.
func (v *validator) check(n map[string]any, ctes []string) error {
	typ, _ := n["type"].(string)
	_, isExpr := n["class"]
	_, isQueryNode := n["cte_map"] // query nodes have a sample too
	_, isTableRef := n["sample"]
	switch {
	case isExpr:
		if typ == "FUNCTION" {
			name, _ := n["function_name"].(string)
			if !unqualifiedFunction(n) {
				return fmt.Errorf("%w: Function %s may not be qualified with a schema", lake.ErrInvalidQuery, name)
			}
			if deniedFunctions[strings.ToLower(name)] {
				return fmt.Errorf("%w: Function %s is not allowed", lake.ErrInvalidQuery, name)
			}
		}
	case isQueryNode:
		if !allowedQueryNodes[typ] {
			return fmt.Errorf("%w: %s is not allowed", lake.ErrInvalidQuery, strings.ToLower(strings.ReplaceAll(typ, "_", " ")))
		}
	case isTableRef:
		if typ == "SHOW_REF" {
			return fmt.Errorf("%w: DESCRIBE, SHOW and SUMMARIZE are not allowed", lake.ErrInvalidQuery)
		}
		if !allowedTableRefs[typ] {
			return fmt.Errorf("%w: %s is not allowed in FROM", lake.ErrInvalidQuery, strings.ToLower(strings.ReplaceAll(typ, "_", " ")))
		}
		switch typ {
		case "BASE_TABLE":
			return v.checkTable(n, ctes)
		case "TABLE_FUNCTION":
			f, _ := n["function"].(map[string]any)
			name, _ := f["function_name"].(string)
			if !allowedTableFunctions[strings.ToLower(name)] || !unqualifiedFunction(f) {
				return fmt.Errorf("%w: Table function %s is not allowed", lake.ErrInvalidQuery, name)
			}
		}
	}
	return nil
}

// checkTable allows a CTE of the statement or a store it may read.
func (v *validator) checkTable(n map[string]any, ctes []string) error {
	name, _ := n["table_name"].(string)
	if qualified(n, "schema_name", "catalog_name") {
		return fmt.Errorf("%w: Unknown table %s: query event data stores by ID or ARN", lake.ErrInvalidQuery, qualifiedName(n))
	}
	lower := strings.ToLower(name)
	if slices.Contains(ctes, lower) {
		return nil
	}
	if !v.isStore(lower) {
		return fmt.Errorf("%w: Unknown table %s: query event data stores by ID or ARN", lake.ErrInvalidQuery, name)
	}
	if !slices.Contains(v.stores, lower) {
		v.stores = append(v.stores, lower)
	}
	return nil
}

// unqualifiedFunction reports whether a function call names no catalog
// and no schema but main (DuckDB's parser writes main.list_value for
// [1, 2] and main.struct_pack for {'a': 1}).
func unqualifiedFunction(n map[string]any) bool {
	schema, _ := n["schema"].(string)
	return !qualified(n, "catalog") && (schema == "" || schema == "main")
}

func qualified(n map[string]any, keys ...string) bool {
	for _, k := range keys {
		if s, _ := n[k].(string); s != "" {
			return true
		}
	}
	return false
}

func qualifiedName(n map[string]any) string {
	var parts []string
	for _, k := range []string{"catalog_name", "schema_name", "table_name"} {
		if s, _ := n[k].(string); s != "" {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, ".")
}
