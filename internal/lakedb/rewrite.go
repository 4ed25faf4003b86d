package lakedb

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
)

// Rewrites of a statement's syntax tree, for what the AWS dialect allows
// and DuckDB reads differently:
//
//   - a JSON column's members by dot path (requestParameters.bucketName,
//     t.eventData.requestParameters.a.b), element_at(json, 'k') and
//     json['k'] become json_extract_string(column, '$."bucketName"'), as
//     AWS's map<string,string> columns read;
//   - current_timestamp and localtimestamp become now() (a UTC TIMESTAMP,
//     comparable with eventtime; DuckDB's is a TIMESTAMP WITH TIME ZONE);
//   - Trino functions a macro cannot stand in for (lambdas, optional or
//     constant-only arguments, DuckDB's own macros) become DuckDB
//     expressions;
//   - json_extract_string(<stored JSON column>, path) = 'literal' gets a
//     cheap necessary condition first, contains(<column text>, 'literal'),
//     so that only rows whose text has the literal are parsed. It is added
//     only for literals of letters, digits and " _.:@+=,-" with a letter
//     that are not numbers (JSON writes those characters as they are; a
//     number it may write otherwise, e.g. 1e2 for 100.0).
//
// Replacements are DuckDB's own trees for the templates below (parsed once
// at open), with the placeholders __1.. replaced by the call's arguments and
// '__path' by the JSON path.

// rewriteTemplates are the replacement expressions, by what they replace:
// a function name and arity, or "json" and "now".
var rewriteTemplates = map[string]string{
	"json":                "json_extract_string(__1, '__path')",
	"now":                 "now()",
	"regexp_extract/2":    "list_extract(regexp_extract_all(__1, __2), 1)", // NULL, not '', without a match
	"regexp_extract/3":    "list_extract(regexp_extract_all(__1, __2, __3), 1)",
	"date_add/3":          "cairn_date_add(__1, __2, __3)",
	"approx_percentile/2": "approx_quantile(__1, __2)",
	"array_join/2":        "array_to_string(__1, __2)",
	"transform/2":         "list_transform(__1, __2)",
	"any_match/2":         "coalesce(list_bool_or(list_transform(__1, __2)), false)",
	"all_match/2":         "coalesce(list_bool_and(list_transform(__1, __2)), true)",
	"none_match/2":        "coalesce(NOT list_bool_or(list_transform(__1, __2)), true)",
	"prefilter":           "contains(CAST(__1 AS VARCHAR), '__path') AND __2",
}

// templates are the parsed rewriteTemplates and an empty SELECT node
// (to print an expression with).
type templates struct {
	exprs      map[string]string // encoded expression trees
	selectNode string            // encoded SELECT_NODE
}

