package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// digestRun is a trail with log file validation that logged across several
// digest intervals, a kill -9 restart and a key rotation, then stopped.
type digestRun struct {
	s        *server
	trailARN string
	bucket   string
	s3       string // S3 endpoint holding the bucket
	start    string // --start-time for the validators
}

// runDigestTrail drives the real binary with --digest-interval 1m for about
// four intervals. extra are serve flags (e.g. an external S3); mkBucket
// creates the trail bucket.
func runDigestTrail(t *testing.T, s3Endpoint string, mkBucket func(s *server), extra ...string) digestRun {
	t.Helper()
	flags := append([]string{"--delivery-interval", "1s", "--digest-interval", "1m", "--key-rotation", "150s"}, extra...)
	data := t.TempDir()
	s := startServerIn(t, data, flags...)
	external := s3Endpoint != ""
	if !external {
		s3Endpoint = s.endpoint
	}
	ctx := context.Background()
	mkBucket(s)
	start := time.Now().UTC().Add(-time.Minute).Format(time.RFC3339)
	ct := cloudtrail.NewFromConfig(sdkConfig(s, testKey, testSecret, testRegion))
	out, err := ct.CreateTrail(ctx, &cloudtrail.CreateTrailInput{Name: aws.String("signed"), S3BucketName: aws.String("validated"),
		IsMultiRegionTrail: aws.Bool(true), EnableLogFileValidation: aws.Bool(true)})
	if err != nil {
		t.Fatalf("CreateTrail: %v", err)
	}
	if !aws.ToBool(out.LogFileValidationEnabled) {
		t.Fatalf("LogFileValidationEnabled not reported")
	}
	if _, err := ct.StartLogging(ctx, &cloudtrail.StartLoggingInput{Name: aws.String("signed")}); err != nil {
		t.Fatal(err)
	}
	traffic := func(s *server, until time.Time) {
		us := sts.NewFromConfig(sdkConfig(s, testKey, testSecret, "us-east-1"))
		eu := cloudtrail.NewFromConfig(sdkConfig(s, testKey, testSecret, "eu-west-1"))
		for time.Now().Before(until) {
			if _, err := us.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil {
				t.Errorf("traffic: %v", err)
				return
			}
			if _, err := eu.DescribeTrails(ctx, &cloudtrail.DescribeTrailsInput{}); err != nil {
				t.Errorf("traffic: %v", err)
				return
			}
			time.Sleep(time.Second)
		}
	}
	began := time.Now()
	traffic(s, began.Add(80*time.Second))
	s.kill() // crash and restart mid-chain
	s = startServerIn(t, data, flags...)
	traffic(s, began.Add(200*time.Second))
	ct = cloudtrail.NewFromConfig(sdkConfig(s, testKey, testSecret, testRegion))
	stopping := time.Now()
	if _, err := ct.StopLogging(ctx, &cloudtrail.StopLoggingInput{Name: aws.String("signed")}); err != nil {
		t.Fatal(err)
	}
	stopped := time.Now()
	// Wait for the final digests (StopLogging ends every region's chain).
	deadline := time.Now().Add(60 * time.Second)
	for {
		st, err := ct.GetTrailStatus(ctx, &cloudtrail.GetTrailStatusInput{Name: aws.String("signed")})
		if err != nil {
			t.Fatal(err)
		}
		if st.LatestDigestDeliveryTime != nil && st.LatestDigestDeliveryTime.After(stopped) && aws.ToString(st.LatestDigestDeliveryError) == "" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no final digest after StopLogging: %+v\n%s", st, tail(s.logs.String(), 3000))
		}
		time.Sleep(500 * time.Millisecond)
	}
	// Every region's final digest: one whose end is at or after StopLogging
	// (periodic digests end on an interval boundary before it).
	c := s3Client(s.endpoint, testKey, testSecret) // the restarted server
	if external {
		c = s3Client(s3Endpoint, motoKey, motoSecret) // moto, the only external bucket used
	}
	for _, region := range []string{"us-east-1", "eu-west-1"} {
		for !hasDigestEndingAfter(t, c, "validated", region, stopping.Truncate(time.Second)) {
			if time.Now().After(deadline) {
				t.Fatalf("%s: no final digest after StopLogging\n%s", region, tail(s.logs.String(), 3000))
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	return digestRun{s: s, trailARN: "arn:aws:cloudtrail:us-east-1:" + testAccount + ":trail/signed", bucket: "validated", s3: s3Endpoint, start: start}
}

// Every digest and log file validates with both aws CLIs and cairn validate;
// then each kind of tampering is caught.
func TestDigestsValidateAndTamperingIsCaught(t *testing.T) {
	t.Parallel()
	run := runDigestTrail(t, "", func(s *server) {
		if _, err := s3Client(s.endpoint, testKey, testSecret).CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String("validated")}); err != nil {
			t.Fatal(err)
		}
	})
	s := run.s
	c := s3Client(s.endpoint, testKey, testSecret)
	for _, region := range []string{"us-east-1", "eu-west-1"} {
		if n := len(listKeys(t, c, run.bucket, digestPrefix(region))); n < 4 {
			t.Fatalf("%s: %d digests, want at least 4 (three intervals and the final one)", region, n)
		}
	}
	clis := awsCLIs(t)
	valid := func(what string) {
		t.Helper()
		for _, cli := range clis {
			for _, region := range []string{"us-east-1", "eu-west-1"} {
				out, code := validateLogs(t, cli, s, s.endpoint, region, "--trail-arn", run.trailARN, "--start-time", run.start, "--verbose")
				if code != 0 || strings.Contains(out, "INVALID") {
					t.Fatalf("%s: aws %s validate-logs --region %s: exit %d\n%s", what, cli.name, region, code, out)
				}
				mustContain(t, "aws "+cli.name+" "+region, out, "digest files valid", "log files valid")
			}
		}
		out, code := cairnValidate(t, s, "--trail-arn", run.trailARN, "--start-time", run.start)
		if code != 0 {
			t.Fatalf("%s: cairn validate: exit %d\n%s", what, code, out)
		}
	}
	valid("untouched")

	digests := listKeys(t, c, run.bucket, digestPrefix("us-east-1"))
	logs := listKeys(t, c, run.bucket, logPrefix("us-east-1"))
	type tamper struct {
		name    string
		touch   []string // keys to restore afterwards
		do      func()
		aws     bool     // the AWS CLI can catch it
		awsSays string   // what it prints then
		cairn   []string // what cairn validate must say
	}
	mid := digests[1]
	cases := []tamper{
		{name: "log file modified", touch: []string{logs[1]}, aws: true, awsSays: "hash value doesn't match", cairn: []string{logs[1], "modified"},
			do: func() {
				o := getObject(t, c, run.bucket, logs[1])
				o.body = gzipBytes(t, []byte(`{"Records":[{"eventID":"forged"}]}`))
				putObject(t, c, run.bucket, o)
			}},
		{name: "log file deleted", touch: []string{logs[2]}, aws: true, awsSays: "not found", cairn: []string{logs[2], "deleted"},
			do: func() { deleteObject(t, c, run.bucket, logs[2]) }},
		{name: "digest modified", touch: []string{mid}, aws: true, awsSays: "signature verification failed", cairn: []string{mid, "signature"},
			do: func() {
				o := getObject(t, c, run.bucket, mid)
				raw := gunzipBytes(t, o.body)
				raw = []byte(strings.Replace(string(raw), `"logFiles":[`, `"logFiles":[{"s3Bucket":"validated","s3Object":"x","hashValue":"00","hashAlgorithm":"SHA-256","newestEventTime":"2026-01-01T00:00:00Z","oldestEventTime":"2026-01-01T00:00:00Z"},`, 1))
				o.body = gzipBytes(t, raw)
				putObject(t, c, run.bucket, o)
			}},
		{name: "digest deleted", touch: []string{mid}, aws: true, awsSays: "not found", cairn: []string{mid, "deleted"},
			do: func() { deleteObject(t, c, run.bucket, mid) }},
		{name: "two consecutive digests deleted", touch: []string{digests[1], digests[2]}, cairn: []string{digests[1], digests[2], "deleted"},
			do: func() { deleteObject(t, c, run.bucket, digests[1]); deleteObject(t, c, run.bucket, digests[2]) }},
		{name: "signature metadata altered", touch: []string{mid}, aws: true, awsSays: "signature verification failed", cairn: []string{mid, "signature"},
			do: func() {
				o := getObject(t, c, run.bucket, mid)
				sig := []byte(o.meta["signature"])
				sig[10] = "0123456789abcdef"[(strings.IndexByte("0123456789abcdef", sig[10])+1)%16]
				o.meta["signature"] = string(sig)
				putObject(t, c, run.bucket, o)
			}},
		{name: "log file added that no digest lists", cairn: []string{"not listed in any digest"},
			do: func() {
				o := getObject(t, c, run.bucket, logs[0])
				o.key = logs[0][:strings.LastIndexByte(logs[0], '_')+1] + "ForgedForgedFo01.json.gz"
				putObject(t, c, run.bucket, o)
			}},
	}
	for _, tc := range cases {
		t.Run(strings.ReplaceAll(tc.name, " ", "_"), func(t *testing.T) {
			saved := map[string]object{}
			for _, k := range tc.touch {
				saved[k] = getObject(t, c, run.bucket, k)
			}
			existing := map[string]bool{}
			for _, k := range listKeys(t, c, run.bucket, "AWSLogs/") {
				existing[k] = true
			}
			tc.do()
			defer func() {
				for _, o := range saved {
					putObject(t, c, run.bucket, o)
				}
				for _, k := range listKeys(t, c, run.bucket, "AWSLogs/") {
					if !existing[k] {
						deleteObject(t, c, run.bucket, k)
					}
				}
			}()
			for _, cli := range clis {
				out, code := validateLogs(t, cli, s, s.endpoint, "us-east-1", "--trail-arn", run.trailARN, "--start-time", run.start)
				caught := code != 0
				t.Logf("aws %s validate-logs: exit %d (caught: %v)", cli.name, code, caught)
				if tc.aws && (!caught || !strings.Contains(out, tc.awsSays)) {
					t.Errorf("aws %s validate-logs should catch %s (%q): exit %d\n%s", cli.name, tc.name, tc.awsSays, code, out)
				}
			}
			out, code := cairnValidate(t, s, "--trail-arn", run.trailARN, "--start-time", run.start)
			if code != 1 {
				t.Errorf("cairn validate: exit %d, want 1\n%s", code, out)
			}
			mustContain(t, "cairn validate", out, tc.cairn...)
		})
	}
	valid("restored")
}

