package e2e

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmw "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// The verbatim flow, with each aws CLI: bucket, multi-region trail,
// start logging, calls, and gzip JSON log files in the AWS layout.
func TestTrailQuickStartFlowWithAWSCLI(t *testing.T) {
	for _, cli := range awsCLIs(t) {
		t.Run(cli.name, func(t *testing.T) {
			s := startServer(t, "--delivery-interval", "1s")
			run := func(args ...string) string { return cli.mustRun(s, testKey, testSecret, args...) }
			run("s3", "mb", "s3://audit-logs")
			run("cloudtrail", "create-trail", "--name", "main", "--s3-bucket-name", "audit-logs", "--is-multi-region-trail")
			run("cloudtrail", "start-logging", "--name", "main")
			run("sts", "get-caller-identity")
			run("iam", "list-users")
			run("cloudtrail", "describe-trails", "--region", "eu-west-1")

			c := s3Client(s.endpoint, testKey, testSecret)
			waitLogs(t, s, c, "audit-logs", "", "the calls' log files", func(fs []logFile) bool {
				names := map[string]bool{}
				for _, r := range byEventID(t, fs) {
					names[r.EventName+"@"+r.AWSRegion] = true
				}
				return names["StartLogging@us-east-1"] && names["GetCallerIdentity@us-east-1"] && names["ListUsers@us-east-1"] && names["DescribeTrails@eu-west-1"]
			})
			ls := run("s3", "ls", "s3://audit-logs", "--recursive")
			if !strings.Contains(ls, "AWSLogs/"+testAccount+"/CloudTrail/eu-west-1/") || !strings.Contains(ls, "AWSLogs/"+testAccount+"/CloudTrail/us-east-1/") {
				t.Fatalf("aws s3 ls --recursive:\n%s", ls)
			}
			dir := t.TempDir()
			run("s3", "cp", "s3://audit-logs/", dir, "--recursive")
			var files []logFile
			err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
				if err != nil || d.IsDir() {
					return err
				}
				raw, err := os.ReadFile(p)
				if err != nil {
					return err
				}
				rel, _ := filepath.Rel(dir, p)
				files = append(files, parseLogFile(t, filepath.ToSlash(rel), raw))
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			checkLayout(t, files, "")
			count := map[string]int{}
			for _, r := range byEventID(t, files) {
				count[r.EventName]++
				if r.EventCategory != "Management" || r.ManagementEvent == nil || !*r.ManagementEvent {
					t.Errorf("a data event reached a trail without data selectors: %s %s", r.EventSource, r.EventName)
				}
				if r.RecipientAccountID != testAccount {
					t.Errorf("record for account %s", r.RecipientAccountID)
				}
			}
			if count["CreateTrail"] != 0 || count["CreateBucket"] != 0 {
				t.Errorf("calls made before StartLogging were delivered: %v", count)
			}
			for _, name := range []string{"StartLogging", "GetCallerIdentity", "ListUsers", "DescribeTrails"} {
				if count[name] != 1 {
					t.Errorf("%s delivered %d times, want once (all: %v)", name, count[name], count)
				}
			}
		})
	}
}

