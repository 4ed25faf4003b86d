package cloudtrail

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/cairn-audit/cairn/internal/lake"
)

func TestDescribeQuery(t *testing.T) {
	e := newQueryEnv(t)
	st := e.seedStore(acct, "us-east-1", "mine")
	unrelated := e.seedStore(acct, "us-east-1", "unrelated")
	id := e.start("SELECT * FROM "+st.ID, nil)
	e.describe(id, lake.QueryFinished)
	res := e.ok("us-east-1", "DescribeQuery", map[string]any{"QueryId": id, "EventDataStore": st.ARN}, nil)
	want := fmt.Sprintf(`{"QueryId":%q,"QueryString":"SELECT * FROM %s","QueryStatus":"FINISHED","QueryStatistics":{"EventsMatched":3,"EventsScanned":40,"BytesScanned":4000,"ExecutionTimeInMillis":0,"CreationTime":1795262400}}`, id, st.ID)
	if string(res.Body) != want {
		t.Fatalf("DescribeQuery\n%s\nwant\n%s", res.Body, want)
	}
	if !res.ReadOnly || res.ResponseElements != nil || len(res.Resources) != 1 || res.Resources[0].ARN != st.ARN {
		t.Fatalf("event %+v", res)
	}
	e.ok("us-east-1", "DescribeQuery", map[string]any{"QueryId": id, "EventDataStore": st.ID, "EventDataStoreOwnerAccountId": acct}, nil)

	notFound := "QueryIdNotFoundException"
	for _, c := range []struct {
		name, account, region string
		body                  map[string]any
		code                  string
	}{
		{"unknown", acct, "us-east-1", map[string]any{"QueryId": "00000000-0000-4000-8000-000000000000"}, notFound},
		{"another account", other, "us-east-1", map[string]any{"QueryId": id}, notFound},
		{"another region", acct, "eu-west-1", map[string]any{"QueryId": id}, notFound},
		{"store it does not read", acct, "us-east-1", map[string]any{"QueryId": id, "EventDataStore": unrelated.ID}, notFound},
		{"malformed ID", acct, "us-east-1", map[string]any{"QueryId": "abc"}, "InvalidParameterException"},
		{"no ID", acct, "us-east-1", map[string]any{}, "InvalidParameterException"},
		{"alias", acct, "us-east-1", map[string]any{"QueryAlias": "x"}, "InvalidParameterException"},
		{"bad store ARN", acct, "us-east-1", map[string]any{"QueryId": id, "EventDataStore": "arn:aws:cloudtrail:us-east-1:111111111111:trail/t"}, "EventDataStoreARNInvalidException"},
		{"unknown store", acct, "us-east-1", map[string]any{"QueryId": id, "EventDataStore": "00000000-0000-4000-8000-000000000000"}, "EventDataStoreNotFoundException"},
	} {
		if res := e.doAs(c.account, c.region, "DescribeQuery", c.body); res.ErrorCode != c.code {
			t.Errorf("%s: %s (%s), want %s", c.name, res.ErrorCode, res.ErrorMessage, c.code)
		}
	}
	// A query on a store pending deletion cannot be described (nor its results read).
	e.setStatus(st, lake.StatusPendingDeletion)
	for _, op := range []string{"DescribeQuery", "GetQueryResults", "CancelQuery"} {
		e.fails("us-east-1", op, map[string]any{"QueryId": id}, "InactiveEventDataStoreException")
	}
	e.setStatus(st, lake.StatusEnabled)
	e.ok("us-east-1", "DescribeQuery", map[string]any{"QueryId": id}, nil)
}

