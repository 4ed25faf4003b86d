package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/cairn-audit/cairn/internal/fsutil/tmpfstest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// Records tell the truth about calls whose effect failed or was cut short
// (issue 11 item 4; docs/RECORDS.md).

// TestHostileTruthCrashCreateUser kills the server (SIGKILL) during a
// CreateUser loop and restarts it: every CreateUser success record is a user
// that exists, and every user that exists has exactly one success record.
// A call recorded but not committed at the kill is shown as failed. Up to
// three rounds are run until one catches a call between record and commit.
func TestHostileTruthCrashCreateUser(t *testing.T) {
	data := t.TempDir()
	s := startServerIn(t, data)
	var all []ackedCall
	for round := 0; round < 3; round++ {
		calls := createUsersUntilKilled(t, s, round)
		s = startServerIn(t, data)
		iamc := iam.NewFromConfig(sdkConfig(s, testKey, testSecret, testRegion))
		userExists := func(name string) func() bool {
			return func() bool {
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				_, err := iamc.GetUser(ctx, &iam.GetUserInput{UserName: aws.String(name)})
				if err != nil && apiCode(err) != "NoSuchEntity" {
					t.Fatalf("get-user %s: %v", name, err)
				}
				return err == nil
			}
		}
		all = append(all, calls...)
		for i := range all {
			all[i].Exists = userExists(strings.Trim(all[i].Key, `"`))
		}
		checkIntegrity(t, s, all)
		checkUsersMatchRecords(t, s, iamc)
		if t.Failed() || strings.Contains(s.logs.String(), "settled a call interrupted") {
			t.Logf("round %d: %d calls; interrupted call settled: %v", round, len(all), strings.Contains(s.logs.String(), "settled a call interrupted"))
			return
		}
	}
	t.Logf("no call was caught between record and commit in 3 rounds (%d calls); the truth checks passed", len(all))
}

// createUsersUntilKilled runs 8 CreateUser workers, SIGKILLs s once 40 calls
// succeeded, and returns every call as its client saw it.
func createUsersUntilKilled(t *testing.T, s *server, round int) []ackedCall {
	iamc := iam.NewFromConfig(sdkConfig(s, testKey, testSecret, testRegion))
	var mu sync.Mutex
	var calls []ackedCall
	var ok atomic.Int64
	var stopping atomic.Bool
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Go(func() {
			for i := 0; !stopping.Load(); i++ {
				name := fmt.Sprintf("truth-%d-%d-%d", round, w, i)
				c := ackedCall{Event: "CreateUser", Key: `"` + name + `"`}
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				out, err := iamc.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(name)})
				cancel()
				var re *awshttp.ResponseError
				switch {
				case err == nil:
					c.Answered, c.RequestID = true, requestIDOf(out.ResultMetadata)
					ok.Add(1)
				case errors.As(err, &re) && re.HTTPStatusCode() > 0:
					c.Answered, c.Code, c.RequestID = true, apiCode(err), re.ServiceRequestID()
				}
				mu.Lock()
				calls = append(calls, c)
				mu.Unlock()
				if !c.Answered {
					return // the server is gone
				}
			}
		})
	}
	deadline := time.Now().Add(60 * time.Second)
	for ok.Load() < 40 {
		if time.Now().After(deadline) {
			t.Fatalf("only %d CreateUser calls succeeded in a minute\n%s", ok.Load(), tail(s.logs.String(), 2000))
		}
		time.Sleep(10 * time.Millisecond)
	}
	s.kill()
	stopping.Store(true)
	wg.Wait()
	return calls
}

