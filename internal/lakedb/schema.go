package lakedb

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/cairn-audit/cairn/internal/duckdb"
)

// The Lake's table shape, shared by CloudTrail events and ActivityAuditLog
// (PutAuditEvents) events: the columns of the AWS Lake schema, lower case,
// filled from the record's camelCase keys by DuckDB's json_transform.

// lakeField is a member of a record: a leaf of type typ, or a struct of
// fields (a list of such structs when list is set).
type lakeField struct {
	key    string // the record's JSON key, exactly (json_transform is case-sensitive)
	typ    string // DuckDB type of a leaf: VARCHAR, BOOLEAN, TIMESTAMP or JSON
	fields []lakeField
	list   bool
}

// name is the column or struct member name: the key in lower case.
func (f lakeField) name() string { return strings.ToLower(f.key) }

func lakeLeaf(key, typ string) lakeField               { return lakeField{key: key, typ: typ} }
func lakeStr(key string) lakeField                     { return lakeLeaf(key, "VARCHAR") }
func lakeJSON(key string) lakeField                    { return lakeLeaf(key, "JSON") }
func lakeStruct(key string, fs ...lakeField) lakeField { return lakeField{key: key, fields: fs} }

// sqlType is the DuckDB column type.
func (f lakeField) sqlType() string {
	if f.fields == nil {
		return f.typ
	}
	var b strings.Builder
	b.WriteString("STRUCT(")
	for i, m := range f.fields {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(duckdb.QuoteIdent(m.name()) + " " + m.sqlType())
	}
	b.WriteString(")")
	if f.list {
		b.WriteString("[]")
	}
	return b.String()
}

// transformShape writes f's json_transform structure: "TYPE", an object of
// members by record key, or a one-element array of that object.
func (f lakeField) transformShape(b *strings.Builder) {
	if f.fields == nil {
		b.WriteString(`"` + f.typ + `"`)
		return
	}
	if f.list {
		b.WriteString("[")
	}
	b.WriteString("{")
	for i, m := range f.fields {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(`"` + m.key + `":`)
		m.transformShape(b)
	}
	b.WriteString("}")
	if f.list {
		b.WriteString("]")
	}
}

// lakeColumn is a column of the Lake schema, filled from the transformed
// record's member (j) unless expr fills it from the staged row (s).
//
// A lazy column is not stored: a store's view derives it from eventjson
// when a statement reads it. Lazy columns are the ones that are rare or
// empty in most events: each stored column, even when NULL, costs Append
// time. A column with stored set is stored under that definition and read
// through view; a column with only view is computed by the view.
type lakeColumn struct {
	lakeField
	expr   string
	lazy   bool
	stored string // column definition, when not the column's own
	view   string // its expression in the view
}

// stores reports whether the column is stored.
func (c lakeColumn) stores() bool { return !c.lazy && (c.view == "" || c.stored != "") }