func TestGetQueryResultsPages(t *testing.T) {
	e := newQueryEnv(t)
	e.engine.rows = 25
	st := e.seedStore(acct, "us-east-1", "mine")
	id := e.start("SELECT * FROM "+st.ID, nil)
	e.describe(id, lake.QueryFinished)

	var first getQueryResultsOutput
	res := e.ok("us-east-1", "GetQueryResults", map[string]any{"QueryId": id, "MaxQueryResults": 2}, &first)
	if !strings.HasPrefix(string(res.Body), `{"QueryStatus":"FINISHED","QueryStatistics":{"ResultsCount":2,"TotalResultsCount":25,"BytesScanned":4000},"QueryResultRows":[[{"eventName":"e0"},{"n":"0"}],[{"eventName":"e1"},{"n":""}]],"NextToken":"`) {
		t.Fatalf("first page %s", res.Body)
	}
	if !res.ReadOnly || res.Resources[0].ARN != st.ARN {
		t.Fatalf("event %+v", res)
	}
	var names []string
	sizes := []int{}
	token := ""
	for pages := 0; pages < 10; pages++ {
		body := map[string]any{"QueryId": id, "MaxQueryResults": 10}
		if token != "" {
			body["NextToken"] = token
		}
		var out getQueryResultsOutput
		e.ok("us-east-1", "GetQueryResults", body, &out)
		if out.QueryStatistics.ResultsCount != len(out.QueryResultRows) || out.QueryStatistics.TotalResultsCount != 25 {
			t.Fatalf("statistics %+v for %d rows", out.QueryStatistics, len(out.QueryResultRows))
		}
		sizes = append(sizes, len(out.QueryResultRows))
		for _, row := range out.QueryResultRows {
			names = append(names, row[0]["eventName"])
		}
		if token = out.NextToken; token == "" {
			break
		}
	}
	if fmt.Sprint(sizes) != "[10 10 5]" || len(names) != 25 || names[24] != "e24" {
		t.Fatalf("pages %v, rows %v", sizes, names)
	}
	// Tokens are bound to the query and the caller.
	id2 := e.start("SELECT * FROM "+st.ID, nil)
	e.describe(id2, lake.QueryFinished)
	for _, c := range []struct {
		account string
		body    map[string]any
		code    string
	}{
		{acct, map[string]any{"QueryId": id2, "NextToken": first.NextToken}, "InvalidNextTokenException"},
		{acct, map[string]any{"QueryId": id, "NextToken": "bm9wZW5vcGVub3Bl"}, "InvalidNextTokenException"},
		{other, map[string]any{"QueryId": id, "NextToken": first.NextToken}, "QueryIdNotFoundException"},
		{acct, map[string]any{"QueryId": id, "MaxQueryResults": 0}, "InvalidMaxResultsException"},
		{acct, map[string]any{"QueryId": id, "MaxQueryResults": 1001}, "InvalidMaxResultsException"},
		{acct, map[string]any{"QueryId": "00000000-0000-4000-8000-000000000000"}, "QueryIdNotFoundException"},
	} {
		if res := e.doAs(c.account, "us-east-1", "GetQueryResults", c.body); res.ErrorCode != c.code {
			t.Errorf("%v: %s (%s), want %s", c.body, res.ErrorCode, res.ErrorMessage, c.code)
		}
	}
	// A token can be used again, with another page size.
	var again getQueryResultsOutput
	e.ok("us-east-1", "GetQueryResults", map[string]any{"QueryId": id, "NextToken": first.NextToken, "MaxQueryResults": 1}, &again)
	if len(again.QueryResultRows) != 1 || again.QueryResultRows[0][0]["eventName"] != "e2" {
		t.Fatalf("resumed page %+v", again.QueryResultRows)
	}
}

func TestGetQueryResultsWhileRunning(t *testing.T) {
	e := newQueryEnv(t)
	st := e.seedStore(acct, "us-east-1", "mine")
	id := e.start("SELECT SLOW FROM "+st.ID, nil)
	<-e.engine.started
	e.describe(id, lake.QueryRunning)
	res := e.ok("us-east-1", "GetQueryResults", map[string]any{"QueryId": id}, nil)
	if string(res.Body) != `{"QueryStatus":"RUNNING","QueryStatistics":{"ResultsCount":0,"TotalResultsCount":0,"BytesScanned":0},"QueryResultRows":[]}` {
		t.Fatalf("running query results %s", res.Body)
	}
	e.ok("us-east-1", "CancelQuery", map[string]any{"QueryId": id}, nil)
}

