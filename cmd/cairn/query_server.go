package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	"github.com/aws/smithy-go"
)

// Defaults of cairn query.
const (
	// defaultQueryPoll is the first wait between DescribeQuery calls; it
	// grows to maxQueryPoll.
	defaultQueryPoll = 100 * time.Millisecond
	maxQueryPoll     = time.Second
	// queryResultsPage is the MaxQueryResults of each GetQueryResults call.
	queryResultsPage = 1000
	// cancelTimeout bounds the CancelQuery sent when cairn query is interrupted.
	cancelTimeout = 5 * time.Second
)

// queryAPI is the part of the CloudTrail client cairn query uses.
type queryAPI interface {
	StartQuery(context.Context, *cloudtrail.StartQueryInput, ...func(*cloudtrail.Options)) (*cloudtrail.StartQueryOutput, error)
	DescribeQuery(context.Context, *cloudtrail.DescribeQueryInput, ...func(*cloudtrail.Options)) (*cloudtrail.DescribeQueryOutput, error)
	GetQueryResults(context.Context, *cloudtrail.GetQueryResultsInput, ...func(*cloudtrail.Options)) (*cloudtrail.GetQueryResultsOutput, error)
	CancelQuery(context.Context, *cloudtrail.CancelQueryInput, ...func(*cloudtrail.Options)) (*cloudtrail.CancelQueryOutput, error)
}

// queryServer runs sql on the server and prints its results to w.
func queryServer(ctx context.Context, client queryAPI, sql string, maxRows int, w resultWriter, p *queryProgress) error {
	started, err := client.StartQuery(ctx, &cloudtrail.StartQueryInput{QueryStatement: aws.String(sql)})
	if err != nil {
		return apiError("StartQuery", err)
	}
	id := aws.ToString(started.QueryId)
	status, err := waitQuery(ctx, client, id, p)
	if err != nil {
		return err
	}
	p.clear()
	if err := printQueryResults(ctx, client, id, maxRows, w); err != nil {
		return err
	}
	if status.QueryStatus == types.QueryStatusTimedOut {
		return fmt.Errorf("query %s TIMED_OUT: the rows above are the results found before it did", id)
	}
	return nil
}

// waitQuery polls DescribeQuery until the query is FINISHED or TIMED_OUT
// (an error for FAILED and CANCELLED). Interrupted, it cancels the query.
func waitQuery(ctx context.Context, client queryAPI, id string, p *queryProgress) (*cloudtrail.DescribeQueryOutput, error) {
	began, wait := time.Now(), defaultQueryPoll
	for {
		d, err := client.DescribeQuery(ctx, &cloudtrail.DescribeQueryInput{QueryId: aws.String(id)})
		if err != nil {
			if ctx.Err() != nil {
				return nil, cancelQuery(client, id)
			}
			return nil, apiError("DescribeQuery", err)
		}
		switch d.QueryStatus {
		case types.QueryStatusFinished, types.QueryStatusTimedOut:
			return d, nil
		case types.QueryStatusFailed, types.QueryStatusCancelled:
			msg := aws.ToString(d.ErrorMessage)
			if msg == "" {
				msg = "no error message"
			}
			return nil, fmt.Errorf("query %s %s: %s", id, d.QueryStatus, msg)
		}
		scanned := int64(0)
		if d.QueryStatistics != nil {
			scanned = aws.ToInt64(d.QueryStatistics.EventsScanned)
		}
		p.show(fmt.Sprintf("query %s: %s, %s, %s events scanned", id, d.QueryStatus, time.Since(began).Round(100*time.Millisecond), groupDigits(scanned)))
		select {
		case <-ctx.Done():
			return nil, cancelQuery(client, id)
		case <-time.After(wait):
		}
		wait = min(wait*3/2, maxQueryPoll)
	}
}

// cancelQuery cancels an interrupted query and says so.
func cancelQuery(client queryAPI, id string) error {
	ctx, cancel := context.WithTimeout(context.Background(), cancelTimeout)
	defer cancel()
	if _, err := client.CancelQuery(ctx, &cloudtrail.CancelQueryInput{QueryId: aws.String(id)}); err != nil {
		return fmt.Errorf("interrupted; cancelling query %s failed: %w", id, apiError("CancelQuery", err))
	}
	return fmt.Errorf("interrupted; query %s cancelled", id)
}

// printQueryResults pages GetQueryResults into w, at most maxRows rows (0
// for all). Each row is a list of one-entry maps, column to value.
func printQueryResults(ctx context.Context, client queryAPI, id string, maxRows int, w resultWriter) error {
	in := &cloudtrail.GetQueryResultsInput{QueryId: aws.String(id)}
	n, header := 0, false
	for {
		size := queryResultsPage
		if maxRows > 0 {
			size = min(size, maxRows-n)
		}
		in.MaxQueryResults = aws.Int32(int32(size))
		page, err := client.GetQueryResults(ctx, in)
		if err != nil {
			return apiError("GetQueryResults", err)
		}
		for _, row := range page.QueryResultRows {
			names, values := make([]string, 0, len(row)), make([]cell, 0, len(row))
			for _, entry := range row {
				for k, v := range entry {
					names, values = append(names, k), append(values, cell{s: v})
				}
			}
			if !header {
				if err := w.Columns(names); err != nil {
					return fmt.Errorf("print results: %w", err)
				}
				header = true
			}
			if err := w.Row(values); err != nil {
				return fmt.Errorf("print results: %w", err)
			}
			n++
		}
		if in.NextToken = page.NextToken; aws.ToString(in.NextToken) == "" || maxRows > 0 && n >= maxRows {
			break
		}
	}
	if err := w.Finish(); err != nil {
		return fmt.Errorf("print results: %w", err)
	}
	return nil
}

// apiError is an API error as "Op: Code: message".
func apiError(op string, err error) error {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return fmt.Errorf("%s: %s: %s", op, ae.ErrorCode(), ae.ErrorMessage())
	}
	return fmt.Errorf("%s: %w", op, err)
}