// checkUsersMatchRecords checks that the truth-* users and the CreateUser
// success records are the same set, each user recorded once.
func checkUsersMatchRecords(t *testing.T, s *server, iamc *iam.Client) {
	t.Helper()
	existing := map[string]bool{}
	p := iam.NewListUsersPaginator(iamc, &iam.ListUsersInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range page.Users {
			if strings.HasPrefix(aws.ToString(u.UserName), "truth-") {
				existing[aws.ToString(u.UserName)] = true
			}
		}
	}
	ct := cloudtrail.NewFromConfig(sdkConfig(s, testKey, testSecret, testRegion))
	recorded := map[string]int{}
	for _, e := range lookupAll(t, ct, byAttr(cttypes.LookupAttributeKeyEventName, "CreateUser")) {
		r := parseRecord(t, e)
		if r.ErrorCode != "" {
			continue
		}
		for _, res := range e.Resources {
			if strings.HasPrefix(aws.ToString(res.ResourceName), "truth-") {
				recorded[aws.ToString(res.ResourceName)]++
			}
		}
	}
	for name, n := range recorded {
		if !existing[name] {
			t.Errorf("CreateUser %s is recorded as a success (%d times) but the user does not exist", name, n)
		} else if n != 1 {
			t.Errorf("user %s has %d success records, want 1", name, n)
		}
	}
	for name := range existing {
		if recorded[name] == 0 {
			t.Errorf("user %s exists but no CreateUser success is recorded", name)
		}
	}
}

