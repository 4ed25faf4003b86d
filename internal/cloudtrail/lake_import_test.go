package cloudtrail

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/cairn-audit/cairn/internal/event"
	"github.com/cairn-audit/cairn/internal/lake"
)

func TestStartImportResponseRecordAndRun(t *testing.T) {
	e := newImportAPIEnv(t)
	dest := e.createEDS("us-east-1", "history", map[string]any{"StartIngestion": false})
	e.putLog(impBucket, 3, nil)
	e.putLog(impBucket, 2, nil)

	body := startBody(dest, impBucket)
	body["StartEventTime"] = testNow.Add(-24 * 3600e9).Unix()
	body["EndEventTime"] = testNow.Unix()
	res := e.ok("us-east-1", "StartImport", body, nil)
	var out importOut
	if err := json.Unmarshal(res.Body, &out); err != nil {
		t.Fatal(err)
	}
	src := `{"S3":{"S3LocationUri":"s3://imports/org/","S3BucketRegion":"us-east-1","S3BucketAccessRoleArn":"arn:aws:iam::111111111111:role/CloudTrailImport"}}`
	want := fmt.Sprintf(`{"ImportId":%q,"Destinations":[%q],"ImportSource":%s,"StartEventTime":%d,"EndEventTime":%d,"ImportStatus":"INITIALIZING","CreatedTimestamp":%d,"UpdatedTimestamp":%d}`,
		out.ImportId, dest, src, testNow.Unix()-86400, testNow.Unix(), testNow.Unix(), testNow.Unix())
	if string(res.Body) != want || len(out.ImportId) != 36 {
		t.Fatalf("StartImport\n%s\nwant\n%s", res.Body, want)
	}
	if res.ReadOnly || res.ResponseElements == nil || len(res.Resources) != 1 ||
		res.Resources[0] != (event.ResourceRef{Type: eventDataStoreResourceType, Name: "history", ARN: dest}) {
		t.Fatalf("event %+v", res)
	}
	if got := jsonString(t, res.RequestParameters); !strings.Contains(got, `"importSource":{"s3":{"s3BucketAccessRoleArn"`) {
		t.Fatalf("requestParameters %s", got)
	}

	got := e.waitImport(out.ImportId, "COMPLETED", "FAILED")
	st := got.ImportStatistics
	if got.ImportStatus != "COMPLETED" || st == nil || *st != (struct{ PrefixesFound, PrefixesCompleted, FilesCompleted, EventsCompleted, FailedEntries int64 }{1, 1, 2, 5, 0}) {
		t.Fatalf("GetImport %+v %+v", got, st)
	}
	if n := e.engine.count(idOfARN(dest)); n != 5 {
		t.Fatalf("store holds %d events", n)
	}
	get := e.ok("us-east-1", "GetImport", map[string]any{"ImportId": out.ImportId}, nil)
	if !get.ReadOnly || get.ResponseElements != nil || !strings.Contains(string(get.Body), `"ImportStatistics":{"PrefixesFound":1,"PrefixesCompleted":1,"FilesCompleted":2,"EventsCompleted":5,"FailedEntries":0}`) {
		t.Fatalf("GetImport %s", get.Body)
	}
	list := e.ok("us-east-1", "ListImports", map[string]any{}, nil)
	wantList := fmt.Sprintf(`{"Imports":[{"ImportId":%q,"ImportStatus":"COMPLETED","Destinations":[%q],"CreatedTimestamp":%d,"UpdatedTimestamp":%d}]}`,
		out.ImportId, dest, testNow.Unix(), testNow.Unix())
	if string(list.Body) != wantList {
		t.Fatalf("ListImports\n%s\nwant\n%s", list.Body, wantList)
	}
	if f := e.ok("us-east-1", "ListImportFailures", map[string]any{"ImportId": out.ImportId}, nil); string(f.Body) != `{"Failures":[]}` {
		t.Fatalf("ListImportFailures %s", f.Body)
	}
	// Imports belong to the account and region they were started in.
	e.fails("eu-west-1", "GetImport", map[string]any{"ImportId": out.ImportId}, "ImportNotFoundException")
	if res := e.doAs(other, "us-east-1", "GetImport", map[string]any{"ImportId": out.ImportId}); res.ErrorCode != "ImportNotFoundException" {
		t.Fatalf("another account's import: %s", res.ErrorCode)
	}
}

