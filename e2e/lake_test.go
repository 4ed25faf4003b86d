package e2e

import (
	"encoding/json"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

type cliEDS struct {
	EventDataStoreArn, Name, Status, BillingMode string
	RetentionPeriod                              int
	MultiRegionEnabled, OrganizationEnabled      bool
	TerminationProtectionEnabled                 bool
	AdvancedEventSelectors                       []struct {
		Name           string
		FieldSelectors []struct {
			Field  string
			Equals []string
		}
	}
}

type cliQuery struct {
	QueryId, QueryStatus, ErrorMessage string
	QueryStatistics                    struct {
		EventsMatched, EventsScanned, BytesScanned, ExecutionTimeInMillis int64
	}
}

type cliResults struct {
	QueryStatus     string
	QueryResultRows [][]map[string]string
	NextToken       string
}

// lakeQuery runs sql with the CLI and returns its result rows (all pages).
func (c ctCLI) lakeQuery(sql string) [][]map[string]string {
	c.t.Helper()
	var started cliQuery
	c.ok(&started, "start-query", "--query-statement", sql)
	deadline := time.Now().Add(time.Minute)
	for {
		var d cliQuery
		c.ok(&d, "describe-query", "--query-id", started.QueryId)
		if d.QueryStatus == "FINISHED" {
			break
		}
		if d.QueryStatus != "QUEUED" && d.QueryStatus != "RUNNING" {
			c.t.Fatalf("query %q: %s %s", sql, d.QueryStatus, d.ErrorMessage)
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("query %q did not finish", sql)
		}
		time.Sleep(100 * time.Millisecond)
	}
	var rows [][]map[string]string
	token := ""
	for {
		args := []string{"get-query-results", "--query-id", started.QueryId}
		if token != "" {
			args = append(args, "--next-token", token)
		}
		var r cliResults
		c.ok(&r, args...)
		rows = append(rows, r.QueryResultRows...)
		if token = r.NextToken; token == "" {
			return rows
		}
	}
}

// TestLakeCLI drives the event data store lifecycle, its errors and a query
// over events recorded by real calls with both aws CLIs.
func TestLakeCLI(t *testing.T) {
	t.Parallel()
	for _, cli := range awsCLIs(t) {
		t.Run(cli.name, func(t *testing.T) {
			s := startServer(t)
			ct := ctCLI{t, cli, s}
			var eds cliEDS
			ct.ok(&eds, "create-event-data-store", "--name", "cli-lake", "--retention-period", "30", "--tags-list", "Key=team,Value=sec")
			// Debian's awscli 2.9 predates BillingMode.
			if eds.Status != "CREATED" && eds.Status != "ENABLED" || eds.RetentionPeriod != 30 || !eds.MultiRegionEnabled ||
				!eds.TerminationProtectionEnabled || (!cli.v2 && eds.BillingMode != "EXTENDABLE_RETENTION_PRICING") {
				t.Fatalf("create-event-data-store: %+v", eds)
			}
			if len(eds.AdvancedEventSelectors) != 1 || eds.AdvancedEventSelectors[0].FieldSelectors[0].Equals[0] != "Management" {
				t.Fatalf("default selectors: %+v", eds.AdvancedEventSelectors)
			}
			arn := eds.EventDataStoreArn
			id := arn[strings.LastIndex(arn, "/")+1:]
			if !strings.HasPrefix(arn, "arn:aws:cloudtrail:us-east-1:"+testAccount+":eventdatastore/") || len(id) != 36 {
				t.Fatalf("ARN %s", arn)
			}
			ct.fails("EventDataStoreAlreadyExistsException", "create-event-data-store", "--name", "cli-lake")
			ct.fails("EventDataStoreNotFoundException", "get-event-data-store", "--event-data-store", "00000000-0000-4000-8000-000000000000")
			ct.fails("EventDataStoreARNInvalidException", "get-event-data-store", "--event-data-store", "arn:aws:cloudtrail:us-east-1:"+testAccount+":trail/x")

			var got cliEDS
			ct.ok(&got, "get-event-data-store", "--event-data-store", id)
			if got.Status != "ENABLED" || got.Name != "cli-lake" {
				t.Fatalf("get-event-data-store: %+v", got)
			}
			var listed struct{ EventDataStores []cliEDS }
			ct.ok(&listed, "list-event-data-stores")
			if len(listed.EventDataStores) != 1 || listed.EventDataStores[0].EventDataStoreArn != arn {
				t.Fatalf("list-event-data-stores: %+v", listed)
			}
			ct.ok(&got, "update-event-data-store", "--event-data-store", arn, "--retention-period", "60")
			if got.RetentionPeriod != 60 {
				t.Fatalf("update-event-data-store: %+v", got)
			}

			// Calls recorded after the store's creation are in it, each once.
			for i := range 3 {
				ct.ok(nil, "describe-trails")
				_ = i
			}
			var rows [][]map[string]string
			deadline := time.Now().Add(30 * time.Second)
			for {
				rows = ct.lakeQuery("SELECT eventName, count(*) AS n FROM " + id +
					" WHERE eventName IN ('DescribeTrails', 'UpdateEventDataStore') GROUP BY eventName ORDER BY eventName")
				if len(rows) == 2 && rows[0][1]["n"] == "3" || time.Now().After(deadline) {
					break
				}
				time.Sleep(200 * time.Millisecond)
			}
			if len(rows) != 2 || rows[0][0]["eventName"] != "DescribeTrails" || rows[0][1]["n"] != "3" ||
				rows[1][0]["eventName"] != "UpdateEventDataStore" || rows[1][1]["n"] != "1" {
				t.Fatalf("query rows: %v", rows)
			}
			ct.fails("InvalidQueryStatementException", "start-query", "--query-statement", "SELECT * FROM read_text('/etc/passwd')")
			ct.fails("InvalidQueryStatementException", "start-query", "--query-statement", "DELETE FROM "+id)

			// Ingestion stops and starts (Debian's awscli 2.9 predates these
			// operations); termination protection guards deletion.
			if !cli.v2 {
				ct.ok(nil, "stop-event-data-store-ingestion", "--event-data-store", id)
				ct.ok(&got, "get-event-data-store", "--event-data-store", id)
				if got.Status != "STOPPED_INGESTION" {
					t.Fatalf("after stop: %s", got.Status)
				}
				ct.fails("InvalidEventDataStoreStatusException", "stop-event-data-store-ingestion", "--event-data-store", id)
				ct.ok(nil, "start-event-data-store-ingestion", "--event-data-store", id)
			}
			ct.fails("EventDataStoreTerminationProtectedException", "delete-event-data-store", "--event-data-store", id)
			ct.ok(nil, "update-event-data-store", "--event-data-store", id, "--no-termination-protection-enabled")
			ct.ok(nil, "delete-event-data-store", "--event-data-store", id)
			ct.ok(&got, "get-event-data-store", "--event-data-store", id)
			if got.Status != "PENDING_DELETION" {
				t.Fatalf("after delete: %s", got.Status)
			}
			ct.fails("InactiveEventDataStoreException", "start-query", "--query-statement", "SELECT count(*) FROM "+id)
			ct.ok(nil, "restore-event-data-store", "--event-data-store", id)
			ct.ok(&got, "get-event-data-store", "--event-data-store", id)
			if got.Status != "ENABLED" {
				t.Fatalf("after restore: %s", got.Status)
			}
			ct.fails("InvalidEventDataStoreStatusException", "restore-event-data-store", "--event-data-store", id)

			var tags struct {
				ResourceTagList []struct {
					ResourceId string
					TagsList   []struct{ Key, Value string }
				}
			}
			ct.ok(nil, "add-tags", "--resource-id", arn, "--tags-list", "Key=env,Value=prod")
			ct.ok(&tags, "list-tags", "--resource-id-list", arn)
			if len(tags.ResourceTagList) != 1 || len(tags.ResourceTagList[0].TagsList) != 2 {
				t.Fatalf("list-tags: %+v", tags)
			}
		})
	}
}

// TestLakeBoto3 runs the boto3 Lake scenario: queries over real calls,
// paging, cancel, hostile SQL, every sample query, and a channel feeding a store.
func TestLakeBoto3(t *testing.T) {
	t.Parallel()
	if exec.Command("python3", "-c", "import boto3").Run() != nil {
		t.Skip("boto3 not installed")
	}
	s := startServer(t)
	if out := runPython(t, s, "testdata/boto3_lake.py"); !strings.Contains(out, "boto3 lake scenario passed") {
		t.Fatalf("unexpected output: %s", out)
	}
}

// TestLakeKill9 checks that every acknowledged call reaches a store exactly
// once across kill -9 restarts of the ingest consumer.
func TestLakeKill9(t *testing.T) {
	t.Parallel()
	clis := awsCLIs(t)
	data := t.TempDir()
	s := startServerIn(t, data)
	ct := ctCLI{t, clis[0], s}
	var eds cliEDS
	ct.ok(&eds, "create-event-data-store", "--name", "kill9", "--no-termination-protection-enabled")
	id := eds.EventDataStoreArn[strings.LastIndex(eds.EventDataStoreArn, "/")+1:]
	calls := 0
	for round := range 3 {
		for range 40 {
			ct.ok(nil, "get-event-data-store", "--event-data-store", id)
			calls++
		}
		s.kill()
		s = startServerIn(t, data)
		ct.s = s
		_ = round
	}
	want := strconv.Itoa(calls)
	var rows [][]map[string]string
	deadline := time.Now().Add(30 * time.Second)
	for {
		rows = ct.lakeQuery("SELECT count(*) AS n, count(DISTINCT eventID) AS d FROM " + id + " WHERE eventName = 'GetEventDataStore'")
		if rows[0][0]["n"] == want || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if rows[0][0]["n"] != want || rows[0][1]["d"] != want {
		b, _ := json.Marshal(rows)
		t.Fatalf("after kill -9: %s, want %d events once each", b, calls)
	}
}
