package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"regexp"
	"strings"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"

	s3store "github.com/cairn-audit/cairn/internal/bucket/s3"
	"github.com/cairn-audit/cairn/internal/digest"
	"github.com/cairn-audit/cairn/internal/validate"
)

// Exit statuses of cairn validate, as validate-logs': 0 all valid, 1
// something invalid; 2 for usage and connection errors.
const (
	exitValid   = 0
	exitInvalid = 1
	exitUsage   = 2
)

const validateHelp = `usage: cairn validate --trail-arn ARN --start-time T [flags]

Validates a trail's digest files and the log files they list, like
'aws cloudtrail validate-logs' and more strictly: the digest chain is checked
both ways, runs of deleted digests are counted, log files no digest lists are
found, and objects are read in parallel. Exit status: 0 all valid, 1 something
is invalid, 2 usage or connection error.

Where the chain must end: the server's GetTrailStatus LatestDigestDeliveryTime
(the newest digests removed, or the bucket emptied, is INVALID) and, with
--anchor, every digest the server anchored (a rewritten, removed or extra
digest is INVALID, naming the first that differs). Without --anchor, a trail
deleted and re-created over an emptied bucket looks like a new trail (only
--continuous flags its late start), and whoever can edit the server's data
dir can also move LatestDigestDeliveryTime; see docs/DIGESTS.md.

Times are RFC 3339 (2024-01-01T00:00:00Z), a date (2024-01-01, UTC), or a
duration ago (36h).

flags:
`

// validateFlags are cairn validate's flags.
type validateFlags struct {
	trailARN, start, end                string
	endpoint, data, region              string
	s3Endpoint, s3Region, s3Key, s3Pass string
	s3Bucket, s3Prefix                  string
	accountID, orgID, regions           string
	parallel                            int
	interval, grace                     time.Duration
	verbose, strict, continuous         bool
	progress                            bool
	anchor                              string
	noServerEnd                         bool
}

