package cloudtrail

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/cairn-audit/cairn/internal/api"
	"github.com/cairn-audit/cairn/internal/cloudtrail/cterr"
	"github.com/cairn-audit/cairn/internal/history"
	"github.com/cairn-audit/cairn/internal/lake"
)

// Page sizes of GetQueryResults and ListQueries (1-1000; the default is
// the maximum).
const (
	maxQueryResults = 1000
	maxListQueries  = 1000
)

type describeQueryInput struct {
	queryRef
	QueryAlias *string `json:"QueryAlias"`
	RefreshId  *string `json:"RefreshId"`
}

type describeQueryOutput struct {
	QueryId                      string          `json:"QueryId"`
	QueryString                  string          `json:"QueryString"`
	QueryStatus                  string          `json:"QueryStatus"`
	QueryStatistics              queryStatistics `json:"QueryStatistics"`
	ErrorMessage                 string          `json:"ErrorMessage,omitempty"`
	DeliveryS3Uri                string          `json:"DeliveryS3Uri,omitempty"`
	DeliveryStatus               string          `json:"DeliveryStatus,omitempty"`
	EventDataStoreOwnerAccountId string          `json:"EventDataStoreOwnerAccountId,omitempty"`
}

// describeQuery reports a query's status, statistics and delivery. While
// it runs, the engine's statistics are not known yet (0) and the execution
// time is the time so far.
func (s *Service) describeQuery(_ context.Context, c *api.Call) (*api.Result, error) {
	var in describeQueryInput
	if err := decodeInput(c.Body, &in); err != nil {
		return nil, err
	}
	switch {
	case in.QueryAlias != nil:
		return nil, cterr.InvalidParameter.New("%s", queryAliasUnsupported)
	case in.QueryId == nil:
		return nil, cterr.InvalidParameter.New("QueryId is required.")
	}
	info, stores, err := s.findQuery(c, in.queryRef)
	if err != nil {
		return nil, err
	}
	out := describeQueryOutput{
		QueryId: info.ID, QueryString: info.SQL, QueryStatus: info.Status, ErrorMessage: info.Error,
		QueryStatistics: queryStatistics{
			EventsMatched: info.Stats.EventsMatched, EventsScanned: info.Stats.EventsScanned, BytesScanned: info.Stats.BytesScanned,
			ExecutionTimeInMillis: info.ExecutionTime(s.now()).Milliseconds(), CreationTime: epoch(info.Created),
		},
		DeliveryS3Uri: info.DeliveryURI, DeliveryStatus: info.DeliveryStatus,
		EventDataStoreOwnerAccountId: deref(in.EventDataStoreOwnerAccountId),
	}
	return s.queryResult(c, "DescribeQuery", stores, out, false)
}

type getQueryResultsInput struct {
	queryRef
	NextToken       *string `json:"NextToken"`
	MaxQueryResults *int    `json:"MaxQueryResults"`
}

type resultStatistics struct {
	ResultsCount      int   `json:"ResultsCount"`
	TotalResultsCount int   `json:"TotalResultsCount"`
	BytesScanned      int64 `json:"BytesScanned"`
}

type getQueryResultsOutput struct {
	QueryStatus     string                `json:"QueryStatus"`
	QueryStatistics resultStatistics      `json:"QueryStatistics"`
	QueryResultRows [][]map[string]string `json:"QueryResultRows"`
	NextToken       string                `json:"NextToken,omitempty"`
	ErrorMessage    string                `json:"ErrorMessage,omitempty"`
}

// getQueryResults returns a page of a query's rows: each row a list of
// one-entry maps, column label to value, in SELECT order (NULL is "").
// FINISHED queries have rows, and TIMED_OUT ones the rows found before
// they timed out; the others have none yet (or ever). ResultsCount is the
// rows in this page, TotalResultsCount all the query's rows. NextToken is
// bound to the query and the caller.
func (s *Service) getQueryResults(_ context.Context, c *api.Call) (*api.Result, error) {
	var in getQueryResultsInput
	if err := decodeInput(c.Body, &in); err != nil {
		return nil, err
	}
	size := maxQueryResults
	if in.MaxQueryResults != nil {
		if *in.MaxQueryResults < 1 || *in.MaxQueryResults > maxQueryResults {
			return nil, cterr.InvalidMaxResults.New("MaxQueryResults must be between 1 and %d.", maxQueryResults)
		}
		size = *in.MaxQueryResults
	}
	info, stores, err := s.findQuery(c, in.queryRef)
	if err != nil {
		return nil, err
	}
	qh := queryHash("GetQueryResults", c.Caller.AccountID, c.Region, info.ID)
	var from int64
	if in.NextToken != nil {
		cur, err := s.tokens.decode(*in.NextToken, qh)
		if err != nil || !info.HasResults() || cur.Seq > uint64(info.Rows) {
			return nil, cterr.InvalidNextToken.New("The NextToken is not valid: it is malformed or was issued for another query.")
		}
		from = int64(cur.Seq)
	}
	info, rows, err := s.opts.Lake.Queries.Results(c.Caller.AccountID, info.ID, from, size)
	switch {
	case errors.Is(err, lake.ErrQueryNotFound): // pruned meanwhile
		return nil, cterr.QueryIdNotFound.New("The query ID %s does not exist or does not map to a query.", deref(in.QueryId))
	case err != nil:
		return nil, fmt.Errorf("read query results: %w", err)
	}
	out := getQueryResultsOutput{
		QueryStatus:     info.Status,
		QueryStatistics: resultStatistics{ResultsCount: len(rows), TotalResultsCount: clampInt(info.Rows), BytesScanned: info.Stats.BytesScanned},
		QueryResultRows: resultRows(info.Columns, rows),
		ErrorMessage:    info.Error,
	}
	if next := from + int64(len(rows)); len(rows) > 0 && next < info.Rows {
		out.NextToken = s.tokens.encode(qh, history.Cursor{Seq: uint64(next)})
	}
	return s.queryResult(c, "GetQueryResults", stores, out, false)
}