// Selectors, regions and global events decide which trail gets what.
func TestTrailSelectorsRegionsAndDataEvents(t *testing.T) {
	s := startServer(t, "--delivery-interval", "1s")
	ctx := context.Background()
	cfg := func(region string) aws.Config { return sdkConfig(s, testKey, testSecret, region) }
	ct := cloudtrail.NewFromConfig(cfg("us-east-1"))
	ctEU := cloudtrail.NewFromConfig(cfg("eu-west-1"))
	c := s3Client(s.endpoint, testKey, testSecret)
	for _, b := range []string{"logs-multi", "logs-eu", "logs-data", "payload"} {
		if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(b)}); err != nil {
			t.Fatalf("create bucket %s: %v", b, err)
		}
	}
	mustTrail := func(client *cloudtrail.Client, in *cloudtrail.CreateTrailInput) {
		t.Helper()
		if _, err := client.CreateTrail(ctx, in); err != nil {
			t.Fatalf("CreateTrail %s: %v", aws.ToString(in.Name), err)
		}
		if _, err := client.StartLogging(ctx, &cloudtrail.StartLoggingInput{Name: in.Name}); err != nil {
			t.Fatalf("StartLogging %s: %v", aws.ToString(in.Name), err)
		}
	}
	mustTrail(ct, &cloudtrail.CreateTrailInput{Name: aws.String("multi"), S3BucketName: aws.String("logs-multi"), IsMultiRegionTrail: aws.Bool(true)})
	mustTrail(ctEU, &cloudtrail.CreateTrailInput{Name: aws.String("single-eu"), S3BucketName: aws.String("logs-eu")})
	mustTrail(ct, &cloudtrail.CreateTrailInput{Name: aws.String("data"), S3BucketName: aws.String("logs-data"), IncludeGlobalServiceEvents: aws.Bool(false)})
	_, err := ct.PutEventSelectors(ctx, &cloudtrail.PutEventSelectorsInput{TrailName: aws.String("data"), AdvancedEventSelectors: []cttypes.AdvancedEventSelector{
		{Name: aws.String("payload objects"), FieldSelectors: []cttypes.AdvancedFieldSelector{
			{Field: aws.String("eventCategory"), Equals: []string{"Data"}},
			{Field: aws.String("resources.type"), Equals: []string{"AWS::S3::Object"}},
			{Field: aws.String("resources.ARN"), StartsWith: []string{"arn:aws:s3:::payload/"}},
		}},
		{Name: aws.String("management writes"), FieldSelectors: []cttypes.AdvancedFieldSelector{
			{Field: aws.String("eventCategory"), Equals: []string{"Management"}},
			{Field: aws.String("readOnly"), Equals: []string{"false"}},
		}},
	}})
	if err != nil {
		t.Fatalf("PutEventSelectors: %v", err)
	}

	// Traffic: data events, a global (IAM) write, reads in two regions.
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("payload"), Key: aws.String("a/b.txt"), Body: strings.NewReader("hello")}); err != nil {
		t.Fatalf("PutObject: %v", err)
	}
	if _, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("payload"), Key: aws.String("a/b.txt")}); err != nil {
		t.Fatalf("GetObject: %v", err)
	}
	if _, err := iam.NewFromConfig(cfg("us-east-1")).CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("carol")}); err != nil {
		t.Fatalf("CreateUser: %v", err)
	}
	if _, err := ctEU.DescribeTrails(ctx, &cloudtrail.DescribeTrailsInput{}); err != nil {
		t.Fatalf("DescribeTrails eu: %v", err)
	}
	if _, err := ct.DescribeTrails(ctx, &cloudtrail.DescribeTrailsInput{}); err != nil {
		t.Fatalf("DescribeTrails us: %v", err)
	}
	// A marker write last: once it is in every trail's logs, so is everything before it.
	if _, err := ct.AddTags(ctx, &cloudtrail.AddTagsInput{ResourceId: aws.String("arn:aws:cloudtrail:us-east-1:" + testAccount + ":trail/multi"), TagsList: []cttypes.Tag{{Key: aws.String("done"), Value: aws.String("1")}}}); err != nil {
		t.Fatalf("AddTags: %v", err)
	}
	if _, err := ctEU.AddTags(ctx, &cloudtrail.AddTagsInput{ResourceId: aws.String("arn:aws:cloudtrail:eu-west-1:" + testAccount + ":trail/single-eu"), TagsList: []cttypes.Tag{{Key: aws.String("done"), Value: aws.String("1")}}}); err != nil {
		t.Fatalf("AddTags eu: %v", err)
	}
	hasMarker := func(region string) func([]logFile) bool {
		return func(fs []logFile) bool {
			for _, r := range byEventID(t, fs) {
				if r.EventName == "AddTags" && r.AWSRegion == region {
					return true
				}
			}
			return false
		}
	}
	type seen map[string]int
	collect := func(bucket string, done func([]logFile) bool) seen {
		files := waitLogs(t, s, c, bucket, "", "logs in "+bucket, done)
		checkLayout(t, files, "")
		out := seen{}
		for _, r := range byEventID(t, files) {
			out[r.EventSource+" "+r.EventName+"@"+r.AWSRegion]++
		}
		return out
	}
	multi := collect("logs-multi", func(fs []logFile) bool { return hasMarker("us-east-1")(fs) && hasMarker("eu-west-1")(fs) })
	eu := collect("logs-eu", hasMarker("eu-west-1"))
	data := collect("logs-data", hasMarker("us-east-1"))

	expect := func(name string, got seen, present, absent []string) {
		t.Helper()
		for _, k := range present {
			if got[k] != 1 {
				t.Errorf("%s: %q delivered %d times, want once\nall: %v", name, k, got[k], got)
			}
		}
		for _, k := range absent {
			if got[k] != 0 {
				t.Errorf("%s: %q should not be delivered\nall: %v", name, k, got)
			}
		}
	}
	expect("multi", multi,
		[]string{"iam.amazonaws.com CreateUser@us-east-1", "cloudtrail.amazonaws.com DescribeTrails@eu-west-1", "cloudtrail.amazonaws.com DescribeTrails@us-east-1"},
		[]string{"s3.amazonaws.com PutObject@us-east-1", "s3.amazonaws.com GetObject@us-east-1"})
	expect("single-eu", eu,
		[]string{"cloudtrail.amazonaws.com DescribeTrails@eu-west-1"},
		[]string{"iam.amazonaws.com CreateUser@us-east-1", "cloudtrail.amazonaws.com DescribeTrails@us-east-1", "s3.amazonaws.com PutObject@us-east-1"})
	expect("data", data,
		[]string{"s3.amazonaws.com PutObject@us-east-1", "s3.amazonaws.com GetObject@us-east-1"},
		[]string{"cloudtrail.amazonaws.com DescribeTrails@us-east-1", "iam.amazonaws.com CreateUser@us-east-1", "cloudtrail.amazonaws.com DescribeTrails@eu-west-1"})
}