func runValidate(args []string, stdout, stderr io.Writer) int {
	var f validateFlags
	fl := flag.NewFlagSet("validate", flag.ContinueOnError)
	fl.SetOutput(stderr)
	fl.Usage = func() {
		fmt.Fprint(stderr, validateHelp)
		fl.PrintDefaults()
	}
	fl.StringVar(&f.trailARN, "trail-arn", "", "ARN of the trail to validate (required)")
	fl.StringVar(&f.start, "start-time", "", "validate log files delivered from this time (required)")
	fl.StringVar(&f.end, "end-time", "", "... up to this time (default: now)")
	fl.StringVar(&f.endpoint, "endpoint", "", "Cairn server URL (default: $AWS_ENDPOINT_URL, else the data dir's)")
	fl.StringVar(&f.data, "data", "", "read endpoint and root credentials from this data dir (default: AWS_* environment variables)")
	fl.StringVar(&f.region, "region", "", "source region to check, as validate-logs' --region (same as --regions REGION)")
	fl.StringVar(&f.s3Endpoint, "s3-endpoint", "", "read the bucket from this S3-compatible endpoint (default: the Cairn server's embedded buckets)")
	fl.StringVar(&f.s3Region, "s3-region", "", "signing region for the S3 endpoint (default: the CloudTrail region, us-east-1 with --s3-endpoint)")
	fl.StringVar(&f.s3Key, "s3-access-key-id", "", "access key for --s3-endpoint (default $CAIRN_S3_ACCESS_KEY_ID)")
	fl.StringVar(&f.s3Pass, "s3-secret-access-key", "", "secret key for --s3-endpoint (default $CAIRN_S3_SECRET_ACCESS_KEY)")
	fl.StringVar(&f.s3Bucket, "s3-bucket", "", "the trail's bucket (skips DescribeTrails; non-organization layout)")
	fl.StringVar(&f.s3Prefix, "s3-prefix", "", "the trail's S3 key prefix, with --s3-bucket")
	fl.StringVar(&f.accountID, "account-id", "", "account whose files to validate (default: the ARN's)")
	fl.StringVar(&f.orgID, "organization-id", "", "organization ID (o-...) in the key layout of an organization trail")
	fl.StringVar(&f.regions, "regions", "", "comma-separated source regions to check (default: every region with files in the bucket)")
	fl.IntVar(&f.parallel, "parallel", 0, "objects read at once (default 4×GOMAXPROCS)")
	fl.DurationVar(&f.interval, "digest-interval", 0, "how often the trail writes digests (default: inferred from the digests)")
	fl.BoolVar(&f.continuous, "continuous", false, "the trail was logging with validation throughout: report chains that end early or leave gaps")
	fl.DurationVar(&f.grace, "grace", 0, "delivery delay tolerated by --continuous (default: half the digest interval, at least 1m)")
	fl.BoolVar(&f.verbose, "verbose", false, "print every valid file too")
	fl.BoolVar(&f.strict, "strict", false, "treat warnings (truncated chains, log files outside any digest's time) as invalid")
	fl.StringVar(&f.anchor, "anchor", "", "check the digests against this anchor (as given to cairn serve --anchor: s3://BUCKET[/PREFIX][?endpoint=URL&region=R] or file:///PATH); credentials $CAIRN_ANCHOR_ACCESS_KEY_ID/$CAIRN_ANCHOR_SECRET_ACCESS_KEY")
	fl.BoolVar(&f.noServerEnd, "no-server-chain-end", false, "do not ask the server (GetTrailStatus) where the digest chain ends")
	fl.BoolVar(&f.progress, "progress", false, "report progress on stderr every 2s (default: when stderr is a terminal)")
	if err := fl.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitValid
		}
		return exitUsage
	}
	if fl.NArg() > 0 {
		fmt.Fprintf(stderr, "cairn validate: unexpected argument %q\n", fl.Arg(0))
		return exitUsage
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	code, err := validateTrail(ctx, f, stdout, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "cairn validate:", err)
		return exitUsage
	}
	return code
}

var trailARNPattern = regexp.MustCompile(`^arn:[^:]+:cloudtrail:([^:]+):(\d{12}):trail/(.+)$`)

