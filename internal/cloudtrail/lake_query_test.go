package cloudtrail

import (
	"fmt"
	"strings"
	"testing"

	"github.com/cairn-audit/cairn/internal/event"
	"github.com/cairn-audit/cairn/internal/lake"
)

func TestStartQueryResponseAndRecord(t *testing.T) {
	e := newQueryEnv(t)
	st := e.seedStore(acct, "us-east-1", "audit")
	sql := "SELECT eventName FROM " + st.ID
	res := e.handle(acct, "us-east-1", "StartQuery", map[string]any{"QueryStatement": sql})
	if res.ErrorCode != "" || res.Commit == nil || res.Abort == nil {
		t.Fatalf("%s %s", res.ErrorCode, res.ErrorMessage)
	}
	var out startQueryOutput
	decodeQueryJSON(t, res.Body, &out)
	id := out.QueryId
	if len(id) != 36 || id != strings.ToLower(id) || string(res.Body) != fmt.Sprintf(`{"QueryId":%q}`, id) {
		t.Fatalf("response %s", res.Body)
	}
	// Staged: the query exists only once the event is durable.
	if _, err := e.queries.Describe(acct, id); err == nil {
		t.Fatal("query visible before Commit")
	}
	if err := res.Commit(); err != nil {
		t.Fatal(err)
	}
	if res.EventName != "StartQuery" || res.ReadOnly || res.APIVersion != APIVersion {
		t.Fatalf("event %+v", res)
	}
	if got := jsonString(t, res.RequestParameters); got != fmt.Sprintf(`{"queryStatement":%q}`, sql) {
		t.Fatalf("requestParameters %s", got)
	}
	if got := jsonString(t, res.ResponseElements); got != fmt.Sprintf(`{"queryId":%q}`, id) {
		t.Fatalf("responseElements %s", got)
	}
	if len(res.Resources) != 1 || res.Resources[0] != (event.ResourceRef{Type: eventDataStoreResourceType, Name: "audit", ARN: st.ARN}) {
		t.Fatalf("resources %+v", res.Resources)
	}
	d := e.describe(id, lake.QueryFinished)
	if d.QueryString != sql || d.QueryStatistics.EventsMatched != 3 || d.QueryStatistics.EventsScanned != 40 ||
		d.QueryStatistics.BytesScanned != 4000 || d.ErrorMessage != "" || d.DeliveryS3Uri != "" {
		t.Fatalf("describe %+v", d)
	}
	run := e.engine.lastRun()
	if run.SQL != sql || len(run.Stores) != 1 || !run.Stores[st.ID].Since.Equal(testNow.AddDate(0, 0, -90)) {
		t.Fatalf("engine ran %+v", run)
	}

	// An aborted StartQuery leaves no query behind and frees its slot.
	res = e.handle(acct, "us-east-1", "StartQuery", map[string]any{"QueryStatement": sql})
	decodeQueryJSON(t, res.Body, &out)
	res.Abort()
	if _, err := e.queries.Describe(acct, out.QueryId); err == nil {
		t.Fatal("aborted query exists")
	}
}

func TestStartQueryByARNAndManyStores(t *testing.T) {
	e := newQueryEnv(t)
	a := e.seedStore(acct, "us-east-1", "a")
	b := e.seedStore(acct, "us-east-1", "b", func(s *lake.EventDataStore) { s.RetentionPeriod = 7 })
	res := e.ok("us-east-1", "StartQuery", map[string]any{"QueryStatement": "SELECT * FROM " + a.ARN + " UNION ALL SELECT * FROM " + strings.ToUpper(b.ID) + " JOIN " + a.ID}, nil)
	if len(res.Resources) != 2 {
		t.Fatalf("resources %+v", res.Resources)
	}
	var out startQueryOutput
	decodeQueryJSON(t, res.Body, &out)
	e.describe(out.QueryId, lake.QueryFinished)
	run := e.engine.lastRun()
	if len(run.Stores) != 2 || !run.Stores[b.ID].Since.Equal(testNow.AddDate(0, 0, -7)) {
		t.Fatalf("scopes %+v", run.Stores)
	}
}