func TestStartImportErrors(t *testing.T) {
	e := newImportAPIEnv(t)
	dest := e.createEDS("us-east-1", "history", nil)
	audit := e.auditStore("us-east-1", "external")
	gone := e.createEDS("us-east-1", "gone", map[string]any{"TerminationProtectionEnabled": false})
	e.ok("us-east-1", "DeleteEventDataStore", map[string]any{"EventDataStore": gone}, nil)
	stopping := e.get(e.createEDS("us-east-1", "stopping", nil))
	stopping.Status = lake.StatusStoppingIngestion
	tx, err := e.stores.Begin(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if err := tx.Put(stopping); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	with := func(f func(b map[string]any, s3 map[string]string)) map[string]any {
		b := startBody(dest, impBucket)
		f(b, b["ImportSource"].(map[string]any)["S3"].(map[string]string))
		return b
	}
	cases := []struct {
		name string
		body map[string]any
		code string
		msg  string
	}{
		{"empty", map[string]any{}, "InvalidParameterException", "Destinations and ImportSource"},
		{"no source", map[string]any{"Destinations": []string{dest}}, "InvalidParameterException", "Destinations and ImportSource"},
		{"no S3", map[string]any{"Destinations": []string{dest}, "ImportSource": map[string]any{}}, "InvalidParameterException", "ImportSource.S3"},
		{"two destinations", with(func(b map[string]any, _ map[string]string) { b["Destinations"] = []string{dest, audit} }), "InvalidParameterException", "exactly one"},
		{"no destination", with(func(b map[string]any, _ map[string]string) { b["Destinations"] = []string{} }), "InvalidParameterException", "exactly one"},
		{"malformed destination", with(func(b map[string]any, _ map[string]string) {
			b["Destinations"] = []string{"arn:aws:cloudtrail:us-east-1:111111111111:trail/t"}
		}), "EventDataStoreARNInvalidException", ""},
		{"unknown destination", with(func(b map[string]any, _ map[string]string) { b["Destinations"] = []string{lake.NewID()} }), "EventDataStoreNotFoundException", ""},
		{"other account's destination", with(func(b map[string]any, _ map[string]string) { b["Destinations"] = []string{edsOther} }), "EventDataStoreNotFoundException", ""},
		{"audit store", with(func(b map[string]any, _ map[string]string) { b["Destinations"] = []string{audit} }), "InvalidEventDataStoreCategoryException", "ActivityAuditLog"},
		{"pending deletion", with(func(b map[string]any, _ map[string]string) { b["Destinations"] = []string{gone} }), "InactiveEventDataStoreException", ""},
		{"stopping ingestion", with(func(b map[string]any, _ map[string]string) { b["Destinations"] = []string{stopping.ARN} }), "InvalidEventDataStoreStatusException", "STOPPING_INGESTION"},
		{"not s3", with(func(_ map[string]any, s map[string]string) { s["S3LocationUri"] = "https://imports/org/" }), "InvalidParameterException", "S3LocationUri"},
		{"bad bucket name", with(func(_ map[string]any, s map[string]string) { s["S3LocationUri"] = "s3://Imports/" }), "InvalidParameterException", "S3LocationUri"},
		{"bad region", with(func(_ map[string]any, s map[string]string) { s["S3BucketRegion"] = "mars" }), "InvalidParameterException", "S3BucketRegion"},
		{"bad role", with(func(_ map[string]any, s map[string]string) { s["S3BucketAccessRoleArn"] = "arn:aws:iam::1:user/x" }), "InvalidParameterException", "S3BucketAccessRoleArn"},
		{"no role", with(func(_ map[string]any, s map[string]string) { delete(s, "S3BucketAccessRoleArn") }), "InvalidParameterException", "S3BucketAccessRoleArn"},
		{"start after end", with(func(b map[string]any, _ map[string]string) {
			b["StartEventTime"], b["EndEventTime"] = testNow.Unix(), testNow.Unix()-1
		}), "InvalidParameterException", "StartEventTime"},
		{"missing bucket", with(func(_ map[string]any, s map[string]string) { s["S3LocationUri"] = "s3://no-such-bucket/org/" }), "InvalidImportSourceException", "does not exist"},
		{"their bucket", with(func(_ map[string]any, s map[string]string) { s["S3LocationUri"] = "s3://" + impTheirBucket }), "InsufficientEncryptionPolicyException", ""},
		{"wrong region", with(func(_ map[string]any, s map[string]string) { s["S3LocationUri"] = "s3://" + impEUBucket + "/x" }), "InvalidImportSourceException", "is in eu-west-1, not us-east-1"},
		{"bad import id", map[string]any{"ImportId": "not-an-import"}, "InvalidParameterException", "ImportId"},
		{"unknown import id", map[string]any{"ImportId": event.NewID()}, "ImportNotFoundException", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e.t = t
			if msg := e.fails("us-east-1", "StartImport", c.body, c.code); !strings.Contains(msg, c.msg) {
				t.Fatalf("message %q does not contain %q", msg, c.msg)
			}
		})
	}
	e.t = t
	if l := e.imports.List(acct, "us-east-1"); len(l) != 0 {
		t.Fatalf("failed calls started imports: %+v", l)
	}
	// The bucket in the right region is fine.
	body := startBody(dest, impEUBucket)
	body["ImportSource"].(map[string]any)["S3"].(map[string]string)["S3BucketRegion"] = "eu-west-1"
	e.ok("us-east-1", "StartImport", body, nil)
}