// TestHostileTruthDiskFull fills the file systems of the identity, trail and
// bucket stores (each a small tmpfs; the journal stays on its own disk, so
// recording succeeds and the commit fails) and runs create-bucket (with the
// CLI's retries), create-user and put-event-selectors: each answers 500,
// and LookupEvents and the delivered trail log files show the error the
// client got (InternalFailure; S3's InternalError) for every attempt, never
// a success.
func TestHostileTruthDiskFull(t *testing.T) {
	cli := awsCLIs(t)[0]
	data := t.TempDir()
	var fills []string
	for _, dir := range []string{"identity", "trails", "buckets"} {
		p := filepath.Join(data, dir)
		tmpfstest.Mount(t, p, "1m")
		fills = append(fills, p)
	}
	s := startServerIn(t, data, "--delivery-interval", "1s", "--digest-interval", "1s")
	ctx := context.Background()
	start := time.Now().UTC().Add(-5 * time.Second).Format(time.RFC3339)
	cfg := sdkConfig(s, testKey, testSecret, testRegion)
	s3c := s3Client(s.endpoint, testKey, testSecret)
	ct := cloudtrail.NewFromConfig(cfg)
	if _, err := s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("truth-logs")}); err != nil {
		t.Fatal(err)
	}
	if _, err := ct.CreateTrail(ctx, &cloudtrail.CreateTrailInput{Name: aws.String("truth"), S3BucketName: aws.String("truth-logs"),
		EnableLogFileValidation: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	if _, err := ct.StartLogging(ctx, &cloudtrail.StartLoggingInput{Name: aws.String("truth")}); err != nil {
		t.Fatal(err)
	}
	for _, p := range fills {
		tmpfstest.Fill(t, filepath.Join(p, "filler"))
	}
	runs := []struct {
		event, key, code string
		args             []string
		exists           func() bool
	}{
		{"CreateBucket", `"truth-doomed-bucket"`, "InternalError", []string{"s3api", "create-bucket", "--bucket", "truth-doomed-bucket"}, func() bool {
			_, err := s3c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String("truth-doomed-bucket")})
			return err == nil
		}},
		{"CreateUser", `"truth-doomed-user"`, "InternalFailure", []string{"iam", "create-user", "--user-name", "truth-doomed-user"}, func() bool {
			_, err := iam.NewFromConfig(cfg).GetUser(ctx, &iam.GetUserInput{UserName: aws.String("truth-doomed-user")})
			return err == nil
		}},
		{"PutEventSelectors", `"truth"`, "InternalFailure", []string{"cloudtrail", "put-event-selectors", "--trail-name", "truth", "--event-selectors",
			`[{"ReadWriteType":"WriteOnly","IncludeManagementEvents":true}]`}, func() bool {
			out, err := ct.GetEventSelectors(ctx, &cloudtrail.GetEventSelectorsInput{TrailName: aws.String("truth")})
			return err == nil && len(out.EventSelectors) == 1 && out.EventSelectors[0].ReadWriteType == cttypes.ReadWriteTypeWriteOnly
		}},
	}
	var calls []ackedCall
	for _, r := range runs {
		_, errOut, code := runCLIEnv(t, cli, s, []string{"AWS_MAX_ATTEMPTS=3"}, r.args...)
		if code == 0 || !strings.Contains(errOut, "("+r.code+")") {
			t.Fatalf("%v on a full disk: exit %d, want %s\n%s", r.args, code, r.code, errOut)
		}
		calls = append(calls, ackedCall{Event: r.event, Answered: true, Code: r.code, Key: r.key, Exists: r.exists})
	}
	for _, p := range fills {
		if err := os.Remove(filepath.Join(p, "filler")); err != nil {
			t.Fatal(err)
		}
	}
	found := checkIntegrity(t, s, calls)
	ids := map[string]string{} // eventID -> error code, of the failed calls
	for i, recs := range found {
		if len(recs) == 0 {
			t.Errorf("%s that answered 500 left no record; want the attempt recorded as InternalFailure", calls[i].Event)
		}
		for _, r := range recs {
			if r.ErrorCode != calls[i].Code || string(r.ResponseElements) != "null" {
				t.Errorf("%s record %s: errorCode %q responseElements %s, want %s and null", r.EventName, r.EventID, r.ErrorCode, r.ResponseElements, calls[i].Code)
			}
			ids[r.EventID] = calls[i].Code
		}
	}
	if n := len(found[0]); n < 2 {
		t.Errorf("create-bucket made %d attempts; the CLI should have retried the 500", n)
	}
	files := waitLogs(t, s, s3c, "truth-logs", "", "the failed calls' log records", func(files []logFile) bool {
		n := 0
		for _, f := range files {
			for _, r := range f.Records {
				if _, ok := ids[r.EventID]; ok {
					n++
				}
			}
		}
		return n == len(ids)
	})
	for _, f := range files {
		for _, r := range f.Records {
			if code, ok := ids[r.EventID]; ok && (r.ErrorCode != code || string(r.ResponseElements) != "null") {
				t.Errorf("delivered %s record %s in %s: errorCode %q responseElements %s", r.EventName, r.EventID, f.Key, r.ErrorCode, r.ResponseElements)
			}
		}
	}
	// The digest chain the full disk interrupted is whole: once logging
	// stopped and the last digest is delivered, cairn validate is clean.
	stopped := time.Now()
	if _, err := ct.StopLogging(ctx, &cloudtrail.StopLoggingInput{Name: aws.String("truth")}); err != nil {
		t.Fatal(err)
	}
	waitStatus(t, ct, "truth", func(st *cloudtrail.GetTrailStatusOutput) bool {
		return st.LatestDigestDeliveryTime != nil && st.LatestDigestDeliveryTime.After(stopped) && aws.ToString(st.LatestDigestDeliveryError) == ""
	})
	arn := "arn:aws:cloudtrail:" + testRegion + ":" + testAccount + ":trail/truth"
	if out, code := cairnValidate(t, s, "--trail-arn", arn, "--start-time", start); code != 0 || !strings.Contains(out, " digest files valid") || strings.Contains(out, "INVALID") {
		t.Fatalf("cairn validate after the full disk: exit %d\n%s", code, out)
	} else {
		t.Logf("cairn validate: %s", strings.ReplaceAll(strings.TrimSpace(out[strings.LastIndex(out, ":\n")+1:]), "\n", "; "))
	}
}

// runCLIEnv runs the CLI like awsCLI.run, with extra environment.
func runCLIEnv(t *testing.T, c awsCLI, s *server, env []string, args ...string) (string, string, int) {
	t.Helper()
	if c.v2 {
		args = append([]string{"--endpoint-url", s.endpoint}, args...)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, c.path, args...)
	cmd.Env = append(s.clientEnv(testKey, testSecret), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return stdout.String(), stderr.String(), ee.ExitCode()
	}
	if err != nil {
		t.Fatalf("run aws %v: %v", args, err)
	}
	return stdout.String(), stderr.String(), 0
}