// lakeColumns are the columns every user sees (reference §7.3, plus
// eventcontext of enriched events, and the ActivityAuditLog metadata and
// eventdata), in order.
var lakeColumns = []lakeColumn{
	{lakeField: lakeStr("eventVersion")},
	{lakeField: lakeStruct("userIdentity",
		lakeStr("type"), lakeStr("principalId"), lakeStr("arn"), lakeStr("accountId"), lakeStr("accessKeyId"), lakeStr("userName"),
		lakeStruct("sessionContext",
			lakeStruct("attributes", lakeLeaf("creationDate", "TIMESTAMP"), lakeStr("mfaAuthenticated")),
			lakeStruct("sessionIssuer", lakeStr("type"), lakeStr("principalId"), lakeStr("arn"), lakeStr("accountId"), lakeStr("userName")),
			lakeStruct("webIdFederationData", lakeStr("federatedProvider"), lakeJSON("attributes")),
			lakeStr("sourceIdentity"), lakeStr("ec2RoleDelivery"), lakeStr("ec2IssuedInVPC")),
		lakeStr("invokedBy"), lakeStr("identityProvider"))},
	{lakeField: lakeLeaf("eventTime", "TIMESTAMP"), expr: "s.eventtime"},
	{lakeField: lakeStr("eventSource")},
	{lakeField: lakeStr("eventName")},
	{lakeField: lakeStr("awsRegion")},
	{lakeField: lakeStr("sourceIPAddress")},
	{lakeField: lakeStr("userAgent")},
	{lakeField: lakeStr("errorCode")},
	{lakeField: lakeStr("errorMessage")},
	{lakeField: lakeJSON("requestParameters")},
	{lakeField: lakeJSON("responseElements")},
	{lakeField: lakeJSON("additionalEventData"), lazy: true},
	{lakeField: lakeStr("requestID"), lazy: true},
	{lakeField: lakeStr("eventID"), expr: `coalesce(j."eventID", s.eventid)`},
	{lakeField: lakeLeaf("readOnly", "BOOLEAN")},
	{lakeField: lakeField{key: "resources", list: true,
		fields: []lakeField{lakeStr("accountId"), lakeStr("type"), lakeStr("ARN"), lakeStr("ARNPrefix")}}},
	{lakeField: lakeStr("eventType")},
	{lakeField: lakeStr("apiVersion"), lazy: true},
	{lakeField: lakeLeaf("managementEvent", "BOOLEAN")},
	{lakeField: lakeStr("recipientAccountId")},
	{lakeField: lakeStr("sharedEventID"), lazy: true},
	{lakeField: lakeStr("annotation"), lazy: true},
	{lakeField: lakeStr("vpcEndpointId"), lazy: true},
	{lakeField: lakeStr("vpcEndpointAccountId"), lazy: true},
	{lakeField: lakeJSON("serviceEventDetails"), lazy: true},
	{lakeField: lakeStruct("addendum", lakeStr("reason"), lakeStr("updatedFields"), lakeStr("originalRequestID"), lakeStr("originalEventID"), lakeStr("originalUID")), lazy: true},
	{lakeField: lakeJSON("edgeDeviceDetails"), lazy: true},
	{lakeField: lakeJSON("insightDetails"), lazy: true},
	// Records from before eventVersion 1.07 have no eventCategory.
	{lakeField: lakeStr("eventCategory"), expr: `coalesce(j."eventCategory", 'Management')`},
	{lakeField: lakeStruct("tlsDetails", lakeStr("tlsVersion"), lakeStr("cipherSuite"), lakeStr("clientProvidedHostHeader")), lazy: true},
	{lakeField: lakeStr("sessionCredentialFromConsole"), lazy: true},
	{lakeField: lakeJSON("eventContext"), lazy: true},
	{lakeField: lakeStruct("metadata", lakeStr("ingestionTime"), lakeStr("channelARN")), lazy: true},
	{lakeField: lakeStruct("eventData",
		lakeStr("version"),
		lakeStruct("userIdentity", lakeStr("type"), lakeStr("principalId"), lakeJSON("details")),
		lakeStr("userAgent"), lakeStr("eventSource"), lakeStr("eventName"), lakeStr("eventTime"), lakeStr("UID"),
		lakeJSON("requestParameters"), lakeJSON("responseElements"),
		lakeStr("errorCode"), lakeStr("errorMessage"), lakeStr("sourceIPAddress"), lakeStr("recipientAccountId"),
		lakeJSON("additionalEventData")), lazy: true},
	{lakeField: lakeStr("eventJson"), expr: "encode(s.record)", stored: recordColumn + " BLOB NOT NULL", view: "decode(" + recordColumn + ")"},
	// The hex SHA-256 of eventjson, computed when read (a stored 64-byte
	// random string per event made Append measurably slower).
	{lakeField: lakeStr("eventJsonChecksum"), view: "sha256(decode(" + recordColumn + "))"},
}

// Internal columns of a partition, not in the view: the record's text as a
// BLOB (eventjson; a BLOB is not UTF-8-checked and FSST-compressed on every
// checkpoint like a VARCHAR, which made Append markedly slower), its
// length (for Size and query statistics), and whether it is JSON (the
// lazy columns are only derived from records that are).
const (
	recordColumn = "cairn_record"
	bytesColumn  = "cairn_bytes"
	parsedColumn = "cairn_json"
)

// createPartitionSQL creates a partition table in the lake schema.
func createPartitionSQL(table string) string {
	var b strings.Builder
	b.WriteString("CREATE TABLE " + lakeTable(table) + " (")
	for _, c := range lakeColumns {
		switch {
		case !c.stores():
		case c.stored != "":
			b.WriteString(c.stored + ", ")
		case c.name() == "eventtime":
			b.WriteString(duckdb.QuoteIdent(c.name()) + " " + c.sqlType() + " NOT NULL, ")
		default:
			b.WriteString(duckdb.QuoteIdent(c.name()) + " " + c.sqlType() + ", ")
		}
	}
	b.WriteString(bytesColumn + " INTEGER NOT NULL, " + parsedColumn + " BOOLEAN NOT NULL)")
	return b.String()
}

// shapeOf is the json_transform structure of the given columns.
func shapeOf(cols []lakeColumn) string {
	var b strings.Builder
	b.WriteString("{")
	for i, c := range cols {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(`"` + c.key + `":`)
		c.transformShape(&b)
	}
	b.WriteString("}")
	return b.String()
}