func TestStopRestartImportAndOngoing(t *testing.T) {
	e := newImportAPIEnv(t)
	dest := e.createEDS("us-east-1", "history", map[string]any{"TerminationProtectionEnabled": false})
	e.putLog(impBucket, 4, nil)
	release := e.engine.hold()
	var started importOut
	e.ok("us-east-1", "StartImport", startBody(dest, impBucket), &started)
	e.waitImport(started.ImportId, "IN_PROGRESS") // the folders are found; the engine holds the events

	// While it runs: no second import in the account, and the store cannot be deleted.
	msg := e.fails("us-east-1", "StartImport", startBody(dest, impBucket), "AccountHasOngoingImportException")
	if !strings.Contains(msg, started.ImportId) {
		t.Fatalf("message %q", msg)
	}
	e.fails("us-east-1", "DeleteEventDataStore", map[string]any{"EventDataStore": dest}, "EventDataStoreHasOngoingImportException")

	res := e.ok("us-east-1", "StopImport", map[string]any{"ImportId": started.ImportId}, nil)
	var stopped importOut
	if err := json.Unmarshal(res.Body, &stopped); err != nil {
		t.Fatal(err)
	}
	if stopped.ImportStatus != "STOPPED" || stopped.ImportStatistics == nil || res.ReadOnly || res.ResponseElements == nil || len(res.Resources) != 1 {
		t.Fatalf("StopImport %s %+v", res.Body, res)
	}
	var got importOut
	e.ok("us-east-1", "GetImport", map[string]any{"ImportId": started.ImportId}, &got)
	if got.ImportStatus != "STOPPED" {
		t.Fatalf("after StopImport: %+v", got)
	}
	e.ok("us-east-1", "StopImport", map[string]any{"ImportId": started.ImportId}, nil) // again: no change
	release()

	var restarted importOut
	e.ok("us-east-1", "StartImport", map[string]any{"ImportId": started.ImportId}, &restarted)
	if restarted.ImportId != started.ImportId || restarted.ImportStatus != "IN_PROGRESS" {
		t.Fatalf("restart %+v", restarted)
	}
	if done := e.waitImport(started.ImportId, "COMPLETED", "FAILED"); done.ImportStatus != "COMPLETED" || done.ImportStatistics.EventsCompleted != 4 {
		t.Fatalf("restarted import %+v", done)
	}
	e.fails("us-east-1", "StartImport", map[string]any{"ImportId": started.ImportId}, "OperationNotPermittedException")
	e.fails("us-east-1", "StopImport", map[string]any{"ImportId": started.ImportId}, "OperationNotPermittedException")
	e.fails("us-east-1", "StopImport", map[string]any{"ImportId": event.NewID()}, "ImportNotFoundException")
	e.fails("us-east-1", "StopImport", map[string]any{}, "InvalidParameterException")
	e.ok("us-east-1", "DeleteEventDataStore", map[string]any{"EventDataStore": dest}, nil)
}