func TestStartQueryErrors(t *testing.T) {
	e := newQueryEnv(t)
	st := e.seedStore(acct, "us-east-1", "mine")
	theirs := e.seedStore(other, "us-east-1", "theirs")
	elsewhere := e.seedStore(acct, "eu-west-1", "elsewhere")
	deleted := e.seedStore(acct, "us-east-1", "deleted", func(s *lake.EventDataStore) { s.Status = lake.StatusPendingDeletion })
	e.buckets.add("other-owner", other)
	q := "SELECT * FROM " + st.ID
	params := make([]string, 11)
	for i := range params {
		params[i] = "p"
	}
	cases := []struct {
		name string
		body map[string]any
		code string
		msg  string
	}{
		{"no statement", map[string]any{}, "InvalidParameterException", "QueryStatement is required"},
		{"empty statement", map[string]any{"QueryStatement": ""}, "InvalidParameterException", "1 to 10000"},
		{"long statement", map[string]any{"QueryStatement": q + strings.Repeat(" ", 10000)}, "InvalidParameterException", "1 to 10000"},
		{"alias", map[string]any{"QueryAlias": "dashboard-widget"}, "InvalidParameterException", "no CloudTrail Lake dashboards"},
		{"alias and statement", map[string]any{"QueryAlias": "x", "QueryStatement": q}, "InvalidParameterException", "either"},
		{"refused statement", map[string]any{"QueryStatement": "DROP TABLE " + st.ID}, "InvalidQueryStatementException", "only one SELECT"},
		{"no store", map[string]any{"QueryStatement": "SELECT 1"}, "InvalidQueryStatementException", "at least one event data store"},
		{"unknown store", map[string]any{"QueryStatement": "SELECT * FROM 00000000-0000-4000-8000-000000000000"}, "EventDataStoreNotFoundException", "00000000-0000-4000-8000-000000000000"},
		{"another account's store", map[string]any{"QueryStatement": "SELECT * FROM " + theirs.ID}, "EventDataStoreNotFoundException", theirs.ID},
		{"another region's store", map[string]any{"QueryStatement": "SELECT * FROM " + elsewhere.ID}, "EventDataStoreNotFoundException", ""},
		{"one store of two unknown", map[string]any{"QueryStatement": q + " JOIN " + theirs.ID}, "EventDataStoreNotFoundException", ""},
		{"pending deletion", map[string]any{"QueryStatement": "SELECT * FROM " + deleted.ID}, "InactiveEventDataStoreException", deleted.ARN},
		{"owner account", map[string]any{"QueryStatement": q, "EventDataStoreOwnerAccountId": other}, "EventDataStoreNotFoundException", other},
		{"bad owner account", map[string]any{"QueryStatement": q, "EventDataStoreOwnerAccountId": "12ab"}, "InvalidParameterException", "EventDataStoreOwnerAccountId"},
		{"too many parameters", map[string]any{"QueryStatement": q, "QueryParameters": params}, "InvalidParameterException", "1 to 10 parameters"},
		{"empty parameter", map[string]any{"QueryStatement": q + " WHERE x = ?", "QueryParameters": []string{""}}, "InvalidParameterException", "Query parameter 1"},
		{"parameters without placeholders", map[string]any{"QueryStatement": q, "QueryParameters": []string{"a"}}, "InvalidParameterException", "placeholders"},
		{"not an s3 URI", map[string]any{"QueryStatement": q, "DeliveryS3Uri": "https://logs/x"}, "InvalidParameterException", "s3://bucket"},
		{"bad bucket name", map[string]any{"QueryStatement": q, "DeliveryS3Uri": "s3://Logs_Bucket/x"}, "InvalidS3BucketNameException", ""},
		{"bad prefix", map[string]any{"QueryStatement": q, "DeliveryS3Uri": "s3://logs/a//b"}, "InvalidS3PrefixException", ""},
		{"long URI", map[string]any{"QueryStatement": q, "DeliveryS3Uri": "s3://logs/" + strings.Repeat("a", 1020)}, "InvalidParameterException", "1024"},
		{"missing bucket", map[string]any{"QueryStatement": q, "DeliveryS3Uri": "s3://no-such-bucket"}, "S3BucketDoesNotExistException", "no-such-bucket"},
		{"bucket of another account", map[string]any{"QueryStatement": q, "DeliveryS3Uri": "s3://other-owner/x"}, "InsufficientS3BucketPolicyException", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e.t = t
			if msg := e.fails("us-east-1", "StartQuery", c.body, c.code); !strings.Contains(msg, c.msg) {
				t.Fatalf("message %q does not contain %q", msg, c.msg)
			}
		})
	}
	if got := e.queries.List(acct, lake.ListFilter{}); len(got) != 0 {
		t.Fatalf("failed calls started %d queries", len(got))
	}
}