// resultRows renders rows as QueryResultRows.
func resultRows(columns []string, rows [][]lake.Value) [][]map[string]string {
	out := make([][]map[string]string, 0, len(rows))
	for _, row := range rows {
		cells := make([]map[string]string, len(row))
		for i, v := range row {
			name := fmt.Sprintf("_col%d", i)
			if i < len(columns) {
				name = columns[i]
			}
			cells[i] = map[string]string{name: v.S} // NULL has S == ""
		}
		out = append(out, cells)
	}
	return out
}

func clampInt(n int64) int { return int(min(n, math.MaxInt32)) }

type listQueriesInput struct {
	EventDataStore *string    `json:"EventDataStore"`
	NextToken      *string    `json:"NextToken"`
	MaxResults     *int       `json:"MaxResults"`
	StartTime      *Timestamp `json:"StartTime"`
	EndTime        *Timestamp `json:"EndTime"`
	QueryStatus    *string    `json:"QueryStatus"`
}

type queryListEntry struct {
	QueryId      string   `json:"QueryId"`
	QueryStatus  string   `json:"QueryStatus"`
	CreationTime *float64 `json:"CreationTime,omitempty"`
}

var queryStatuses = []string{lake.QueryQueued, lake.QueryRunning, lake.QueryFinished, lake.QueryFailed, lake.QueryTimedOut, lake.QueryCancelled}

// listQueries lists the caller's queries of the last seven days that read
// the store, oldest first, optionally created between StartTime and
// EndTime and with one status.
func (s *Service) listQueries(_ context.Context, c *api.Call) (*api.Result, error) {
	var in listQueriesInput
	if err := decodeInput(c.Body, &in); err != nil {
		return nil, err
	}
	if in.EventDataStore == nil {
		return nil, cterr.InvalidParameter.New("EventDataStore is required.")
	}
	size := maxListQueries
	if in.MaxResults != nil {
		if *in.MaxResults < 1 || *in.MaxResults > maxListQueries {
			return nil, cterr.InvalidMaxResults.New("MaxResults must be between 1 and %d.", maxListQueries)
		}
		size = *in.MaxResults
	}
	var f lake.ListFilter
	if in.StartTime != nil {
		f.Start = in.StartTime.Time
	}
	if in.EndTime != nil {
		f.End = in.EndTime.Time
	}
	if !f.Start.IsZero() && !f.End.IsZero() && f.Start.After(f.End) {
		return nil, cterr.InvalidDateRange.New("StartTime %s is after EndTime %s.", f.Start.Format(time.RFC3339), f.End.Format(time.RFC3339))
	}
	if in.QueryStatus != nil {
		if !slices.Contains(queryStatuses, *in.QueryStatus) {
			return nil, cterr.InvalidQueryStatus.New("QueryStatus %q is not valid: use one of %v.", *in.QueryStatus, queryStatuses)
		}
		f.Status = *in.QueryStatus
	}
	e, err := findEventDataStore(s.opts.Lake.Stores, c, *in.EventDataStore)
	if err != nil {
		return nil, err
	}
	if e.Status == lake.StatusPendingDeletion {
		return nil, errEDSInactive(e)
	}
	f.Store = e.ID
	var queries []lake.QueryInfo
	for _, q := range s.opts.Lake.Queries.List(c.Caller.AccountID, f) {
		if q.Region == c.Region {
			queries = append(queries, q)
		}
	}
	qh := queryHash("ListQueries", c.Caller.AccountID, c.Region, e.ID, timeKey(f.Start), timeKey(f.End), f.Status)
	page, next, err := pageByCreated(s, queries, func(q lake.QueryInfo) time.Time { return q.Created }, qh, in.NextToken, size)
	if err != nil {
		return nil, err
	}
	out := struct {
		Queries   []queryListEntry `json:"Queries"`
		NextToken string           `json:"NextToken,omitempty"`
	}{Queries: []queryListEntry{}, NextToken: next}
	for _, q := range page {
		out.Queries = append(out.Queries, queryListEntry{QueryId: q.ID, QueryStatus: q.Status, CreationTime: epoch(q.Created)})
	}
	return s.queryResult(c, "ListQueries", []lake.EventDataStore{e}, out, false)
}

func timeKey(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}