func TestListImportsFiltersAndPages(t *testing.T) {
	e := newImportAPIEnv(t)
	dest := e.createEDS("us-east-1", "history", nil)
	second := e.createEDS("us-east-1", "second", nil)
	e.putLog(impBucket, 1, nil)
	var ids []string
	for _, d := range []string{dest, dest, second} {
		var out importOut
		e.ok("us-east-1", "StartImport", startBody(d, impBucket), &out)
		e.waitImport(out.ImportId, "COMPLETED", "FAILED")
		ids = append(ids, out.ImportId)
	}
	e.putLog(impBucket, 1, func([]string) string { return "not a log" })
	var failed importOut
	e.ok("us-east-1", "StartImport", startBody(dest, impBucket), &failed)
	if e.waitImport(failed.ImportId, "COMPLETED", "FAILED").ImportStatus != "FAILED" {
		t.Fatal("an import of a bad file did not fail")
	}

	list := func(body map[string]any) (got []string, next string) {
		t.Helper()
		var out struct {
			Imports   []struct{ ImportId string }
			NextToken string
		}
		e.ok("us-east-1", "ListImports", body, &out)
		for _, i := range out.Imports {
			got = append(got, i.ImportId)
		}
		return got, out.NextToken
	}
	// All four were created in the same millisecond: pages neither skip nor repeat.
	var paged []string
	body := map[string]any{"MaxResults": 1}
	for range 10 {
		got, next := list(body)
		paged = append(paged, got...)
		if next == "" {
			break
		}
		body["NextToken"] = next
	}
	all, _ := list(map[string]any{})
	if len(paged) != 4 || strings.Join(paged, ",") != strings.Join(all, ",") {
		t.Fatalf("paged %v, all %v", paged, all)
	}
	if got, _ := list(map[string]any{"ImportStatus": "FAILED"}); len(got) != 1 || got[0] != failed.ImportId {
		t.Fatalf("FAILED imports %v", got)
	}
	if got, _ := list(map[string]any{"Destination": second}); len(got) != 1 || got[0] != ids[2] {
		t.Fatalf("imports into %s: %v", second, got)
	}
	if got, _ := list(map[string]any{"Destination": idOfARN(dest), "ImportStatus": "COMPLETED"}); len(got) != 2 {
		t.Fatalf("completed imports into %s by ID: %v", dest, got)
	}
	if got, _ := list(map[string]any{"Destination": lake.NewID()}); len(got) != 0 {
		t.Fatalf("imports into an unknown store: %v", got)
	}
	e.fails("us-east-1", "ListImports", map[string]any{"ImportStatus": "DONE"}, "InvalidParameterException")
	e.fails("us-east-1", "ListImports", map[string]any{"Destination": "arn:aws:cloudtrail:us-east-1:111111111111:channel/x"}, "EventDataStoreARNInvalidException")
	e.fails("us-east-1", "ListImports", map[string]any{"MaxResults": 0}, "InvalidParameterException")
	e.fails("us-east-1", "ListImports", map[string]any{"MaxResults": 1001}, "InvalidParameterException")
	e.fails("us-east-1", "ListImports", map[string]any{"NextToken": "garbage-token"}, "InvalidNextTokenException")
	_, next := list(map[string]any{"MaxResults": 1})
	e.fails("us-east-1", "ListImports", map[string]any{"NextToken": next, "ImportStatus": "FAILED"}, "InvalidNextTokenException")
	var theirs struct{ Imports []any }
	if res := e.doAs(other, "us-east-1", "ListImports", map[string]any{}); json.Unmarshal(res.Body, &theirs) != nil || len(theirs.Imports) != 0 {
		t.Fatalf("another account lists %s", res.Body)
	}
}

