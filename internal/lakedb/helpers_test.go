package lakedb

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/cairn-audit/cairn/internal/api"
	"github.com/cairn-audit/cairn/internal/event"
	"github.com/cairn-audit/cairn/internal/identity"
	"github.com/cairn-audit/cairn/internal/lake"
	"github.com/cairn-audit/cairn/internal/recorder"
)

// Stores of the Lake tests.
const (
	storeA = "6f1b2c3d-1111-4222-8333-444455556666"
	storeB = "0a0b0c0d-2222-4333-8444-555566667777"
)

// openTestLake opens a Lake in dir ("" for memory), closed at cleanup.
func openTestLake(t *testing.T, dir string) *DB {
	t.Helper()
	l, err := Open(Options{Dir: dir, MemoryLimit: "256MB", Threads: 2, QueryConns: 3, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := l.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return l
}

// results collects a query's results.
type results struct {
	cols []string
	rows [][]lake.Value
}

func (r *results) Columns(names []string) error { r.cols = names; return nil }
func (r *results) Row(v []lake.Value) error     { r.rows = append(r.rows, v); return nil }

// text is the rows as strings, NULL as "<null>".
func (r *results) text() [][]string {
	out := make([][]string, len(r.rows))
	for i, row := range r.rows {
		for _, v := range row {
			s := v.S
			if v.Null {
				s = "<null>"
			}
			out[i] = append(out[i], s)
		}
	}
	return out
}

// scopeAll lets a query read the given stores whole.
func scopeAll(ids ...string) map[string]lake.Scope {
	m := map[string]lake.Scope{}
	for _, id := range ids {
		m[id] = lake.Scope{}
	}
	return m
}

// mustRun runs sql over stores and fails the test on error.
func mustRun(t *testing.T, l *DB, sql string, stores map[string]lake.Scope) (*results, lake.QueryStats) {
	t.Helper()
	var r results
	st, err := l.Run(context.Background(), lake.Query{SQL: sql, Stores: stores}, &r)
	if err != nil {
		t.Fatalf("Run(%q): %v", sql, err)
	}
	return &r, st
}

// one runs a query expected to return one row and returns it.
func one(t *testing.T, l *DB, sql string, stores map[string]lake.Scope) []string {
	t.Helper()
	r, _ := mustRun(t, l, sql, stores)
	if len(r.rows) != 1 {
		t.Fatalf("Run(%q): %d rows, want 1: %v", sql, len(r.rows), r.text())
	}
	return r.text()[0]
}

// fakeService is a service for the recorder.
type fakeService struct{ name string }

func (s fakeService) SigningName() string                           { return s.name }
func (s fakeService) EventSource() string                           { return s.name + ".amazonaws.com" }
func (s fakeService) Global() bool                                  { return s.name == "iam" }
func (s fakeService) Protocol() api.Protocol                        { return nil }
func (s fakeService) Handle(context.Context, *api.Call) *api.Result { return nil }

// call describes a recorded call for ctRow.
type call struct {
	service, name string
	user          string // IAM user; "" for root
	params        any
	errorCode     string
	readOnly      bool
	resources     []event.ResourceRef
}

// ctRow records a call with the real recorder and returns it as a row of
// store.
func ctRow(t *testing.T, store string, at time.Time, c call) lake.Row {
	t.Helper()
	caller := identity.Principal{Type: identity.TypeRoot, AccountID: "123456789012", ARN: "arn:aws:iam::123456789012:root",
		PrincipalID: "123456789012", AccessKeyID: "AKIAROOT"}
	if c.user != "" {
		caller = identity.Principal{Type: identity.TypeIAMUser, AccountID: "123456789012", ARN: "arn:aws:iam::123456789012:user/" + c.user,
			PrincipalID: "AIDA" + c.user, UserName: c.user, AccessKeyID: "AKIA" + c.user}
	}
	res := &api.Result{EventName: c.name, ReadOnly: c.readOnly, RequestParameters: c.params, Resources: c.resources, ErrorCode: c.errorCode}
	if c.errorCode != "" {
		res.ErrorMessage = "denied"
	}
	e, err := recorder.New(nil, func() time.Time { return at }).Build(recorder.Input{
		Service: fakeService{c.service}, Caller: caller, Region: "eu-west-1", SourceIP: "203.0.113.5",
		UserAgent: "aws-cli/2.15.0", RequestID: "req-1", Host: c.service + ".eu-west-1.amazonaws.com",
		TLS:    &tls.ConnectionState{Version: tls.VersionTLS13, CipherSuite: tls.TLS_AES_128_GCM_SHA256},
		Result: res,
	})
	if err != nil {
		t.Fatalf("recorder.Build: %v", err)
	}
	return lake.Row{Store: store, Time: e.Meta.Time, EventID: e.Meta.EventID, Record: e.Record}
}

// auditRow is an ActivityAuditLog event as PutAuditEvents records it: the
// fields CloudTrail adds, then the caller's eventData.
func auditRow(store string, at time.Time, id, name string, attempt int) lake.Row {
	data, err := json.Marshal(map[string]any{
		"version":      "1.0",
		"userIdentity": map[string]any{"type": "CustomUser", "principalId": "alice", "details": map[string]any{"team": "a"}},
		"eventSource":  "app.example.com", "eventName": name, "eventTime": at.UTC().Format(event.TimeFormat), "UID": "uid-" + id,
		"requestParameters": map[string]any{"user": "alice", "attempt": attempt}, "recipientAccountId": "123456789012",
	})
	if err != nil {
		panic(err)
	}
	rec := fmt.Sprintf(`{"eventVersion":"1.0","eventCategory":"ActivityAuditLog","eventType":"ActivityLog","eventID":%q,"eventTime":%q,`+
		`"awsRegion":"us-east-1","recipientAccountId":"123456789012","metadata":{"ingestionTime":%q,"channelARN":"arn:aws:cloudtrail:us-east-1:123456789012:channel/ch1"},"eventData":%s}`,
		id, at.UTC().Format(event.TimeFormat), at.Add(time.Second).UTC().Format(event.TimeFormat), data)
	return lake.Row{Store: store, Time: at, EventID: id, Record: []byte(rec)}
}

// manyRows makes n simple events of store, an hour apart back from end.
func manyRows(t *testing.T, store string, end time.Time, n int) []lake.Row {
	t.Helper()
	names := []string{"GetUser", "ListUsers", "CreateUser", "PutObject"}
	rows := make([]lake.Row, n)
	for i := range rows {
		rows[i] = ctRow(t, store, end.Add(-time.Duration(i)*time.Hour), call{service: "iam", name: names[i%len(names)], user: "alice",
			params: map[string]any{"userName": fmt.Sprintf("u%d", i%5)}})
	}
	slices.Reverse(rows)
	return rows
}