func TestCancelQuery(t *testing.T) {
	e := newQueryEnv(t)
	st := e.seedStore(acct, "us-east-1", "mine")
	id := e.start("SELECT SLOW FROM "+st.ID, nil)
	<-e.engine.started
	e.describe(id, lake.QueryRunning)
	if res := e.doAs(other, "us-east-1", "CancelQuery", map[string]any{"QueryId": id}); res.ErrorCode != "QueryIdNotFoundException" {
		t.Fatalf("another account cancels: %s", res.ErrorCode)
	}
	res := e.handle(acct, "us-east-1", "CancelQuery", map[string]any{"QueryId": id, "EventDataStore": st.ARN})
	if res.ErrorCode != "" || string(res.Body) != fmt.Sprintf(`{"QueryId":%q,"QueryStatus":"CANCELLED"}`, id) || res.ReadOnly || res.Commit == nil {
		t.Fatalf("CancelQuery %s %s %s", res.ErrorCode, res.ErrorMessage, res.Body)
	}
	if got := jsonString(t, res.ResponseElements); got != fmt.Sprintf(`{"queryId":%q,"queryStatus":"CANCELLED"}`, id) {
		t.Fatalf("responseElements %s", got)
	}
	if info, _ := e.queries.Describe(acct, id); info.Status != lake.QueryRunning {
		t.Fatalf("cancelled before the event is durable: %s", info.Status)
	}
	if err := res.Commit(); err != nil {
		t.Fatal(err)
	}
	// The statistics arrive once the engine has stopped.
	deadline := time.Now().Add(5 * time.Second)
	for d := e.describe(id, lake.QueryCancelled); d.QueryStatistics.BytesScanned != 50; d = e.describe(id, lake.QueryCancelled) {
		if time.Now().After(deadline) {
			t.Fatalf("statistics of the cancelled query %+v", d.QueryStatistics)
		}
		time.Sleep(time.Millisecond)
	}
	if msg := e.fails("us-east-1", "CancelQuery", map[string]any{"QueryId": id}, "InactiveQueryException"); !strings.Contains(msg, "CANCELLED") {
		t.Fatal(msg)
	}
	// A query that stops between the call and its commit is left alone.
	id = e.start("SELECT * FROM "+st.ID, nil)
	e.describe(id, lake.QueryFinished)
	e.fails("us-east-1", "CancelQuery", map[string]any{"QueryId": id}, "InactiveQueryException")
}

func TestListQueries(t *testing.T) {
	e := newQueryEnv(t)
	a := e.seedStore(acct, "us-east-1", "a")
	b := e.seedStore(acct, "us-east-1", "b")
	var ids []string
	for i := range 5 {
		sql := "SELECT * FROM " + a.ID
		if i == 4 {
			sql = "SELECT nope FROM " + a.ID + " JOIN " + b.ID
		}
		ids = append(ids, e.start(sql, nil))
		e.describe(ids[i], lake.QueryFinished, lake.QueryFailed)
	}
	onlyB := e.start("SELECT * FROM "+b.ID, nil)
	e.describe(onlyB, lake.QueryFinished)
	theirs := e.seedStore(other, "us-east-1", "theirs")
	e.doAs(other, "us-east-1", "StartQuery", map[string]any{"QueryStatement": "SELECT * FROM " + theirs.ID})

	type listOut struct {
		Queries []struct {
			QueryId, QueryStatus string
			CreationTime         float64
		}
		NextToken string
	}
	list := func(body map[string]any) (got []string) {
		t.Helper()
		token := ""
		for pages := 0; pages < 10; pages++ {
			if token != "" {
				body["NextToken"] = token
			}
			var out listOut
			e.ok("us-east-1", "ListQueries", body, &out)
			for _, q := range out.Queries {
				if q.CreationTime != float64(testNow.Unix()) {
					t.Fatalf("creation time %v", q.CreationTime)
				}
				got = append(got, q.QueryId+"/"+q.QueryStatus)
			}
			if token = out.NextToken; token == "" {
				return got
			}
		}
		t.Fatal("too many pages")
		return nil
	}
	all := list(map[string]any{"EventDataStore": a.ARN, "MaxResults": 2})
	if len(all) != 5 {
		t.Fatalf("listed %v", all)
	}
	for _, id := range ids {
		if !containsPrefix(all, id) {
			t.Fatalf("query %s not listed: %v", id, all)
		}
	}
	if got := list(map[string]any{"EventDataStore": b.ID}); len(got) != 2 || !containsPrefix(got, onlyB) || !containsPrefix(got, ids[4]) {
		t.Fatalf("store b: %v", got)
	}
	if got := list(map[string]any{"EventDataStore": a.ID, "QueryStatus": "FAILED"}); len(got) != 1 || got[0] != ids[4]+"/FAILED" {
		t.Fatalf("failed queries: %v", got)
	}
	if got := list(map[string]any{"EventDataStore": a.ID, "StartTime": testNow.Add(time.Second).Unix()}); len(got) != 0 {
		t.Fatalf("queries after StartTime: %v", got)
	}
	if got := list(map[string]any{"EventDataStore": a.ID, "StartTime": testNow.Add(-time.Hour).Unix(), "EndTime": testNow.Unix()}); len(got) != 5 {
		t.Fatalf("queries in range: %v", got)
	}
	for _, c := range []struct {
		body map[string]any
		code string
	}{
		{map[string]any{}, "InvalidParameterException"},
		{map[string]any{"EventDataStore": a.ID, "StartTime": testNow.Unix(), "EndTime": testNow.Add(-time.Hour).Unix()}, "InvalidDateRangeException"},
		{map[string]any{"EventDataStore": a.ID, "QueryStatus": "DONE"}, "InvalidQueryStatusException"},
		{map[string]any{"EventDataStore": a.ID, "MaxResults": 0}, "InvalidMaxResultsException"},
		{map[string]any{"EventDataStore": a.ID, "MaxResults": 1001}, "InvalidMaxResultsException"},
		{map[string]any{"EventDataStore": a.ID, "NextToken": "bm9wZW5vcGVub3Bl"}, "InvalidNextTokenException"},
		{map[string]any{"EventDataStore": theirs.ARN}, "EventDataStoreNotFoundException"},
		{map[string]any{"EventDataStore": "not/an arn"}, "EventDataStoreARNInvalidException"},
	} {
		e.fails("us-east-1", "ListQueries", c.body, c.code)
	}
	// A token is bound to its parameters.
	var page listOut
	e.ok("us-east-1", "ListQueries", map[string]any{"EventDataStore": a.ID, "MaxResults": 1}, &page)
	e.fails("us-east-1", "ListQueries", map[string]any{"EventDataStore": b.ID, "NextToken": page.NextToken}, "InvalidNextTokenException")
	e.setStatus(a, lake.StatusPendingDeletion)
	e.fails("us-east-1", "ListQueries", map[string]any{"EventDataStore": a.ID}, "InactiveEventDataStoreException")
}

