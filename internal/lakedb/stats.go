package lakedb

import (
	"strconv"

	goduckdb "github.com/marcboeker/go-duckdb"
)

// EventsMatched is read from DuckDB's profile of the statement (the query
// connections profile every statement; it costs a few counters per
// operator). Each scan of a partition table, with the filters DuckDB
// pushed into it, is followed up its chain of FILTER and PROJECTION
// operators; the rows leaving the last filter of the chain are the events
// that matched the statement's conditions on that scan. The sum over all
// scans is EventsMatched (at most EventsScanned: a store read twice, as in
// a self-join, counts once).
//
// Partition scans are the TABLE_SCAN operators that read stored rows
// (OPERATOR_ROWS_SCANNED > 0): the only other table function a statement
// may call, unnest, reads none.

// eventsMatched sums the events leaving the filters over partition scans.
func eventsMatched(root goduckdb.ProfilingInfo) int64 {
	var total int64
	var walk func(n goduckdb.ProfilingInfo) (int64, bool)
	walk = func(n goduckdb.ProfilingInfo) (int64, bool) {
		typ := n.Metrics["OPERATOR_TYPE"]
		card := metric(n, "OPERATOR_CARDINALITY")
		if typ == "TABLE_SCAN" && metric(n, "OPERATOR_ROWS_SCANNED") > 0 {
			return card, true
		}
		var chains []int64
		for _, c := range n.Children {
			if v, ok := walk(c); ok {
				chains = append(chains, v)
			}
		}
		if len(n.Children) == 1 && len(chains) == 1 {
			switch typ {
			case "FILTER":
				return card, true
			case "PROJECTION":
				return chains[0], true
			}
		}
		for _, v := range chains {
			total += v
		}
		return 0, false
	}
	if v, ok := walk(root); ok {
		total += v
	}
	return total
}

func metric(n goduckdb.ProfilingInfo, name string) int64 {
	v, err := strconv.ParseInt(n.Metrics[name], 10, 64)
	if err != nil {
		return 0
	}
	return v
}