// truthRegions are the regions the mixed crash test spreads channels over
// (their quota is per region); edsRegions those of the event data stores,
// three per round (10 per region).
var (
	truthRegions = []string{"us-east-1", "us-west-2", "eu-west-1"}
	edsRegions   = []string{"us-east-2", "eu-central-1", "ap-southeast-1", "ap-northeast-1", "ca-central-1", "sa-east-1", "eu-west-2", "ap-south-1", "eu-north-1"}
)

// truthKind is one kind of call of the mixed crash test: its records carry
// a name with prefix in requestParameters; list lists the names that exist,
// records returns every record of the kind.
type truthKind struct {
	event, prefix string
	list          func(t *testing.T, s *server) map[string]bool
	records       func(t *testing.T, s *server) []record
}

// TestHostileTruthCrashMixed kills the server (SIGKILL) during a mix of
// CreateBucket, PutObject (aws s3 cp), CreateChannel and
// CreateEventDataStore calls and restarts it: every success record's
// effect exists, and every effect that exists has exactly one success
// record (PutObject, a data event, is checked in the log files a trail
// delivers). Up to three rounds are run until one catches a call between
// record and commit.
func TestHostileTruthCrashMixed(t *testing.T) {
	cli := awsCLIs(t)[0]
	data := t.TempDir()
	s := startServerIn(t, data, "--delivery-interval", "1s")
	ctx := context.Background()
	s3c := s3Client(s.endpoint, testKey, testSecret)
	for _, b := range []string{"hostile-objs", "hostile-logs"} {
		if _, err := s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(b)}); err != nil {
			t.Fatal(err)
		}
	}
	ct := cloudtrail.NewFromConfig(sdkConfig(s, testKey, testSecret, testRegion))
	if _, err := ct.CreateTrail(ctx, &cloudtrail.CreateTrailInput{Name: aws.String("truth-data"), S3BucketName: aws.String("hostile-logs")}); err != nil {
		t.Fatal(err)
	}
	if _, err := ct.PutEventSelectors(ctx, &cloudtrail.PutEventSelectorsInput{TrailName: aws.String("truth-data"), EventSelectors: []cttypes.EventSelector{{
		ReadWriteType: cttypes.ReadWriteTypeWriteOnly, IncludeManagementEvents: aws.Bool(false),
		DataResources: []cttypes.DataResource{{Type: aws.String("AWS::S3::Object"), Values: []string{"arn:aws:s3:::hostile-objs/"}}},
	}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := ct.StartLogging(ctx, &cloudtrail.StartLoggingInput{Name: aws.String("truth-data")}); err != nil {
		t.Fatal(err)
	}
	channelDest := map[string]string{} // region -> the channels' destination store
	for _, region := range truthRegions {
		out, err := cloudtrail.NewFromConfig(sdkConfig(s, testKey, testSecret, region)).CreateEventDataStore(ctx, &cloudtrail.CreateEventDataStoreInput{
			Name: aws.String("channel-dest"), MultiRegionEnabled: aws.Bool(false), TerminationProtectionEnabled: aws.Bool(false),
			AdvancedEventSelectors: []cttypes.AdvancedEventSelector{{Name: aws.String("audit"), FieldSelectors: []cttypes.AdvancedFieldSelector{
				{Field: aws.String("eventCategory"), Equals: []string{"ActivityAuditLog"}}}}}})
		if err != nil {
			t.Fatalf("CreateEventDataStore channel-dest in %s: %v", region, err)
		}
		channelDest[region] = aws.ToString(out.EventDataStoreArn)
	}
	body := filepath.Join(t.TempDir(), "body")
	if err := os.WriteFile(body, bytes.Repeat([]byte("truth"), 2000), 0o600); err != nil {
		t.Fatal(err)
	}
	kinds := truthKinds()
	for round := 0; round < 3; round++ {
		mixedCallsUntilKilled(t, s, cli, body, round, channelDest)
		s = startServerIn(t, data, "--delivery-interval", "1s")
		for _, k := range kinds {
			checkEffectsMatchRecords(t, s, k)
		}
		checkChannelsMatchRecords(t, s)
		checkIntegrity(t, s, nil) // the server still answers
		settled := strings.Contains(s.logs.String(), "settled a call interrupted")
		if t.Failed() || settled {
			t.Logf("round %d: interrupted call settled: %v\n%s", round, settled, grepLines(s.logs.String(), "settled a call interrupted"))
			return
		}
	}
	t.Log("no call was caught between record and commit in 3 rounds; the truth checks passed")
}

// mixedCallsUntilKilled runs two workers per kind of call and SIGKILLs s
// once 30 calls, 3 of each kind, succeeded. A channel or store worker stops
// at its first error answer (a quota).
func mixedCallsUntilKilled(t *testing.T, s *server, cli awsCLI, body string, round int, channelDest map[string]string) {
	var total atomic.Int64
	var ok [4]atomic.Int64
	var stopping atomic.Bool
	var wg sync.WaitGroup
	sdk := func(kind int, stopOnError bool, call func(ctx context.Context, i int) error) {
		wg.Go(func() {
			for i := 0; !stopping.Load(); i++ {
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				err := call(ctx, i)
				cancel()
				var re *awshttp.ResponseError
				switch {
				case err == nil:
					ok[kind].Add(1)
					total.Add(1)
				case errors.As(err, &re) && re.HTTPStatusCode() > 0:
					if stopOnError {
						ok[kind].Store(1 << 20) // this kind is done for the round
						return
					}
				default:
					return // the server is gone
				}
			}
		})
	}
	s3c := s3Client(s.endpoint, testKey, testSecret)
	for w := 0; w < 2; w++ {
		sdk(0, false, func(ctx context.Context, i int) error {
			_, err := s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(fmt.Sprintf("truthb-%d-%d-%d", round, w, i))})
			return err
		})
		// One Custom channel per region: create it, then delete it.
		for _, region := range [][]string{truthRegions[:2], truthRegions[2:]}[w] {
			ct := cloudtrail.NewFromConfig(sdkConfig(s, testKey, testSecret, region))
			sdk(1, false, func(ctx context.Context, i int) error {
				out, err := ct.CreateChannel(ctx, &cloudtrail.CreateChannelInput{Name: aws.String(fmt.Sprintf("truthc-%d-%s-%d", round, region, i)),
					Source: aws.String("Custom"), Destinations: []cttypes.Destination{{Type: cttypes.DestinationTypeEventDataStore, Location: aws.String(channelDest[region])}}})
				if err != nil {
					return err
				}
				_, err = ct.DeleteChannel(ctx, &cloudtrail.DeleteChannelInput{Channel: out.ChannelArn})
				return err
			})
		}
		sdk(2, true, func(ctx context.Context, i int) error {
			region := edsRegions[3*round+(i+w)%3]
			ct := cloudtrail.NewFromConfig(sdkConfig(s, testKey, testSecret, region))
			_, err := ct.CreateEventDataStore(ctx, &cloudtrail.CreateEventDataStoreInput{Name: aws.String(fmt.Sprintf("truthe-%d-%d-%d", round, w, i)),
				TerminationProtectionEnabled: aws.Bool(false)})
			return err
		})
		wg.Go(func() {
			for i := 0; !stopping.Load(); i++ {
				_, _, code := cli.run(s, testKey, testSecret, "s3", "cp", body, fmt.Sprintf("s3://hostile-objs/trutho-%d-%d-%d", round, w, i))
				if code != 0 {
					return // an error answer (none expected) or the server is gone
				}
				ok[3].Add(1)
				total.Add(1)
			}
		})
	}
	deadline := time.Now().Add(90 * time.Second)
	enough := func() bool {
		for i := range ok {
			if ok[i].Load() < 3 {
				return false
			}
		}
		return total.Load() >= 30
	}
	for !enough() {
		if time.Now().After(deadline) {
			stopping.Store(true)
			t.Fatalf("only %d calls succeeded in 90 s (%d %d %d %d)\n%s", total.Load(), ok[0].Load(), ok[1].Load(), ok[2].Load(), ok[3].Load(), tail(s.logs.String(), 2000))
		}
		time.Sleep(10 * time.Millisecond)
	}
	s.kill()
	stopping.Store(true)
	wg.Wait()
}