func containsPrefix(list []string, prefix string) bool {
	for _, s := range list {
		if strings.HasPrefix(s, prefix) {
			return true
		}
	}
	return false
}

func TestSearchSampleQueries(t *testing.T) {
	e := newQueryEnv(t)
	type out struct {
		SearchResults []sampleQueryShape
		NextToken     string
	}
	var first out
	res := e.ok("us-east-1", "SearchSampleQueries", map[string]any{"SearchPhrase": "console sign-ins without MFA"}, &first)
	if !res.ReadOnly || len(first.SearchResults) == 0 || len(first.SearchResults) > 10 || first.SearchResults[0].Name != "Console sign-ins without MFA" ||
		!strings.Contains(first.SearchResults[0].SQL, "$EDS_ID") || first.SearchResults[0].Relevance <= 0 || first.SearchResults[0].Relevance > 1 {
		t.Fatalf("search %+v", first)
	}
	// Paging through every match of a broad phrase.
	matches, err := lake.SearchSamples("user activity events")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	token := ""
	for pages := 0; pages < 20; pages++ {
		body := map[string]any{"SearchPhrase": "user activity events", "MaxResults": 3}
		if token != "" {
			body["NextToken"] = token
		}
		var o out
		e.ok("us-east-1", "SearchSampleQueries", body, &o)
		for _, s := range o.SearchResults {
			names = append(names, s.Name)
		}
		if token = o.NextToken; token == "" {
			break
		}
		if pages == 0 {
			e.fails("us-east-1", "SearchSampleQueries", map[string]any{"SearchPhrase": "other phrase", "NextToken": token}, "InvalidParameterException")
		}
	}
	if len(names) != len(matches) || len(matches) < 4 {
		t.Fatalf("paged %d of %d matches", len(names), len(matches))
	}
	var none out
	e.ok("us-east-1", "SearchSampleQueries", map[string]any{"SearchPhrase": "zebra xylophone"}, &none)
	if none.SearchResults == nil || len(none.SearchResults) != 0 {
		t.Fatalf("no match: %+v", none)
	}
	for _, body := range []map[string]any{
		{"SearchPhrase": "a"},
		{},
		{"SearchPhrase": strings.Repeat("a", 1001)},
		{"SearchPhrase": "näive"},
		{"SearchPhrase": "login", "MaxResults": 0},
		{"SearchPhrase": "login", "MaxResults": 51},
		{"SearchPhrase": "login", "NextToken": "bm9wZW5vcGVub3Bl"},
	} {
		e.fails("us-east-1", "SearchSampleQueries", body, "InvalidParameterException")
	}
}

func TestQueryOperationsWithoutQueries(t *testing.T) {
	e := newTrailEnv(t)
	for _, op := range []string{"StartQuery", "DescribeQuery", "GetQueryResults", "CancelQuery", "ListQueries", "SearchSampleQueries"} {
		e.fails("us-east-1", op, map[string]any{}, "UnsupportedOperationException")
	}
	stores, err := lake.OpenStores(t.TempDir(), lake.StoresOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer stores.Close()
	noQueries := newTrailEnv(t, func(o *Options) { o.Lake = &lake.Lake{Stores: stores} })
	noQueries.fails("us-east-1", "StartQuery", map[string]any{"QueryStatement": "SELECT 1"}, "UnsupportedOperationException")
	noQueries.ok("us-east-1", "SearchSampleQueries", map[string]any{"SearchPhrase": "root"}, nil)
}
