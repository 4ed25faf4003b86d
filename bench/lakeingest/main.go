// Command lakeingest measures the Lake's ingest path end to end, in
// process: events already durable in a journal are routed by the
// lake.Ingester (selectors, windows, channel destinations) and appended to a
// real DuckDB engine (lakedb.Open) with their cursors, one transaction per
// batch, until the store has them all.
//
//	go run ./bench/lakeingest -events 1000000
//
// Two runs: PutAuditEvents-shaped ActivityAuditLog events (~750 bytes, from
// the audit journal through a channel) and CloudTrail management events
// (~1 KB, from the main journal). The figure to compare is events/s against
// the PutAuditEvents target of 50,000 events/s.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"runtime/pprof"
	"time"

	"github.com/cairn-audit/cairn/internal/event"
	"github.com/cairn-audit/cairn/internal/journal"
	"github.com/cairn-audit/cairn/internal/lake"
	"github.com/cairn-audit/cairn/internal/lakedb"
	"github.com/cairn-audit/cairn/internal/lakeproc"
	"github.com/cairn-audit/cairn/internal/selector"
	"github.com/cairn-audit/cairn/internal/stream"
)

const (
	account    = "111122223333"
	region     = "us-east-1"
	storeID    = "6f1c2b3a-0000-4000-8000-00000000be4c"
	channelARN = "arn:aws:cloudtrail:us-east-1:111122223333:channel/bench"
)

// catalog is a fixed set of store definitions.
type catalog []lake.EventDataStore

func (c catalog) Version() uint64                           { return 1 }
func (c catalog) Snapshot() (uint64, []lake.EventDataStore) { return 1, c }

type routes struct{}

func (routes) Destinations(arn string) (string, []string, bool) {
	return account, []string{storeID}, arn == channelARN
}

// useProc runs the engine in its child process (lakeproc), as cairn serve does.
var useProc = flag.Bool("proc", false, "run the engine in a child process over lakeproc's RPC, as cairn serve does")

