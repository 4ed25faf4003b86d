package e2e

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cairn-audit/cairn/internal/event"
	"github.com/cairn-audit/cairn/internal/journal"
)

// auditEventTime is the eventTime of every auditEventData document: recent, so
// that it stays within every store's retention (PutAuditEvents refuses events
// older than that), and fixed for the run so expected records can be rebuilt.
var auditEventTime = time.Now().UTC().Add(-time.Hour).Format(time.RFC3339)

// auditEventData is a valid eventData document for the test account.
func auditEventData(uid string) string {
	return fmt.Sprintf(`{"version":"1.0","userIdentity":{"type":"CustomUser","principalId":"alice@example.com","details":{"team":"a"}},`+
		`"userAgent":"app/1.0","eventSource":"app.example.com","eventName":"Login","eventTime":%q,"UID":%q,`+
		`"requestParameters":{"user":"alice"},"sourceIPAddress":"203.0.113.9","recipientAccountId":%q}`,
		auditEventTime, uid, testAccount)
}

func sha256b64(s string) string {
	sum := sha256.Sum256([]byte(s))
	return base64.StdEncoding.EncodeToString(sum[:])
}

// auditEventsFile writes an --audit-events JSON file and returns its file:// argument.
func auditEventsFile(t *testing.T, events []map[string]string) string {
	t.Helper()
	b, _ := json.Marshal(events)
	p := filepath.Join(t.TempDir(), "events.json")
	writeFile(t, p, string(b))
	return "file://" + p
}

type putAuditOut struct {
	Successful []struct{ ID, EventID string }
	Failed     []struct{ ID, ErrorCode, ErrorMessage string }
}

type cliChannel struct {
	ChannelArn, Name, Source string
	Destinations             []struct{ Type, Location string }
	IngestionStatus          struct {
		LatestIngestionSuccessEventID, LatestIngestionErrorCode, LatestIngestionAttemptEventID string
		LatestIngestionSuccessTime                                                             any
	}
}

