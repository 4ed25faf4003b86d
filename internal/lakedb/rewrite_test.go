package lakedb

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/cairn-audit/cairn/internal/lake"
)

// Nested access into JSON columns and structs, the column labels it
// produces, and its use in filters and groups.
func TestLakeNestedAccess(t *testing.T) {
	l := openTestLake(t, "")
	at := time.Date(2026, 5, 4, 3, 2, 1, 0, time.UTC)
	rows := []lake.Row{
		ctRow(t, storeA, at, call{service: "s3", name: "PutObject", user: "Bob",
			params: map[string]any{"bucketName": "b1", "key": "k", "tags": map[string]any{"team": "sec"}, "a.b": "dotted"}}),
		ctRow(t, storeA, at.Add(time.Second), call{service: "s3", name: "GetObject", user: "Bob", params: map[string]any{"bucketName": "b2"}}),
		ctRow(t, storeA, at.Add(2*time.Second), call{service: "s3", name: "GetObject", user: "Bob", params: map[string]any{"bucketName": "b1"}}),
		auditRow(storeA, at.Add(3*time.Second), "a1", "Login", 1),
	}
	if err := l.Append(context.Background(), rows, nil); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		sql  string
		cols []string
		rows [][]string
	}{
		{"SELECT requestParameters.bucketName FROM $A WHERE eventName = 'PutObject'",
			[]string{"bucketName"}, [][]string{{"b1"}}},
		{"SELECT t.requestParameters.bucketName AS b, t.requestParameters.tags.team FROM $A AS t WHERE eventName = 'PutObject'",
			[]string{"b", "team"}, [][]string{{"b1", "sec"}}},
		{`SELECT "$A".requestParameters.key FROM "$A" WHERE eventName = 'PutObject'`,
			[]string{"key"}, [][]string{{"k"}}},
		{"SELECT element_at(requestParameters, 'bucketName'), requestParameters['key'], requestParameters['tags']['team'] FROM $A WHERE eventName = 'PutObject'",
			[]string{"element_at(requestParameters, 'bucketName')", "requestParameters['key']", "requestParameters['tags']['team']"},
			[][]string{{"b1", "k", "sec"}}},
		{"SELECT element_at(requestParameters.tags, 'team'), requestParameters.\"a.b\" FROM $A WHERE eventName = 'PutObject'",
			[]string{"element_at(requestParameters.tags, 'team')", "a.b"}, [][]string{{"sec", "dotted"}}},
		{"SELECT requestParameters.bucketName, count(*) AS n FROM $A WHERE requestParameters.bucketName IS NOT NULL GROUP BY requestParameters.bucketName ORDER BY 1",
			[]string{"bucketName", "n"}, [][]string{{"b1", "2"}, {"b2", "1"}}},
		{"SELECT count(*) FROM $A WHERE element_at(requestParameters, 'bucketName') = 'b1' AND requestParameters['key'] IS NULL",
			[]string{"count_star()"}, [][]string{{"1"}}},
		// Equalities with a literal are prefiltered on the column's text;
		// the text having the literal elsewhere must not match.
		{"SELECT count(*) FROM $A WHERE requestParameters.key = 'b1' OR 'sec' = requestParameters.bucketName",
			[]string{"count_star()"}, [][]string{{"0"}}},
		{"SELECT count(*) FROM $A WHERE requestParameters.tags.team = 'sec' AND requestParameters.bucketName = 'b1'",
			[]string{"count_star()"}, [][]string{{"1"}}},
		{"SELECT UserIdentity.UserName, userIdentity.TYPE, eventName, EVENTSOURCE FROM $A WHERE eventName = 'PutObject'",
			[]string{"UserName", "TYPE", "eventName", "EVENTSOURCE"}, [][]string{{"Bob", "IAMUser", "PutObject", "s3.amazonaws.com"}}},
		{"SELECT eventData.requestParameters.user, eventData.userIdentity.details.team, eventData.eventName FROM $A WHERE eventCategory = 'ActivityAuditLog'",
			[]string{"user", "team", "eventName"}, [][]string{{"alice", "a", "Login"}}},
		{"WITH x AS (SELECT requestParameters, eventName FROM $A) SELECT x.requestParameters.bucketName FROM x WHERE eventName = 'PutObject'",
			[]string{"bucketName"}, [][]string{{"b1"}}},
		{"SELECT json_extract_scalar(requestParameters, '$.tags.team') AS t FROM $A WHERE eventName = 'PutObject'",
			[]string{"t"}, [][]string{{"sec"}}},
		{"SELECT eventName FROM $A WHERE eventTime > now() - interval '7' day",
			[]string{"eventName"}, nil},
		{"SELECT count(*) FROM $A WHERE eventTime > '2026-05-04 03:02:01' AND date_trunc('day', eventTime) = DATE '2026-05-04'",
			[]string{"count_star()"}, [][]string{{"3"}}},
	}
	for _, c := range cases {
		sql := strings.ReplaceAll(c.sql, "$A", storeA)
		r, _ := mustRun(t, l, sql, scopeAll(storeA))
		if !reflect.DeepEqual(r.cols, c.cols) {
			t.Errorf("%s: columns %q, want %q", c.sql, r.cols, c.cols)
		}
		if got := r.text(); len(got)+len(c.rows) > 0 && !reflect.DeepEqual(got, c.rows) {
			t.Errorf("%s: rows %q, want %q", c.sql, got, c.rows)
		}
	}
}