// storedShape is the json_transform structure Append applies to a record:
// the stored columns filled from it.
var storedShape = shapeOf(slices.DeleteFunc(slices.Clone(lakeColumns), func(c lakeColumn) bool {
	return !c.stores() || c.expr != "" && !strings.Contains(c.expr, "j.")
}))

// insertPartitionSQL moves the staged rows ($1, see stageRows) of one
// partition into it, transforming each record. With guard, records that
// are not valid JSON keep only their time, ID and text instead of failing
// the statement.
func insertPartitionSQL(table string, guard bool) string {
	var b strings.Builder
	b.WriteString("INSERT INTO " + lakeTable(table) + " SELECT ")
	for _, c := range lakeColumns {
		switch {
		case !c.stores():
		case c.expr != "":
			b.WriteString(c.expr + ", ")
		default:
			b.WriteString(`j."` + c.key + `", `)
		}
	}
	valid := "true"
	transform := "json_transform(record, " + sqlString(storedShape) + ")"
	if guard {
		valid = "json_valid(record)"
		transform = "CASE WHEN " + valid + " THEN " + transform + " END"
	}
	b.WriteString("s.bytes, " + valid + " FROM (SELECT *, " + transform + " AS j FROM (" + stagedRows + ")) AS s")
	return b.String()
}

// The view derives the lazy columns with one json_transform of eventjson
// (r), which gives SQL NULL for JSON null and the schema's types directly.
// A statement that reads none of them does not parse eventjson at all.

// lazyShape is the json_transform structure of the lazy columns.
var lazyShape = shapeOf(slices.DeleteFunc(slices.Clone(lakeColumns), func(c lakeColumn) bool { return !c.lazy }))

// partitionSelect is the select list of a store's view over one partition.
var partitionSelect = func() string {
	var b strings.Builder
	for i, c := range lakeColumns {
		if i > 0 {
			b.WriteString(", ")
		}
		name := duckdb.QuoteIdent(c.name())
		switch {
		case c.view != "":
			b.WriteString(c.view + " AS " + name)
		case !c.lazy:
			b.WriteString(name)
		case c.fields != nil: // with the schema's lower-case member names
			fmt.Fprintf(&b, `CAST(r."%s" AS %s) AS %s`, c.key, c.sqlType(), name)
		default:
			fmt.Fprintf(&b, `r."%s" AS %s`, c.key, name)
		}
	}
	return b.String()
}()

// partitionView is the select of a store's view over one partition, rows
// from since on (none when since is zero).
func partitionView(table string, since time.Time) string {
	where := ""
	if !since.IsZero() {
		where = " WHERE eventtime >= " + timestampLiteral(since)
	}
	return "SELECT " + partitionSelect + " FROM (SELECT *, json_transform(CASE WHEN " + parsedColumn + " THEN decode(" + recordColumn + ") END, " +
		sqlString(lazyShape) + ") AS r FROM " + lakeTable(table) + where + ")"
}

// timestampLiteral is t (UTC) as a DuckDB TIMESTAMP literal.
func timestampLiteral(t time.Time) string {
	return "TIMESTAMP '" + t.UTC().Format("2006-01-02 15:04:05.999999") + "'"
}

// lakeSchemaNode is the column tree queries are rewritten against: which
// names are structs (walked case-insensitively) and which are JSON.
type lakeSchemaNode struct {
	json    bool
	stored  bool                       // a stored top-level JSON column
	members map[string]*lakeSchemaNode // by lower-case name; nil for leaves
}

func newSchemaNode(fs []lakeField) *lakeSchemaNode {
	n := &lakeSchemaNode{members: map[string]*lakeSchemaNode{}}
	for _, f := range fs {
		switch {
		case f.fields != nil && !f.list:
			n.members[f.name()] = newSchemaNode(f.fields)
		default:
			n.members[f.name()] = &lakeSchemaNode{json: f.typ == "JSON"}
		}
	}
	return n
}

// lakeSchemaRoot is the tree of the lake columns.
var lakeSchemaRoot = func() *lakeSchemaNode {
	fs := make([]lakeField, len(lakeColumns))
	for i, c := range lakeColumns {
		fs[i] = c.lakeField
	}
	root := newSchemaNode(fs)
	for _, c := range lakeColumns {
		if c.typ == "JSON" && c.stores() {
			root.members[c.name()].stored = true
		}
	}
	return root
}()

// sqlString quotes s as a SQL string literal.
func sqlString(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}