// TestChannelsCLI drives channels, resource policies and PutAuditEvents
// with `aws cloudtrail` and `aws cloudtrail-data` (awscli v1; Debian's v2
// 2.9 has no cloudtrail-data and only GetChannel/ListChannels, which it
// runs too), then restarts the server: the ingestion status survives and
// the accepted events are in the audit event journal.
func TestChannelsCLI(t *testing.T) {
	clis := awsCLIs(t)
	var v1 *awsCLI
	for i := range clis {
		if !clis[i].v2 {
			v1 = &clis[i]
		}
	}
	if v1 == nil {
		t.Skip("awsCLI v1 (cloudtrail-data) not installed")
	}
	s := startServer(t)
	ct := ctCLI{t, *v1, s}
	var store cliEDS // the channel's destination: an ActivityAuditLog store
	ct.ok(&store, "create-event-data-store", "--name", "channel-store", "--no-multi-region-enabled",
		"--advanced-event-selectors", `[{"Name":"audit","FieldSelectors":[{"Field":"eventCategory","Equals":["ActivityAuditLog"]}]}]`)
	channelEDS := store.EventDataStoreArn
	var created cliChannel
	ct.ok(&created, "create-channel", "--name", "app-audit", "--source", "Custom",
		"--destinations", "Type=EVENT_DATA_STORE,Location="+channelEDS, "--tags", "Key=team,Value=sec")
	arn := created.ChannelArn
	if !strings.HasPrefix(arn, "arn:aws:cloudtrail:us-east-1:"+testAccount+":channel/") || created.Destinations[0].Location != channelEDS {
		t.Fatalf("create-channel %+v", created)
	}
	ct.fails("ChannelAlreadyExistsException", "create-channel", "--name", "again", "--source", "Custom", "--destinations", "Type=EVENT_DATA_STORE,Location="+channelEDS)
	ct.fails("InvalidSourceException", "create-channel", "--name", "partner", "--source", "SomePartner", "--destinations", "Type=EVENT_DATA_STORE,Location="+channelEDS, "--region", "eu-west-1")
	ct.fails("EventDataStoreARNInvalidException", "create-channel", "--name", "bad", "--source", "Custom", "--destinations", "Type=EVENT_DATA_STORE,Location=arn:aws:cloudtrail:eu-west-1:"+testAccount+":trail/x", "--region", "eu-west-1")
	for _, cli := range clis {
		var got cliChannel
		ctCLI{t, cli, s}.ok(&got, "get-channel", "--channel", arn)
		if got.Name != "app-audit" || got.Source != "Custom" || len(got.Destinations) != 1 {
			t.Fatalf("%s get-channel %+v", cli.name, got)
		}
		var list struct {
			Channels []struct{ ChannelArn, Name string }
		}
		ctCLI{t, cli, s}.ok(&list, "list-channels")
		if len(list.Channels) != 1 || list.Channels[0].ChannelArn != arn {
			t.Fatalf("%s list-channels %+v", cli.name, list)
		}
	}
	ct.fails("ChannelNotFoundException", "get-channel", "--channel", "arn:aws:cloudtrail:us-east-1:"+testAccount+":channel/0b3c1e3a-1111-4000-8000-000000000001")
	ct.fails("ChannelARNInvalidException", "get-channel", "--channel", "arn:aws:cloudtrail:us-east-1:"+testAccount+":trail/t")

	// Resource policy.
	policy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":["222222222222"]},"Action":"cloudtrail-data:PutAuditEvents","Resource":"` + arn + `","Condition":{"StringEquals":{"cloudtrail:ExternalId":"ext-123"}}}]}`
	ct.fails("ResourcePolicyNotFoundException", "get-resource-policy", "--resource-arn", arn)
	ct.ok(nil, "put-resource-policy", "--resource-arn", arn, "--resource-policy", policy)
	var gotPolicy struct{ ResourceArn, ResourcePolicy string }
	ct.ok(&gotPolicy, "get-resource-policy", "--resource-arn", arn)
	if gotPolicy.ResourcePolicy != policy {
		t.Fatalf("get-resource-policy %+v", gotPolicy)
	}
	ct.fails("ResourcePolicyNotValidException", "put-resource-policy", "--resource-arn", arn, "--resource-policy", strings.Replace(policy, "cloudtrail-data:PutAuditEvents", "cloudtrail:*", 1))
	ct.ok(nil, "delete-resource-policy", "--resource-arn", arn)

	// PutAuditEvents.
	data := cliData{t, *v1, s}
	d := auditEventData("uid-1")
	out := data.put(arn, []map[string]string{
		{"id": "ok-1", "eventData": d, "eventDataChecksum": sha256b64(d)},
		{"id": "ok-2", "eventData": auditEventData("uid-2")},
		{"id": "bad-sum", "eventData": d, "eventDataChecksum": sha256b64(d + " ")},
	})
	if len(out.Successful) != 2 || len(out.Failed) != 1 || out.Failed[0].ErrorCode != "InvalidChecksum" || out.Failed[0].ID != "bad-sum" {
		t.Fatalf("put-audit-events %+v", out)
	}
	lastID := out.Successful[1].EventID
	data.fails("DuplicatedAuditEventId", arn, []map[string]string{{"id": "x", "eventData": d}, {"id": "x", "eventData": d}})
	data.fails("ChannelNotFound", "arn:aws:cloudtrail:us-east-1:"+testAccount+":channel/0b3c1e3a-1111-4000-8000-000000000001", []map[string]string{{"id": "x", "eventData": d}})
	data.fails("InvalidChannelARN", "arn:aws:cloudtrail:us-east-1:"+testAccount+":trail/nope", []map[string]string{{"id": "x", "eventData": d}})
	var big []map[string]string
	for i := 0; i < 70; i++ {
		big = append(big, map[string]string{"id": fmt.Sprintf("big-%d", i), "eventData": strings.Replace(d, `"user":"alice"`, `"user":"`+strings.Repeat("a", 16<<10)+`"`, 1)})
	}
	data.fails("RequestEntityTooLarge", arn, big)

	// Event history: the channel calls are management events, PutAuditEvents is not.
	var lookup cliLookup
	ct.ok(&lookup, "lookup-events", "--lookup-attributes", "AttributeKey=EventName,AttributeValue=CreateChannel")
	if len(lookup.Events) != 2 || lookup.Events[0].EventName != "CreateChannel" { // the ChannelAlreadyExistsException call and the first
		t.Fatalf("CreateChannel in Event history: %d events", len(lookup.Events))
	}
	ct.ok(&lookup, "lookup-events", "--lookup-attributes", "AttributeKey=EventSource,AttributeValue=cloudtrail-data.amazonaws.com")
	if len(lookup.Events) != 0 {
		t.Fatalf("PutAuditEvents (a data event) in Event history: %+v", lookup.Events)
	}

	// Restart: the ingestion status and the events are durable.
	s.stop()
	entries := readAuditJournal(t, filepath.Join(s.data, "channels", "events"))
	if len(entries) != 2 || entries[1].Meta.EventID != lastID || entries[1].Meta.Category != "ActivityAuditLog" ||
		!strings.Contains(string(entries[1].Record), `"eventData":`+auditEventData("uid-2")+`}`) {
		t.Fatalf("audit journal: %d entries %+v", len(entries), entries)
	}
	s2 := startServerIn(t, s.data)
	var after cliChannel
	ctCLI{t, *v1, s2}.ok(&after, "get-channel", "--channel", arn)
	st := after.IngestionStatus
	if st.LatestIngestionSuccessEventID != lastID || st.LatestIngestionErrorCode != "DuplicatedAuditEventId" || st.LatestIngestionSuccessTime == nil {
		t.Fatalf("ingestion status after restart %+v", st)
	}
	ct2 := ctCLI{t, *v1, s2}
	var upd cliChannel
	ct2.ok(&upd, "update-channel", "--channel", arn, "--name", "renamed")
	if upd.Name != "renamed" {
		t.Fatalf("update-channel %+v", upd)
	}
	ct2.ok(nil, "delete-channel", "--channel", arn)
	ct2.fails("ChannelNotFoundException", "get-channel", "--channel", arn)
}