func TestPrefilterLiteral(t *testing.T) {
	for lit, want := range map[string]bool{
		"bucket-1": true, "alice@example.com": true, "a b": true, "x=1,y+2:z_q.r": true,
		"12": false, "1e2": false, "-3.5": false, "": false, "a/b": false, `a"b`: false,
		`a\b`: false, "a<b": false, "café": false, "a\nb": false,
	} {
		if got := prefilterLiteral(lit); got != want {
			t.Errorf("prefilterLiteral(%q) = %v, want %v", lit, got, want)
		}
	}
}

// Store references: bare or quoted IDs and ARNs, any case.
func TestLakeStoreReferences(t *testing.T) {
	l := openTestLake(t, "")
	if err := l.Append(context.Background(), manyRows(t, storeA, lakeNow, 3), nil); err != nil {
		t.Fatal(err)
	}
	arn := "arn:aws:cloudtrail:us-east-1:123456789012:eventdatastore/" + storeA
	for _, from := range []string{storeA, `"` + storeA + `"`, "`" + storeA + "`", arn, `"` + arn + `"`, "`" + arn + "`",
		"6F1B2C3D-1111-4222-8333-444455556666", "ARN:AWS:CLOUDTRAIL:US-EAST-1:123456789012:EVENTDATASTORE/" + storeA} {
		if got := one(t, l, "SELECT count(*) FROM "+from+" -- trailing", scopeAll(storeA)); got[0] != "3" {
			t.Errorf("FROM %s: %v", from, got)
		}
	}
	stores, err := l.Check(context.Background(), "SELECT * FROM "+arn+" a JOIN "+storeB+" b ON a.eventid = b.eventid WHERE a.eventName = '"+storeA+"'")
	if err != nil || !reflect.DeepEqual(stores, []string{storeA, storeB}) {
		t.Fatalf("Check = %v, %v", stores, err)
	}
	// A plain name is a store only where the caller gives it (cairn query --logs).
	if err := l.Append(context.Background(), manyRows(t, "logs", lakeNow, 2), nil); err != nil {
		t.Fatal(err)
	}
	if got := one(t, l, "SELECT count(*) FROM logs", scopeAll("logs")); got[0] != "2" {
		t.Errorf("FROM logs: %v", got)
	}
	if _, err := l.Check(context.Background(), "SELECT count(*) FROM logs"); err == nil {
		t.Error("Check accepted a plain table name")
	}
}