func main() {
	if len(os.Args) > 1 && os.Args[len(os.Args)-1] == lakeproc.ChildCommand {
		os.Exit(lakeproc.ChildMain())
	}
	n := flag.Int("events", 1_000_000, "events per run")
	dir := flag.String("dir", "", "work directory (default: a temporary one, removed after)")
	profile := flag.String("cpuprofile", "", "write a CPU profile of the ingest runs to this file")
	flag.Parse()
	if *dir == "" {
		d, err := os.MkdirTemp("", "lakeingest")
		if err != nil {
			fail(err)
		}
		defer os.RemoveAll(d)
		*dir = d
	}
	fmt.Printf("lakeingest: %d events per run\n", *n)
	if *profile != "" {
		f, err := os.Create(*profile)
		if err != nil {
			fail(err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			fail(err)
		}
		defer pprof.StopCPUProfile()
	}
	for _, audit := range []bool{true, false} {
		if err := run(*dir, *n, audit); err != nil {
			fail(err)
		}
	}
}

func run(dir string, n int, audit bool) error {
	ctx := context.Background()
	kind := "management"
	if audit {
		kind = "audit"
	}
	base := fmt.Sprintf("%s/%s", dir, kind)
	main, err := journal.Open(base+"/journal", journal.Options{})
	if err != nil {
		return err
	}
	defer main.Close()
	aud, err := journal.Open(base+"/audit", journal.Options{})
	if err != nil {
		return err
	}
	defer aud.Close()
	target := main
	if audit {
		target = aud
	}
	bytes, err := fill(ctx, target, n, audit)
	if err != nil {
		return err
	}
	var eng interface {
		lake.Engine
		Close() error
	}
	if *useProc {
		opts := lakeproc.DefaultOptions()
		opts.Lake.Dir = base + "/engine"
		eng, err = lakeproc.Start(opts)
	} else {
		eng, err = lakedb.Open(lakedb.Options{Dir: base + "/engine"})
	}
	if err != nil {
		return err
	}
	defer eng.Close()
	def := lake.EventDataStore{ID: storeID, ARN: "arn:aws:cloudtrail:us-east-1:" + account + ":eventdatastore/" + storeID,
		Account: account, Region: region, MultiRegionEnabled: !audit, Status: lake.StatusEnabled, RetentionPeriod: 366}
	if audit {
		def.AdvancedEventSelectors = []selector.AdvancedEventSelector{{Name: "audit", FieldSelectors: []selector.FieldSelector{
			{Field: "eventCategory", Equals: []string{"ActivityAuditLog"}}}}}
		def.AuditWindows = []lake.Window{{From: 1}}
	} else {
		def.Windows = []lake.Window{{From: 1}}
	}
	mainStream, err := stream.Open(main)
	if err != nil {
		return err
	}
	audStream, err := stream.Open(aud)
	if err != nil {
		return err
	}
	in, err := lake.NewIngester(ctx, lake.IngesterOptions{Engine: eng, Catalog: catalog{def}, Journal: mainStream,
		Audit: audStream, Channels: routes{}})
	if err != nil {
		return err
	}
	began := time.Now()
	for {
		c, err := eng.Cursors(ctx)
		if err != nil {
			return err
		}
		if c[lake.CursorJournal] >= main.Durable() && c[lake.CursorAudit] >= aud.Durable() {
			break
		}
		if err := in.Step(ctx); err != nil {
			return err
		}
	}
	took := time.Since(began)
	events, _, err := eng.Size(ctx, storeID, time.Time{})
	if err != nil {
		return err
	}
	if events != int64(n) {
		return fmt.Errorf("%s: store holds %d events, want %d", kind, events, n)
	}
	fmt.Printf("%-10s %9d events (%5.0f bytes avg) ingested in %6.2fs: %7.0f events/s (%.2fx the 50,000/s target)\n",
		kind, n, float64(bytes)/float64(n), took.Seconds(), float64(n)/took.Seconds(), float64(n)/took.Seconds()/50000)
	return nil
}

// fill appends n synthetic events to j and returns their record bytes.
func fill(ctx context.Context, j *journal.Journal, n int, audit bool) (int64, error) {
	t0 := time.Now().UTC().Add(-time.Duration(n) * time.Millisecond).Truncate(time.Second)
	var total int64
	batch := make([][]byte, 0, 1000)
	for i := range n {
		at := t0.Add(time.Duration(i) * time.Millisecond)
		id := event.NewID()
		var e event.Entry
		if audit {
			e = auditEntry(i, id, at)
		} else {
			e = managementEntry(i, id, at)
		}
		total += int64(len(e.Record))
		b, err := e.MarshalBinary()
		if err != nil {
			return 0, err
		}
		batch = append(batch, b)
		if len(batch) == cap(batch) || i == n-1 {
			if _, err := j.AppendBatch(ctx, batch); err != nil {
				return 0, err
			}
			batch = batch[:0]
		}
	}
	return total, nil
}

var names = []string{"Login", "Logout", "ReadDocument", "UpdateDocument", "DeleteDocument", "Share"}

func auditEntry(i int, id string, at time.Time) event.Entry {
	ts := at.Format(event.TimeFormat)
	name := names[i%len(names)]
	rec := fmt.Sprintf(`{"eventVersion":"1.0","eventCategory":"ActivityAuditLog","eventType":"ActivityLog","eventID":%q,"eventTime":%q,`+
		`"awsRegion":"us-east-1","recipientAccountId":%q,"metadata":{"ingestionTime":%q,"channelARN":%q},`+
		`"eventData":{"version":"1.0","userIdentity":{"type":"CustomUser","principalId":"user-%d@example.com","details":{"team":"t%d"}},`+
		`"userAgent":"app/1.0","eventSource":"app.example.com","eventName":%q,"eventTime":%q,"UID":"uid-%d",`+
		`"requestParameters":{"document":"doc-%d","folder":"/projects/p%d/reports","flags":["a","b"],"size":%d},`+
		`"responseElements":{"status":"ok"},"sourceIPAddress":"203.0.113.%d","recipientAccountId":%q,`+
		`"additionalEventData":{"session":"s-%d","padding":"%0120d"}}}`,
		id, ts, account, ts, channelARN, i%5000, i%20, name, ts, i, i%100000, i%300, i%65536, i%250, account, i%9000, i)
	return event.Entry{Meta: event.Meta{Time: at.Truncate(time.Second), Account: account, Region: region, EventID: id,
		EventName: name, EventSource: "app.example.com", Category: event.CategoryActivityAuditLog, EventType: event.TypeActivityLog,
		Resources: []event.ResourceRef{{Type: "AWS::CloudTrail::Channel", Name: "bench", ARN: channelARN}}}, Record: []byte(rec)}
}

var apis = []struct{ source, name string }{
	{"s3.amazonaws.com", "CreateBucket"}, {"iam.amazonaws.com", "CreateUser"}, {"ec2.amazonaws.com", "RunInstances"},
	{"sts.amazonaws.com", "AssumeRole"}, {"cloudtrail.amazonaws.com", "DescribeTrails"}, {"kms.amazonaws.com", "Decrypt"},
}

func managementEntry(i int, id string, at time.Time) event.Entry {
	ts := at.Format(event.TimeFormat)
	api := apis[i%len(apis)]
	user := fmt.Sprintf("user-%d", i%500)
	rec := fmt.Sprintf(`{"eventVersion":"1.11","userIdentity":{"type":"IAMUser","principalId":"AIDA%016d","arn":"arn:aws:iam::%s:user/%s",`+
		`"accountId":%q,"accessKeyId":"AKIA%016d","userName":%q},"eventTime":%q,"eventSource":%q,"eventName":%q,"awsRegion":"us-east-1",`+
		`"sourceIPAddress":"198.51.100.%d","userAgent":"aws-cli/2.15.0 Python/3.11.6 Linux/6.1 exe/x86_64.debian.12 prompt/off command/x",`+
		`"requestParameters":{"bucketName":"bucket-%d","userName":%q,"instanceType":"t3.micro","tags":[{"key":"team","value":"t%d"}]},`+
		`"responseElements":{"x-amz-request-id":"%016X"},"requestID":"%08x-1111-2222-3333-%012d","eventID":%q,"readOnly":%t,`+
		`"resources":[{"accountId":%q,"type":"AWS::S3::Bucket","ARN":"arn:aws:s3:::bucket-%d"}],"eventType":"AwsApiCall",`+
		`"managementEvent":true,"recipientAccountId":%q,"eventCategory":"Management",`+
		`"tlsDetails":{"tlsVersion":"TLSv1.3","cipherSuite":"TLS_AES_128_GCM_SHA256","clientProvidedHostHeader":"%s.amazonaws.com"}}`,
		i%500, account, user, account, i%500, user, ts, api.source, api.name, i%250, i%2000, user, i%20, i, i, i, id, i%3 == 0,
		account, i%2000, account, api.source)
	return event.Entry{Meta: event.Meta{Time: at.Truncate(time.Second), Account: account, Region: region, EventID: id,
		EventName: api.name, EventSource: api.source, Category: "Management", Management: true, ReadOnly: i%3 == 0,
		Username: user, EventType: "AwsApiCall"}, Record: []byte(rec)}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "lakeingest:", err)
	os.Exit(1)
}