// cliData runs `aws cloudtrail-data put-audit-events`.
type cliData struct {
	t   *testing.T
	cli awsCLI
	s   *server
}

func (c cliData) put(arn string, events []map[string]string) putAuditOut {
	c.t.Helper()
	out := c.cli.mustRun(c.s, testKey, testSecret, "cloudtrail-data", "put-audit-events", "--channel-arn", arn, "--audit-events", auditEventsFile(c.t, events))
	return decodeCLI[putAuditOut](c.t, out)
}

func (c cliData) fails(code, arn string, events []map[string]string) {
	c.t.Helper()
	_, stderr, rc := c.cli.run(c.s, testKey, testSecret, "cloudtrail-data", "put-audit-events", "--channel-arn", arn, "--audit-events", auditEventsFile(c.t, events))
	if rc == 0 || !strings.Contains(stderr, "("+code+")") {
		c.t.Fatalf("put-audit-events: exit %d, want %s:\n%s", rc, code, stderr)
	}
}

// readAuditJournal reads every entry of a stopped server's audit event journal.
func readAuditJournal(t *testing.T, dir string) []event.Entry {
	t.Helper()
	j, err := journal.Open(dir, journal.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	var out []event.Entry
	if _, err := j.Read(j.First(), 1000, 0, func(_ uint64, p []byte) error {
		var e event.Entry
		if err := e.UnmarshalBinary(p); err != nil {
			return err
		}
		e.Record = append([]byte(nil), e.Record...)
		out = append(out, e)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestChannelsBoto3 runs testdata/boto3_channels.py: success, checksum
// mismatch, oversize, duplicate ids, unknown channel, cross-checked with
// GetChannel.
func TestChannelsBoto3(t *testing.T) {
	if exec.Command("python3", "-c", "import boto3").Run() != nil {
		t.Skip("boto3 not installed")
	}
	s := startServer(t)
	if out := runPython(t, s, "testdata/boto3_channels.py"); !strings.Contains(out, "boto3 channels passed") {
		t.Fatalf("unexpected output: %s", out)
	}
}