// validateTrail runs the validation; errors are usage or connection errors.
func validateTrail(ctx context.Context, f validateFlags, stdout, stderr io.Writer) (int, error) {
	m := trailARNPattern.FindStringSubmatch(f.trailARN)
	if m == nil {
		return 0, fmt.Errorf("--trail-arn: %q is not a trail ARN (arn:aws:cloudtrail:REGION:ACCOUNT:trail/NAME)", f.trailARN)
	}
	now := time.Now().UTC()
	if f.start == "" {
		return 0, errors.New("--start-time is required")
	}
	start, err := parseValidateTime(f.start, now)
	if err != nil {
		return 0, fmt.Errorf("--start-time: %w", err)
	}
	end := now
	if f.end != "" {
		if end, err = parseValidateTime(f.end, now); err != nil {
			return 0, fmt.Errorf("--end-time: %w", err)
		}
	}
	if start.After(end) {
		return 0, fmt.Errorf("--start-time %s is after --end-time %s", start.Format(time.RFC3339), end.Format(time.RFC3339))
	}
	if f.s3Prefix != "" && f.s3Bucket == "" {
		return 0, errors.New("--s3-prefix needs --s3-bucket")
	}
	tr := validate.Trail{ARN: f.trailARN, HomeRegion: m[1], Account: m[2], Name: m[3], Bucket: f.s3Bucket,
		Prefix: strings.Trim(f.s3Prefix, "/"), OrganizationID: f.orgID}
	if f.accountID != "" {
		tr.Account = f.accountID
	}

	conn, err := validateConnection(f.data, f.endpoint)
	if err != nil {
		return 0, err
	}
	ctRegion := tr.HomeRegion // DescribeTrails there lists the trail; ListPublicKeys goes to each source region
	ct := cloudtrail.New(cloudtrail.Options{
		Region:       ctRegion,
		BaseEndpoint: aws.String(conn.endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider(conn.akid, conn.secret, ""),
	})
	if tr.Bucket == "" {
		if err := describeTrail(ctx, ct, &tr, stderr); err != nil {
			return 0, err
		}
	}
	// Where the chain must end: asked before listing, so a digest delivered
	// meanwhile is only newer.
	var chainEnd time.Time
	if !f.noServerEnd {
		st, err := ct.GetTrailStatus(ctx, &cloudtrail.GetTrailStatusInput{Name: aws.String(tr.ARN)})
		switch {
		case err != nil:
			fmt.Fprintf(stderr, "note: GetTrailStatus failed (%v): removal of the newest digests is only detected with --continuous or --anchor\n", err)
		default:
			chainEnd = aws.ToTime(st.LatestDigestDeliveryTime)
		}
	}
	store, err := validateStore(ctx, f, conn, ctRegion)
	if err != nil {
		return 0, err
	}
	anchored, err := readAnchor(ctx, f, tr.ARN)
	if err != nil {
		return 0, err
	}

	opts := validate.Options{
		Trail: tr, StartTime: start, EndTime: end, Store: store,
		PublicKeys:     publicKeySource(ct),
		DigestInterval: f.interval, Continuous: f.continuous, Grace: f.grace, Strict: f.strict,
		Parallel: f.parallel, Verbose: f.verbose,
		ChainEnd: chainEnd, ChainEndSource: "GetTrailStatus (LatestDigestDeliveryTime)", Anchor: anchored,
	}
	for _, r := range strings.Split(f.region+","+f.regions, ",") {
		if r = strings.TrimSpace(r); r != "" {
			opts.Regions = append(opts.Regions, r)
		}
	}
	p := &progressLine{w: stderr, tty: isTerminal(stderr)}
	if f.progress || p.tty {
		opts.Progress = p.update
	}

	fmt.Fprintf(stdout, "Validating log files for trail %s between %s and %s\n\n", f.trailARN, displayTime(start), displayTime(end))
	rep, err := validate.Run(ctx, opts)
	p.clear()
	if err != nil {
		return 0, err
	}
	printReport(stdout, stderr, &rep)
	if !rep.OK() {
		return exitInvalid, nil
	}
	return exitValid, nil
}

// parseValidateTime parses RFC 3339, a date or date-time without a zone
// (UTC), or a duration before now.
func parseValidateTime(s string, now time.Time) (time.Time, error) {
	if d, err := time.ParseDuration(s); err == nil {
		return now.Add(-d), nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02 15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is neither RFC 3339, a date, nor a duration", s)
}

func displayTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }

// connection is where the Cairn server is and the credentials to call it.
type connection struct {
	endpoint, akid, secret, region string
}

// validateConnection finds the server and root credentials as cairn lookup
// does: the data dir's if given, else the AWS_* environment.
func validateConnection(data, endpoint string) (connection, error) {
	c := connection{endpoint: endpoint, akid: os.Getenv("AWS_ACCESS_KEY_ID"), secret: os.Getenv("AWS_SECRET_ACCESS_KEY"), region: os.Getenv("AWS_DEFAULT_REGION")}
	if c.endpoint == "" {
		c.endpoint = os.Getenv("AWS_ENDPOINT_URL")
	}
	if data != "" {
		d := dataDir(data)
		a, s, r, err := d.readCredentials()
		if err != nil {
			return c, err
		}
		c.akid, c.secret = a, s
		if c.region == "" {
			c.region = r
		}
		if c.endpoint == "" || os.Getenv("AWS_ENDPOINT_URL") == c.endpoint {
			c.endpoint = d.endpointURL()
		}
	}
	if c.akid == "" || c.secret == "" {
		return c, errors.New("no credentials: set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (see 'cairn env') or pass --data")
	}
	if c.endpoint == "" {
		c.endpoint = "http://" + DefaultListen
	}
	if c.region == "" {
		c.region = DefaultRegion
	}
	return c, nil
}

// describeTrail fills in the trail's bucket and prefix from DescribeTrails
// (called without parameters, picking the ARN, as validate-logs does).
func describeTrail(ctx context.Context, ct *cloudtrail.Client, tr *validate.Trail, stderr io.Writer) error {
	out, err := ct.DescribeTrails(ctx, &cloudtrail.DescribeTrailsInput{})
	if err != nil {
		return fmt.Errorf("DescribeTrails: %w", err)
	}
	for _, t := range out.TrailList {
		if aws.ToString(t.TrailARN) != tr.ARN {
			continue
		}
		tr.Bucket, tr.Prefix = aws.ToString(t.S3BucketName), strings.Trim(aws.ToString(t.S3KeyPrefix), "/")
		if h := aws.ToString(t.HomeRegion); h != "" {
			tr.HomeRegion = h
		}
		if aws.ToBool(t.IsOrganizationTrail) && tr.OrganizationID == "" {
			return errors.New("the trail is an organization trail: pass --organization-id (and --account-id for a member account)")
		}
		if t.LogFileValidationEnabled != nil && !*t.LogFileValidationEnabled {
			fmt.Fprintf(stderr, "note: log file validation is not enabled on %s now\n", tr.ARN)
		}
		if tr.Bucket == "" {
			return fmt.Errorf("trail %s has no S3 bucket", tr.ARN)
		}
		return nil
	}
	return fmt.Errorf("a trail could not be found for %s", tr.ARN)
}

// validateStore opens the bucket: Cairn's embedded buckets through its own
// S3 API, or --s3-endpoint.
func validateStore(ctx context.Context, f validateFlags, conn connection, ctRegion string) (*s3store.Store, error) {
	o := s3store.Options{Endpoint: conn.endpoint, Region: f.s3Region, AccessKeyID: conn.akid, SecretAccessKey: conn.secret, PathStyle: true}
	if o.Region == "" {
		o.Region = ctRegion
	}
	if f.s3Endpoint != "" {
		o.Endpoint, o.AccessKeyID, o.SecretAccessKey = f.s3Endpoint, f.s3Key, f.s3Pass
		if o.AccessKeyID == "" {
			o.AccessKeyID = os.Getenv("CAIRN_S3_ACCESS_KEY_ID")
		}
		if o.SecretAccessKey == "" {
			o.SecretAccessKey = os.Getenv("CAIRN_S3_SECRET_ACCESS_KEY")
		}
		if o.AccessKeyID == "" || o.SecretAccessKey == "" {
			return nil, errors.New("--s3-endpoint needs credentials: --s3-access-key-id/--s3-secret-access-key or $CAIRN_S3_ACCESS_KEY_ID/$CAIRN_S3_SECRET_ACCESS_KEY")
		}
		if f.s3Region == "" {
			o.Region = "us-east-1"
		}
	}
	st, err := s3store.New(ctx, o)
	if err != nil {
		return nil, err
	}
	return st, nil
}

// publicKeySource calls ListPublicKeys in the digest's region (the SDK hands
// out Value as DER bytes).
func publicKeySource(ct *cloudtrail.Client) validate.KeySource {
	return func(ctx context.Context, region string, start, end time.Time) ([]digest.PublicKey, error) {
		var keys []digest.PublicKey
		in := &cloudtrail.ListPublicKeysInput{StartTime: aws.Time(start), EndTime: aws.Time(end)}
		for range 1000 {
			out, err := ct.ListPublicKeys(ctx, in, func(o *cloudtrail.Options) { o.Region = region })
			if err != nil {
				return nil, fmt.Errorf("ListPublicKeys in %s: %w", region, err)
			}
			for _, k := range out.PublicKeyList {
				keys = append(keys, digest.PublicKey{Value: k.Value, Fingerprint: strings.ToLower(aws.ToString(k.Fingerprint)),
					ValidityStart: aws.ToTime(k.ValidityStartTime), ValidityEnd: aws.ToTime(k.ValidityEndTime)})
			}
			if aws.ToString(out.NextToken) == "" {
				break
			}
			in.NextToken = out.NextToken
		}
		return keys, nil
	}
}

// printReport writes the results as validate-logs does: valid files on
// stdout with --verbose, problems on stderr, then the summary.
func printReport(stdout, stderr io.Writer, rep *validate.Report) {
	// validate-logs keeps a blank line after the header and around each
	// error; verbose lines are single-spaced.
	doubled := true
	for _, fl := range rep.Files {
		if !fl.Valid {
			continue
		}
		what := map[validate.FileType]string{validate.DigestFile: "Digest file", validate.BackfillDigestFile: "(backfill) Digest file", validate.LogFile: "Log file"}[fl.Type]
		fmt.Fprintf(stdout, "%s\ts3://%s/%s\tvalid\n", what, fl.Bucket, fl.Key)
		doubled = false
	}
	warnings, notices := 0, 0
	for _, p := range rep.Problems {
		switch p.Severity {
		case validate.Warning:
			warnings++
		case validate.Info:
			notices++
		}
		if doubled {
			fmt.Fprintf(stderr, "%s\n\n", p)
		} else {
			fmt.Fprintf(stderr, "\n%s\n\n", p)
		}
		doubled = true
	}
	if !doubled {
		fmt.Fprintln(stdout)
	}
	fmt.Fprintf(stdout, "Results requested for %s to %s\n", displayTime(rep.StartTime), displayTime(rep.EndTime))
	if rep.Digests.Total+rep.BackfillDigests.Total == 0 {
		fmt.Fprintln(stdout, "No digests found")
	} else {
		if rep.FoundStart.IsZero() {
			fmt.Fprintln(stdout, "No valid digests found in range")
		} else {
			fmt.Fprintf(stdout, "Results found for %s to %s:\n", displayTime(rep.FoundStart), displayTime(rep.FoundEnd))
		}
		ratio(stdout, rep.Digests, "digest")
		ratio(stdout, rep.BackfillDigests, "backfill digest")
	}
	ratio(stdout, rep.LogFiles, "log")
	if warnings > 0 {
		fmt.Fprintf(stdout, "\n%d warning(s)", warnings)
	}
	if notices > 0 {
		fmt.Fprintf(stdout, "\n%d notice(s)", notices)
	}
	fmt.Fprintf(stdout, "\n")
}

func ratio(w io.Writer, c validate.Count, name string) {
	if c.Total == 0 {
		return
	}
	fmt.Fprintf(w, "\n%d/%d %s files valid", c.Valid, c.Total, name)
	if n := c.Invalid(); n > 0 {
		fmt.Fprintf(w, ", %d/%d %s files INVALID", n, c.Total, name)
	}
}

// progressLine reports progress on stderr: rewritten in place on a
// terminal, a line per update otherwise.
type progressLine struct {
	w       io.Writer
	tty     bool
	printed bool
}

func (p *progressLine) update(pr validate.Progress) {
	line := fmt.Sprintf("validating: %d/%d digest files, %d/%d log files, %.1f MB read, %s",
		pr.DigestsDone, pr.DigestsQueued, pr.LogsDone, pr.LogsQueued, float64(pr.Bytes)/1e6, pr.Elapsed.Round(time.Second))
	if pr.Elapsed < 2*time.Second && pr.DigestsDone == pr.DigestsQueued && pr.LogsDone == pr.LogsQueued {
		return // a short run: no progress to show
	}
	if p.tty {
		fmt.Fprintf(p.w, "\r\033[K%s", line)
	} else {
		fmt.Fprintln(p.w, line)
	}
	p.printed = true
}

func (p *progressLine) clear() {
	if p.tty && p.printed {
		fmt.Fprint(p.w, "\r\033[K")
	}
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