func TestStartQueryParameters(t *testing.T) {
	e := newQueryEnv(t)
	st := e.seedStore(acct, "us-east-1", "mine")
	id := e.start("SELECT count(*) FROM "+st.ID+" WHERE eventName = ? AND eventTime > '?'", map[string]any{"QueryParameters": []string{"Get'User", "2026-01-01 00:00:00"}})
	want := "SELECT count(*) FROM " + st.ID + " WHERE eventName = 'Get''User' AND eventTime > '2026-01-01 00:00:00'"
	if d := e.describe(id, lake.QueryFinished); d.QueryString != want {
		t.Fatalf("QueryString %q", d.QueryString)
	}
	if run := e.engine.lastRun(); run.SQL != want {
		t.Fatalf("engine ran %q", run.SQL)
	}
}

func TestStartQueryConcurrencyLimit(t *testing.T) {
	e := newQueryEnv(t, func(o *lake.QueriesOptions) { o.MaxConcurrent = 1 })
	st := e.seedStore(acct, "us-east-1", "mine")
	id := e.start("SELECT SLOW FROM "+st.ID, nil)
	<-e.engine.started
	if msg := e.fails("us-east-1", "StartQuery", map[string]any{"QueryStatement": "SELECT * FROM " + st.ID}, "MaxConcurrentQueriesException"); !strings.Contains(msg, "(1)") {
		t.Fatal(msg)
	}
	e.ok("us-east-1", "CancelQuery", map[string]any{"QueryId": id}, nil)
	e.describe(id, lake.QueryCancelled)
	e.start("SELECT * FROM "+st.ID, nil)
}

func TestStartQueryFailsAtRun(t *testing.T) {
	e := newQueryEnv(t)
	st := e.seedStore(acct, "us-east-1", "mine")
	id := e.start("SELECT nope FROM "+st.ID, nil)
	d := e.describe(id, lake.QueryFailed)
	if !strings.Contains(d.ErrorMessage, `"nope"`) {
		t.Fatalf("error message %q", d.ErrorMessage)
	}
	var r getQueryResultsOutput
	e.ok("us-east-1", "GetQueryResults", map[string]any{"QueryId": id}, &r)
	if r.QueryStatus != lake.QueryFailed || r.ErrorMessage != d.ErrorMessage || len(r.QueryResultRows) != 0 {
		t.Fatalf("results of a failed query %+v", r)
	}
}

func TestQueryDeliveryThroughAPI(t *testing.T) {
	e := newQueryEnv(t)
	st := e.seedStore(acct, "us-east-1", "mine")
	id := e.start("SELECT * FROM "+st.ID, map[string]any{"DeliveryS3Uri": "s3://logs/lake-results/"})
	d := e.describe(id, lake.QueryFinished)
	if d.DeliveryS3Uri != "s3://logs/lake-results/" || d.DeliveryStatus != lake.DeliverySuccess {
		t.Fatalf("delivery %+v", d)
	}
	key := lake.DeliveryKey("lake-results", acct, id, testNow)
	e.buckets.mu.Lock()
	_, ok := e.buckets.buckets["logs"].objects[key]
	e.buckets.mu.Unlock()
	if !ok || e.buckets.objects("logs") != 1 {
		t.Fatalf("delivered objects: %d, %s present: %v", e.buckets.objects("logs"), key, ok)
	}
}