// truthKinds are the calls of the mixed crash test and how to list their
// effects and records.
func truthKinds() []truthKind {
	onlyPrefix := func(prefix string, names []string) map[string]bool {
		out := map[string]bool{}
		for _, n := range names {
			if strings.HasPrefix(n, prefix) {
				out[n] = true
			}
		}
		return out
	}
	history := func(event string, regions []string) func(t *testing.T, s *server) []record {
		return func(t *testing.T, s *server) []record {
			var out []record
			for _, region := range regions {
				ct := cloudtrail.NewFromConfig(sdkConfig(s, testKey, testSecret, region))
				for _, e := range lookupAll(t, ct, byAttr(cttypes.LookupAttributeKeyEventName, event)) {
					out = append(out, parseRecord(t, e))
				}
			}
			return out
		}
	}
	return []truthKind{
		{event: "CreateBucket", prefix: "truthb-", records: history("CreateBucket", []string{testRegion}), list: func(t *testing.T, s *server) map[string]bool {
			out, err := s3Client(s.endpoint, testKey, testSecret).ListBuckets(context.Background(), &s3.ListBucketsInput{})
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, b := range out.Buckets {
				names = append(names, aws.ToString(b.Name))
			}
			return onlyPrefix("truthb-", names)
		}},
		{event: "PutObject", prefix: "trutho-", records: deliveredPuts, list: func(t *testing.T, s *server) map[string]bool {
			return onlyPrefix("trutho-", listKeys(t, s3Client(s.endpoint, testKey, testSecret), "hostile-objs", "trutho-"))
		}},
		{event: "CreateEventDataStore", prefix: "truthe-", records: history("CreateEventDataStore", edsRegions), list: func(t *testing.T, s *server) map[string]bool {
			var names []string
			for _, region := range edsRegions {
				ct := cloudtrail.NewFromConfig(sdkConfig(s, testKey, testSecret, region))
				p := cloudtrail.NewListEventDataStoresPaginator(ct, &cloudtrail.ListEventDataStoresInput{})
				for p.HasMorePages() {
					page, err := p.NextPage(context.Background())
					if err != nil {
						t.Fatal(err)
					}
					for _, e := range page.EventDataStores {
						names = append(names, aws.ToString(e.Name))
					}
				}
			}
			return onlyPrefix("truthe-", names)
		}},
	}
}