// The crash test: kill -9 while events flow and files are being delivered,
// restart, and every acknowledged call is delivered exactly once.
//
// The bucket is moto's, reached through a black hole (e2e/blackhole_test.go)
// so that one kill lands mid-batch by construction: in round 1 the black hole
// swallows every S3 request, so the batch cut for delivery stays pending
// (docs/DELIVERY.md: state.json holds "pending") until the kill. Rounds 0 and
// 2 kill wherever the traffic happens to be.
func TestDeliveryExactlyOnceAcrossKill9(t *testing.T) {
	data := t.TempDir()
	m := startMotoAt(t, freePort(t))
	hole := startBlackHole(t)
	hole.forward(m.addr)
	ctx := context.Background()
	c := m.client()
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("crash-logs")}); err != nil {
		t.Fatal(err)
	}
	flags := []string{"--delivery-interval", "1s", "--s3-endpoint", hole.endpoint(),
		"--s3-access-key-id", motoKey, "--s3-secret-access-key", motoSecret}
	s := startServerIn(t, data, flags...)
	ct := cloudtrail.NewFromConfig(sdkConfig(s, testKey, testSecret, testRegion))
	if _, err := ct.CreateTrail(ctx, &cloudtrail.CreateTrailInput{Name: aws.String("crash"), S3BucketName: aws.String("crash-logs")}); err != nil {
		t.Fatal(err)
	}
	if _, err := ct.StartLogging(ctx, &cloudtrail.StartLoggingInput{Name: aws.String("crash")}); err != nil {
		t.Fatal(err)
	}

	var mu sync.Mutex
	acked := map[string]bool{} // request IDs of calls that were answered
	traffic := func(s *server, stop *atomic.Bool) {
		var wg sync.WaitGroup
		for range 4 {
			wg.Go(func() {
				client := sts.NewFromConfig(sdkConfig(s, testKey, testSecret, testRegion))
				for !stop.Load() {
					out, err := client.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
					if err != nil {
						return // the server died
					}
					id, _ := awsmw.GetRequestIDMetadata(out.ResultMetadata)
					mu.Lock()
					acked[id] = true
					mu.Unlock()
				}
			})
		}
		wg.Wait()
	}
	midBatch := 0
	for round := range 3 {
		var stop atomic.Bool
		done := make(chan struct{})
		go func() { traffic(s, &stop); close(done) }()
		// Let calls flow until some are acknowledged; in round 1, hold S3
		// so the next batch stays pending, and kill only once it is.
		waitAcked := func(n int) {
			deadline := time.Now().Add(2 * time.Minute)
			for {
				mu.Lock()
				got := len(acked)
				mu.Unlock()
				if got >= n {
					return
				}
				if time.Now().After(deadline) {
					t.Fatalf("round %d: only %d calls acknowledged, want %d", round, got, n)
				}
				time.Sleep(20 * time.Millisecond)
			}
		}
		mu.Lock()
		base := len(acked)
		mu.Unlock()
		waitAcked(base + 50)
		if round == 1 {
			hole.swallow()
			waitAcked(base + 100) // calls recorded after S3 stopped answering
			if !waitPending(data, 2*time.Minute) {
				t.Fatalf("round %d: no batch pending while S3 was held", round)
			}
		}
		if waitPending(data, 0) {
			midBatch++
		}
		s.kill()
		stop.Store(true)
		<-done
		hole.forward(m.addr)
		t.Logf("round %d: %d calls acknowledged so far", round, len(acked))
		s = startServerIn(t, data, flags...)
	}
	if midBatch == 0 {
		t.Fatalf("no kill landed while a batch was pending")
	}
	ct = cloudtrail.NewFromConfig(sdkConfig(s, testKey, testSecret, testRegion))
	if _, err := ct.StopLogging(ctx, &cloudtrail.StopLoggingInput{Name: aws.String("crash")}); err != nil {
		t.Fatal(err)
	}
	files := waitLogs(t, s, c, "crash-logs", "", "every acknowledged call", func(fs []logFile) bool {
		got := requestIDs(fs)
		mu.Lock()
		defer mu.Unlock()
		for id := range acked {
			if got[id] == 0 {
				return false
			}
		}
		for _, f := range fs {
			for _, r := range f.Records {
				if r.EventName == "StopLogging" {
					return true
				}
			}
		}
		return false
	})
	checkLayout(t, files, "")
	byEventID(t, files) // fails on any event delivered twice
	for id, n := range requestIDs(files) {
		if n != 1 {
			t.Fatalf("request %s delivered %d times", id, n)
		}
	}
	t.Logf("%d acknowledged calls, %d files, %d of 3 kills mid-batch, each event exactly once", len(acked), len(files), midBatch)
}

// waitPending polls the trails' delivery state until one has a pending batch.
func waitPending(data string, d time.Duration) bool {
	deadline := time.Now().Add(d)
	for {
		states, _ := filepath.Glob(filepath.Join(data, "delivery", "*", "state.json"))
		for _, p := range states {
			if b, err := os.ReadFile(p); err == nil && strings.Contains(string(b), `"pending"`) {
				return true
			}
		}
		if !time.Now().Before(deadline) {
			return false
		}
		time.Sleep(200 * time.Microsecond)
	}
}
