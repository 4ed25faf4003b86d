package store

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/cairn-audit/cairn/internal/lake"
	"github.com/marcboeker/go-duckdb"
)

// Rows reach DuckDB as an Arrow record scanned in place through a
// connection-local view (duckdb_arrow_scan): building Arrow columns is a
// few copies in Go, where the Appender costs a cgo call per value and a
// staging table would store every record once more.

// stagingSchema is the staged row: what json_transform does not find in
// the record, or must not take from it.
var stagingSchema = arrow.NewSchema([]arrow.Field{
	{Name: "eventid", Type: arrow.BinaryTypes.String},
	{Name: "eventtime", Type: &arrow.TimestampType{Unit: arrow.Microsecond}}, // no zone: TIMESTAMP
	{Name: "bytes", Type: arrow.PrimitiveTypes.Int32},
	{Name: "record", Type: arrow.BinaryTypes.LargeString},
}, nil)

// stageView registers rows (all of one partition) as the connection-local
// view name, for one scan. The caller drops the view, then calls release.
func stageView(tx *rawTx, name string, rows []*lake.Row) (release func(), err error) {
	b := array.NewRecordBuilder(memory.DefaultAllocator, stagingSchema)
	defer b.Release()
	ids := b.Field(0).(*array.StringBuilder)
	times := b.Field(1).(*array.TimestampBuilder)
	sizes := b.Field(2).(*array.Int32Builder)
	recs := b.Field(3).(*array.LargeStringBuilder)
	var total int
	for _, r := range rows {
		total += len(r.Record)
	}
	recs.ReserveData(total)
	for _, r := range rows {
		rec := r.Record
		if !utf8.Valid(rec) {
			// DuckDB text is UTF-8: such a record is kept with U+FFFD for
			// its invalid bytes (Go's own JSON encoder does the same).
			rec = []byte(strings.ToValidUTF8(string(rec), "\uFFFD"))
		}
		ids.Append(r.EventID)
		times.Append(arrow.Timestamp(r.Time.UnixMicro()))
		sizes.Append(int32(len(r.Record)))
		recs.BinaryBuilder.Append(rec)
	}
	rec := b.NewRecord()
	defer rec.Release()
	reader, err := array.NewRecordReader(stagingSchema, []arrow.Record{rec})
	if err != nil {
		return nil, fmt.Errorf("stage events: %w", err)
	}
	defer reader.Release()
	ar, err := duckdb.NewArrowFromConn(tx.conn)
	if err != nil {
		return nil, fmt.Errorf("stage events: %w", err)
	}
	release, err = ar.RegisterView(reader, name)
	if err != nil {
		return nil, fmt.Errorf("stage events: %w", err)
	}
	return release, nil
}