// parseTemplates parses every template in one statement.
func (l *DB) parseTemplates(ctx context.Context) (*templates, error) {
	keys := make([]string, 0, len(rewriteTemplates))
	for k := range rewriteTemplates {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	exprs := make([]string, len(keys))
	for i, k := range keys {
		exprs[i] = rewriteTemplates[k]
	}
	p, err := l.parse(ctx, "SELECT "+strings.Join(exprs, ", "))
	if err != nil {
		return nil, fmt.Errorf("rewrite templates: %w", err)
	}
	node, _ := p.stmt["node"].(map[string]any)
	list, _ := node["select_list"].([]any)
	if len(list) != len(keys) {
		return nil, fmt.Errorf("rewrite templates: %d expressions for %d templates", len(list), len(keys))
	}
	t := &templates{exprs: map[string]string{}}
	for i, k := range keys {
		if t.exprs[k], err = encodeJSON(list[i]); err != nil {
			return nil, fmt.Errorf("rewrite templates: %w", err)
		}
	}
	node["select_list"] = []any{}
	if t.selectNode, err = encodeJSON(node); err != nil {
		return nil, fmt.Errorf("rewrite templates: %w", err)
	}
	return t, nil
}

// instance returns a fresh copy of template key with its placeholders
// filled.
func (t *templates) instance(key string, args []any, path string) map[string]any {
	v, err := decodeJSON(t.exprs[key])
	if err != nil {
		panic(fmt.Sprintf("rewrite template %s: %v", key, err)) // encoded by parseTemplates
	}
	return fill(v, args, path).(map[string]any)
}

func fill(v any, args []any, path string) any {
	switch v := v.(type) {
	case []any:
		for i := range v {
			v[i] = fill(v[i], args, path)
		}
	case map[string]any:
		if names := columnNames(v); len(names) == 1 && strings.HasPrefix(names[0], "__") {
			if i, err := strconv.Atoi(names[0][2:]); err == nil && i >= 1 && i <= len(args) {
				return args[i-1]
			}
		}
		if isStringConstant(v) && constantValue(v) == "__path" {
			v["value"].(map[string]any)["value"] = path
			return v
		}
		for k := range v {
			v[k] = fill(v[k], args, path)
		}
	}
	return v
}

// rewriter rewrites one statement.
type rewriter struct {
	t       *templates
	changes int
	// labels are select-list items rewritten without an alias, with their
	// original trees: each gets its original DuckDB label as alias.
	labels []labelled
}

type labelled struct {
	item     map[string]any
	original any
}

// rewrite rewrites the tree in place and reports whether it changed.
func (r *rewriter) rewrite(p *parsed) bool {
	p.stmt["node"] = r.visit(p.stmt["node"])
	return r.changes > 0
}

// visit rewrites children first, then the node.
func (r *rewriter) visit(v any) any {
	switch v := v.(type) {
	case []any:
		for i := range v {
			v[i] = r.visit(v[i])
		}
		return v
	case map[string]any:
		if t, _ := v["type"].(string); t == "SELECT_NODE" {
			r.visitSelectList(v)
		}
		for k, c := range v {
			if k != "select_list" {
				v[k] = r.visit(c)
			}
		}
		if _, ok := v["class"]; !ok {
			return v
		}
		out := r.expr(v)
		if m, ok := out.(map[string]any); ok && len(m) > 0 && !sameMap(m, v) {
			m["alias"] = v["alias"] // a select item keeps its alias
		}
		return out
	}
	return v
}

// visitSelectList rewrites the items of a select list, keeping the label
// each item had: DuckDB labels a column by its last name as stored (lower
// case), where AWS keeps it as written, so a column written in another case
// gets its written name as alias.
func (r *rewriter) visitSelectList(n map[string]any) {
	items, _ := n["select_list"].([]any)
	for i, item := range items {
		before := r.changes
		original := deepCopy(item)
		items[i] = r.visit(item)
		m, _ := items[i].(map[string]any)
		if m == nil {
			continue
		}
		if alias, _ := m["alias"].(string); alias != "" {
			continue
		}
		om, _ := original.(map[string]any)
		if names := columnNames(om); len(names) > 0 {
			if last := names[len(names)-1]; r.changes > before || last != strings.ToLower(last) {
				m["alias"] = last
				r.changes = max(r.changes, before+1)
			}
			continue
		}
		if r.changes > before {
			r.labels = append(r.labels, labelled{item: m, original: original})
		}
	}
}

// expr rewrites one expression whose children are rewritten.
func (r *rewriter) expr(n map[string]any) any {
	typ, _ := n["type"].(string)
	switch typ {
	case "COLUMN_REF":
		names := columnNames(n)
		if len(names) == 1 && (strings.EqualFold(names[0], "current_timestamp") || strings.EqualFold(names[0], "localtimestamp")) {
			r.changes++
			return r.t.instance("now", nil, "")
		}
		if col, path, ok := jsonMember(names); ok {
			r.changes++
			return r.t.instance("json", []any{columnRef(n, col)}, jsonPath(path))
		}
	case "ARRAY_EXTRACT":
		if out, ok := r.jsonIndex(n); ok {
			return out
		}
	case "COMPARE_EQUAL":
		return r.prefilter(n)
	case "FUNCTION":
		if !unqualifiedFunction(n) {
			return n
		}
		name := strings.ToLower(stringField(n, "function_name"))
		args, _ := n["children"].([]any)
		if name == "element_at" {
			if out, ok := r.jsonIndex(n); ok {
				return out
			}
		}
		if b, _ := n["is_operator"].(bool); b {
			return n
		}
		key := name + "/" + strconv.Itoa(len(args))
		if _, ok := rewriteTemplates[key]; ok {
			r.changes++
			return r.t.instance(key, args, "")
		}
	}
	return n
}

// jsonIndex rewrites json['k'] and element_at(json, 'k') on a JSON column
// (or on a JSON member already rewritten) into json_extract_string.
func (r *rewriter) jsonIndex(n map[string]any) (any, bool) {
	args, _ := n["children"].([]any)
	if len(args) != 2 {
		return nil, false
	}
	target, _ := args[0].(map[string]any)
	key, _ := args[1].(map[string]any)
	if target == nil || !isStringConstant(key) {
		return nil, false
	}
	k := constantValue(key)
	var col map[string]any
	var path []string
	switch {
	case stringField(target, "type") == "COLUMN_REF":
		c, p, _, ok := jsonColumn(columnNames(target))
		if !ok || len(p) != 0 {
			return nil, false
		}
		col, path = columnRef(target, c), []string{k}
	case isJSONExtract(target):
		targs := target["children"].([]any)
		col = targs[0].(map[string]any)
		p := constantValue(targs[1].(map[string]any))
		r.changes++
		return r.t.instance("json", []any{col}, p+jsonPath([]string{k})[1:]), true
	default:
		return nil, false
	}
	r.changes++
	return r.t.instance("json", []any{col}, jsonPath(path)), true
}

// prefilter puts contains(<column>, 'literal') before an equality of a
// stored JSON column's member and a literal.
func (r *rewriter) prefilter(n map[string]any) any {
	left, _ := n["left"].(map[string]any)
	right, _ := n["right"].(map[string]any)
	if isStringConstant(left) {
		left, right = right, left
	}
	if left == nil || !isStringConstant(right) || !isJSONExtract(left) || !prefilterLiteral(constantValue(right)) {
		return n
	}
	col := left["children"].([]any)[0].(map[string]any)
	if _, _, node, _ := jsonColumn(columnNames(col)); node == nil || !node.stored {
		return n
	}
	r.changes++
	return r.t.instance("prefilter", []any{deepCopy(col), n}, constantValue(right))
}

// prefilterLiteral reports whether a literal appears verbatim in any JSON
// text of a value equal to it: not a number, which JSON text may write
// otherwise than json_extract_string does (1e2, 100.0).
func prefilterLiteral(s string) bool {
	if _, err := strconv.ParseFloat(s, 64); err == nil {
		return false
	}
	letter := false
	for _, c := range s {
		switch {
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
			letter = true
		case c >= '0' && c <= '9' || strings.ContainsRune(" _.:@+=,-", c):
		default:
			return false
		}
	}
	return letter
}

// isJSONExtract reports whether n is json_extract_string(<JSON column>, '$...').
func isJSONExtract(n map[string]any) bool {
	if stringField(n, "type") != "FUNCTION" || !strings.EqualFold(stringField(n, "function_name"), "json_extract_string") || !unqualifiedFunction(n) {
		return false
	}
	args, _ := n["children"].([]any)
	if len(args) != 2 {
		return false
	}
	c, _ := args[0].(map[string]any)
	p, _ := args[1].(map[string]any)
	if c == nil || !isStringConstant(p) || !strings.HasPrefix(constantValue(p), "$") {
		return false
	}
	_, rest, _, ok := jsonColumn(columnNames(c))
	return ok && len(rest) == 0
}

// jsonMember splits a dotted name that goes into a JSON column into the
// column's names and the path inside it; ok only if there is a path.
func jsonMember(names []string) (col, path []string, ok bool) {
	col, path, _, ok = jsonColumn(names)
	return col, path, ok && len(path) > 0
}

// jsonColumn finds a JSON column of the Lake schema in a dotted name, as
// a column or its member (eventData.requestParameters), optionally after
// a table name or alias: it returns the names up to the JSON column, the
// rest, and the column's schema node.
func jsonColumn(names []string) (col, rest []string, node *lakeSchemaNode, ok bool) {
	for off := 0; off <= 1 && off < len(names); off++ {
		node := lakeSchemaRoot
		for i := off; i < len(names); i++ {
			m := node.members[strings.ToLower(names[i])]
			if m == nil {
				break
			}
			if m.json {
				return names[:i+1], names[i+1:], m, true
			}
			if m.members == nil {
				break
			}
			node = m
		}
	}
	return nil, nil, nil, false
}

// jsonPath is a JSON path of quoted keys: $."a"."b".
func jsonPath(keys []string) string {
	var b strings.Builder
	b.WriteString("$")
	for _, k := range keys {
		b.WriteString(`."` + strings.ReplaceAll(strings.ReplaceAll(k, `\`, `\\`), `"`, `\"`) + `"`)
	}
	return b.String()
}

// columnRef is a COLUMN_REF like n naming names.
func columnRef(n map[string]any, names []string) map[string]any {
	out := deepCopy(n).(map[string]any)
	list := make([]any, len(names))
	for i, s := range names {
		list[i] = s
	}
	out["column_names"] = list
	out["alias"] = ""
	return out
}

func columnNames(n map[string]any) []string {
	if n == nil || stringField(n, "type") != "COLUMN_REF" {
		return nil
	}
	list, _ := n["column_names"].([]any)
	out := make([]string, 0, len(list))
	for _, s := range list {
		str, _ := s.(string)
		out = append(out, str)
	}
	return out
}

func isStringConstant(n map[string]any) bool {
	if n == nil || stringField(n, "type") != "VALUE_CONSTANT" {
		return false
	}
	val, _ := n["value"].(map[string]any)
	typ, _ := val["type"].(map[string]any)
	_, isString := val["value"].(string)
	return stringField(typ, "id") == "VARCHAR" && isString
}

func constantValue(n map[string]any) string {
	val, _ := n["value"].(map[string]any)
	s, _ := val["value"].(string)
	return s
}

// sameMap reports whether a and b are the same map (not equal ones).
func sameMap(a, b map[string]any) bool {
	return reflect.ValueOf(a).UnsafePointer() == reflect.ValueOf(b).UnsafePointer()
}

func stringField(n map[string]any, k string) string {
	s, _ := n[k].(string)
	return s
}

func deepCopy(v any) any {
	switch v := v.(type) {
	case []any:
		out := make([]any, len(v))
		for i, c := range v {
			out[i] = deepCopy(c)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, c := range v {
			out[k] = deepCopy(c)
		}
		return out
	}
	return v
}

// deserialize prints a tree back to SQL with DuckDB's json_deserialize_sql.
func (l *DB) deserialize(ctx context.Context, doc any) (string, error) {
	in, err := encodeJSON(doc)
	if err != nil {
		return "", err
	}
	var out string
	if err := l.handle().QueryRowContext(ctx, "SELECT json_deserialize_sql(CAST($1 AS JSON))", in).Scan(&out); err != nil {
		return "", fmt.Errorf("print statement: %w", err)
	}
	return out, nil
}

// label sets each rewritten item's alias to its original label: DuckDB's
// text of the original expression.
func (l *DB) label(ctx context.Context, r *rewriter) error {
	if len(r.labels) == 0 {
		return nil
	}
	args := make([]any, len(r.labels))
	calls := make([]string, len(r.labels))
	for i, lb := range r.labels {
		node, err := decodeJSON(r.t.selectNode)
		if err != nil {
			return err
		}
		node.(map[string]any)["select_list"] = []any{lb.original}
		doc, err := encodeJSON(map[string]any{"error": false, "statements": []any{map[string]any{"node": node}}})
		if err != nil {
			return err
		}
		args[i] = doc
		calls[i] = fmt.Sprintf("json_deserialize_sql(CAST($%d AS JSON))", i+1)
	}
	rows, err := l.handle().QueryContext(ctx, "SELECT "+strings.Join(calls, ", "), args...)
	if err != nil {
		return fmt.Errorf("label rewritten columns: %w", err)
	}
	defer rows.Close()
	texts := make([]string, len(args))
	ptrs := make([]any, len(args))
	for i := range texts {
		ptrs[i] = &texts[i]
	}
	if !rows.Next() {
		return fmt.Errorf("label rewritten columns: no result: %w", rows.Err())
	}
	if err := rows.Scan(ptrs...); err != nil {
		return fmt.Errorf("label rewritten columns: %w", err)
	}
	for i, lb := range r.labels {
		lb.item["alias"] = strings.TrimPrefix(texts[i], "SELECT ")
	}
	return rows.Close()
}