// deliveredPuts are the PutObject records of hostile-objs in the log files
// of the trail truth-data, once a sentinel put made after the restart is
// delivered (delivery follows the journal, so every earlier record is too).
func deliveredPuts(t *testing.T, s *server) []record {
	s3c := s3Client(s.endpoint, testKey, testSecret)
	sentinel := fmt.Sprintf("sentinel-%d", time.Now().UnixNano())
	if _, err := s3c.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String("hostile-objs"), Key: aws.String(sentinel), Body: strings.NewReader("s")}); err != nil {
		t.Fatal(err)
	}
	files := waitLogs(t, s, s3c, "hostile-logs", "", "the sentinel PutObject record", func(files []logFile) bool {
		for _, f := range files {
			for _, r := range f.Records {
				if r.EventName == "PutObject" && strings.Contains(string(r.RequestParameters), `"`+sentinel+`"`) {
					return true
				}
			}
		}
		return false
	})
	var out []record
	for _, f := range files {
		for _, r := range f.Records {
			if r.EventName == "PutObject" {
				out = append(out, r)
			}
		}
	}
	return out
}

// checkEffectsMatchRecords checks that the effects of k's calls that exist
// and k's success records are the same set, each effect recorded once.
func checkEffectsMatchRecords(t *testing.T, s *server, k truthKind) {
	t.Helper()
	existing := k.list(t, s)
	recorded := map[string]int{}
	failed := 0
	for _, r := range k.records(t, s) {
		var params map[string]any
		if json.Unmarshal(r.RequestParameters, &params) != nil {
			continue
		}
		for _, v := range params {
			if name, ok := v.(string); ok && strings.HasPrefix(name, k.prefix) {
				if r.ErrorCode == "" {
					recorded[name]++
				} else {
					failed++
				}
			}
		}
	}
	for name, n := range recorded {
		if !existing[name] {
			t.Errorf("%s %s is recorded as a success (%d times) but its effect does not exist", k.event, name, n)
		} else if n != 1 {
			t.Errorf("%s %s has %d success records, want 1", k.event, name, n)
		}
	}
	for name := range existing {
		if recorded[name] == 0 {
			t.Errorf("%s %s took effect but no success is recorded", k.event, name)
		}
	}
	t.Logf("%s: %d effects, %d success records, %d failed records", k.event, len(existing), len(recorded), failed)
}