func TestListImportFailures(t *testing.T) {
	e := newImportAPIEnv(t)
	dest := e.createEDS("us-east-1", "history", nil)
	e.putLog(impBucket, 2, nil)
	e.putLog(impBucket, 1, func([]string) string { return `{"Items":[]}` })
	e.putLog(impBucket, 1, func([]string) string { return `{"Records":[{"eventID":` })
	e.putLog(impBucket, 2, func(r []string) string { return `{"Records":[` + r[0] + `,{"eventName":"NoID"}]}` })
	var started importOut
	e.ok("us-east-1", "StartImport", startBody(dest, impBucket), &started)
	done := e.waitImport(started.ImportId, "COMPLETED", "FAILED")
	if done.ImportStatus != "FAILED" || done.ImportStatistics.FailedEntries != 3 || done.ImportStatistics.FilesCompleted != 1 || done.ImportStatistics.EventsCompleted != 3 {
		t.Fatalf("import %+v %+v", done, done.ImportStatistics)
	}
	type failure struct {
		Location, Status, ErrorType, ErrorMessage string
		LastUpdatedTime                           float64
	}
	var all []failure
	body := map[string]any{"ImportId": started.ImportId, "MaxResults": 2}
	for range 5 {
		var out struct {
			Failures  []failure
			NextToken string
		}
		res := e.ok("us-east-1", "ListImportFailures", body, &out)
		if !res.ReadOnly {
			t.Fatal("ListImportFailures recorded as a write")
		}
		all = append(all, out.Failures...)
		if out.NextToken == "" {
			break
		}
		body["NextToken"] = out.NextToken
	}
	types := map[string]bool{}
	for _, f := range all {
		if !strings.HasPrefix(f.Location, "s3://imports/org/AWSLogs/111111111111/CloudTrail/us-east-1/") || f.Status != "FAILED" ||
			f.ErrorMessage == "" || f.LastUpdatedTime != float64(testNow.Unix()) {
			t.Fatalf("failure %+v", f)
		}
		types[f.ErrorType] = true
	}
	if len(all) != 3 || !types[lake.ImportErrorParse] || !types[lake.ImportErrorInvalidEvent] {
		t.Fatalf("failures %+v", all)
	}
	e.fails("us-east-1", "ListImportFailures", map[string]any{"ImportId": event.NewID()}, "ImportNotFoundException")
	e.fails("us-east-1", "ListImportFailures", map[string]any{}, "InvalidParameterException")
	e.fails("us-east-1", "ListImportFailures", map[string]any{"ImportId": started.ImportId, "MaxResults": 1001}, "InvalidParameterException")
	e.fails("us-east-1", "ListImportFailures", map[string]any{"ImportId": started.ImportId, "NextToken": "garbage-token"}, "InvalidNextTokenException")
}

func TestImportOperationsNeedImports(t *testing.T) {
	e := newEDSEnv(t)
	for _, op := range []string{"StartImport", "StopImport", "GetImport", "ListImports", "ListImportFailures"} {
		e.fails("us-east-1", op, map[string]any{}, "UnsupportedOperationException")
	}
}