// The same chain, with moto_server as the external bucket.
func TestDigestsValidateOnExternalS3(t *testing.T) {
	t.Parallel()
	m := startMotoAt(t, freePort(t))
	run := runDigestTrail(t, m.endpoint, func(*server) {
		if _, err := m.client().CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String("validated")}); err != nil {
			t.Fatal(err)
		}
	}, "--s3-endpoint", m.endpoint, "--s3-access-key-id", motoKey, "--s3-secret-access-key", motoSecret)
	for _, cli := range awsCLIs(t) {
		for _, region := range []string{"us-east-1", "eu-west-1"} {
			out, code := validateLogs(t, cli, run.s, m.endpoint, region, "--trail-arn", run.trailARN, "--start-time", run.start, "--verbose")
			if code != 0 || strings.Contains(out, "INVALID") {
				t.Fatalf("aws %s validate-logs --region %s against moto: exit %d\n%s", cli.name, region, code, out)
			}
		}
	}
	out, code := cairnValidate(t, run.s, "--trail-arn", run.trailARN, "--start-time", run.start,
		"--s3-endpoint", m.endpoint, "--s3-access-key-id", motoKey, "--s3-secret-access-key", motoSecret)
	if code != 0 {
		t.Fatalf("cairn validate against moto: exit %d\n%s", code, out)
	}
}