// grepLines returns the lines of s that contain sub.
func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// checkChannelsMatchRecords checks the truthc- channels against the
// CreateChannel and DeleteChannel success records: each created and
// deleted at most once, a deletion only of a created channel, and a
// channel exists iff its creation is recorded and its deletion is not.
func checkChannelsMatchRecords(t *testing.T, s *server) {
	t.Helper()
	existing := map[string]bool{}
	created, deleted := map[string]int{}, map[string]int{}
	nameOf := map[string]string{} // ARN -> name, from the creation records
	var deletes []string          // the ARNs of DeleteChannel success records
	failed := 0
	for _, region := range truthRegions {
		ct := cloudtrail.NewFromConfig(sdkConfig(s, testKey, testSecret, region))
		p := cloudtrail.NewListChannelsPaginator(ct, &cloudtrail.ListChannelsInput{})
		for p.HasMorePages() {
			page, err := p.NextPage(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range page.Channels {
				if strings.HasPrefix(aws.ToString(c.Name), "truthc-") {
					existing[aws.ToString(c.Name)] = true
				}
			}
		}
		for _, event := range []string{"CreateChannel", "DeleteChannel"} {
			for _, e := range lookupAll(t, ct, byAttr(cttypes.LookupAttributeKeyEventName, event)) {
				r := parseRecord(t, e)
				if r.ErrorCode != "" {
					failed++
					continue
				}
				var in struct{ Name, Channel string }
				var out struct{ ChannelArn, Name string }
				json.Unmarshal(r.RequestParameters, &in)
				json.Unmarshal(r.ResponseElements, &out)
				switch {
				case event == "CreateChannel" && strings.HasPrefix(in.Name, "truthc-"):
					created[in.Name]++
					nameOf[out.ChannelArn] = in.Name
				case event == "DeleteChannel":
					deletes = append(deletes, in.Channel)
				}
			}
		}
	}
	for _, arn := range deletes {
		name, ok := nameOf[arn]
		if !ok {
			t.Errorf("DeleteChannel %s is recorded as a success, but no creation of that channel is", arn)
			continue
		}
		deleted[name]++
	}
	for name, n := range created {
		if n != 1 || deleted[name] > 1 {
			t.Errorf("channel %s: %d creations and %d deletions recorded as successes, want 1 and at most 1", name, n, deleted[name])
		}
		if want := deleted[name] == 0; existing[name] != want {
			t.Errorf("channel %s exists: %v; its records say created and %d times deleted", name, existing[name], deleted[name])
		}
	}
	for name := range existing {
		if created[name] == 0 {
			t.Errorf("channel %s exists but no CreateChannel success is recorded", name)
		}
	}
	t.Logf("channels: %d exist, %d creations and %d deletions recorded, %d failed records", len(existing), len(created), len(deletes), failed)
}
