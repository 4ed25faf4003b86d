package anchor

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	smithy "github.com/aws/smithy-go"

	"github.com/cairn-audit/cairn/internal/outbound"
)

// errDenied: the credentials may not read the anchor bucket.
var errDenied = errors.New("access denied")

// maxObject bounds one anchor object read back.
const maxObject = 64 << 10

// RequestTimeout bounds one request to an anchor bucket (records are small).
const RequestTimeout = 60 * time.Second

// S3 is an anchor bucket: one object per digest at
//
//	<prefix>/<home region>/<account>/<trail name>/<region>/<YYYYMMDDTHHMMSSZ>-<16 hex>.json
//
// (the stamp is the digest end, the hex the start of SHA-256 of
// "<bucket>/<digest key>"), written with If-None-Match: * (never
// overwritten) and, when the bucket has Object Lock enabled, COMPLIANCE
// retention for Options.Retention.
type S3 struct {
	client    *s3.Client
	bucket    string
	prefix    string
	endpoint  string
	retention time.Duration

	mu             sync.Mutex
	lockKnown      bool // the Object Lock configuration was read (or cannot be)
	locked         bool
	lockUnreadable bool // GetObjectLockConfiguration denied: the bucket's default retention applies
	now            func() time.Time
}

func openS3(ctx context.Context, u *url.URL, opts Options) (*S3, error) {
	q := u.Query()
	a := &S3{bucket: u.Host, prefix: strings.Trim(u.Path, "/"), retention: opts.Retention, now: opts.Now}
	if a.bucket == "" {
		return nil, errors.New("anchor: s3:// URI without a bucket")
	}
	a.endpoint = opts.Endpoint
	if e := q.Get("endpoint"); e != "" {
		a.endpoint = e
	}
	region := opts.Region
	if r := q.Get("region"); r != "" {
		region = r
	}
	if region == "" {
		region = "us-east-1"
	}
	if d := q.Get("retention-days"); d != "" {
		n, err := strconv.Atoi(d)
		if err != nil || n < 1 {
			return nil, fmt.Errorf("anchor: retention-days=%q is not a positive number of days", d)
		}
		a.retention = time.Duration(n) * 24 * time.Hour
	}
	if a.retention <= 0 {
		a.retention = DefaultRetention
	}
	if opts.AccessKeyID == "" || opts.SecretAccessKey == "" {
		return nil, errors.New("anchor: an s3:// anchor needs credentials ($CAIRN_ANCHOR_ACCESS_KEY_ID / $CAIRN_ANCHOR_SECRET_ACCESS_KEY)")
	}
	so := s3.Options{
		Region:                     region,
		Credentials:                credentials.NewStaticCredentialsProvider(opts.AccessKeyID, opts.SecretAccessKey, ""),
		UsePathStyle:               a.endpoint != "",
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired,
	}
	if a.endpoint != "" {
		eu, err := url.Parse(a.endpoint)
		if err != nil || (eu.Scheme != "http" && eu.Scheme != "https") || eu.Host == "" {
			return nil, fmt.Errorf("anchor: endpoint %q is not an http(s) URL", a.endpoint)
		}
		so.BaseEndpoint = aws.String(a.endpoint)
	}
	// Every request has connect, header and overall deadlines: a stalled
	// anchor endpoint becomes an error the delivery worker retries.
	oo := outbound.DefaultOptions("anchor")
	oo.Timeout, oo.Proxy = RequestTimeout, http.ProxyFromEnvironment
	so.HTTPClient = outbound.NewClient(oo)
	a.client = s3.New(so)
	// An unreachable anchor does not stop the server: the configuration is
	// read again at the first Append (which the delivery worker retries).
	_ = a.readLock(ctx)
	return a, nil
}

// readLock reads the bucket's Object Lock configuration once.
func (a *S3) readLock(ctx context.Context) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.lockKnown {
		return nil
	}
	out, err := a.client.GetObjectLockConfiguration(ctx, &s3.GetObjectLockConfigurationInput{Bucket: aws.String(a.bucket)})
	switch c := apiCode(err); {
	case err == nil:
		a.locked = out.ObjectLockConfiguration != nil && out.ObjectLockConfiguration.ObjectLockEnabled == types.ObjectLockEnabledEnabled
	case c == "ObjectLockConfigurationNotFoundError" || c == "NoSuchObjectLockConfiguration":
	case c == "AccessDenied":
		a.lockUnreadable = true // write-only credentials
	default:
		return fmt.Errorf("anchor %s: object lock configuration: %w", a.Describe(), err)
	}
	a.lockKnown = true
	return nil
}

// Lock reports what is known of the bucket's Object Lock: known false while
// the bucket could not be reached; unreadable when the credentials may not
// read it (each object then gets the bucket's default retention, if any);
// locked when enabled, each anchor object then under COMPLIANCE retention.
func (a *S3) Lock() (known, locked, unreadable bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.lockKnown, a.locked, a.lockUnreadable
}

// Locked reports whether the bucket has Object Lock enabled.
func (a *S3) Locked() bool { _, l, _ := a.Lock(); return l }

// Describe implements Sink.
func (a *S3) Describe() string {
	d := "s3://" + a.bucket + "/" + a.prefix
	if a.endpoint != "" {
		d += " at " + a.endpoint
	}
	return d
}

// trailPrefix is where a trail's anchors live.
func (a *S3) trailPrefix(trailARN string) (string, error) {
	// arn:<partition>:cloudtrail:<region>:<account>:trail/<name>
	p := strings.SplitN(trailARN, ":", 6)
	if len(p) != 6 || p[2] != "cloudtrail" || !strings.HasPrefix(p[5], "trail/") {
		return "", fmt.Errorf("anchor: %q is not a trail ARN", trailARN)
	}
	s := p[3] + "/" + p[4] + "/" + strings.TrimPrefix(p[5], "trail/") + "/"
	if a.prefix != "" {
		s = a.prefix + "/" + s
	}
	return s, nil
}

func (a *S3) objectKey(r Record) (string, error) {
	tp, err := a.trailPrefix(r.Trail)
	if err != nil {
		return "", err
	}
	end := r.EndTime()
	if end.IsZero() {
		return "", fmt.Errorf("anchor: record end %q is not a digest time", r.End)
	}
	h := sha256.Sum256([]byte(r.Bucket + "/" + r.Key))
	return tp + r.Region + "/" + end.Format("20060102T150405Z") + "-" + hex.EncodeToString(h[:8]) + ".json", nil
}

// Append implements Sink.
func (a *S3) Append(ctx context.Context, r Record) error {
	if err := r.check(); err != nil {
		return err
	}
	r.V = Version
	if r.AnchoredAt.IsZero() {
		r.AnchoredAt = a.now().UTC()
	}
	key, err := a.objectKey(r)
	if err != nil {
		return err
	}
	if err := a.readLock(ctx); err != nil {
		return err
	}
	// Write-only credentials cannot read back: If-None-Match alone then
	// keeps an anchor from being overwritten.
	if old, found, err := a.get(ctx, key, nil); err != nil && !errors.Is(err, errDenied) {
		return err
	} else if found {
		if old.Same(r) {
			return nil // anchored before a crash or a failed state save
		}
		return fmt.Errorf("%w: %s/%s", ErrConflict, a.Describe(), key)
	}
	body, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("anchor: %w", err)
	}
	sum := md5.Sum(body)
	in := &s3.PutObjectInput{
		Bucket: aws.String(a.bucket), Key: aws.String(key), Body: bytes.NewReader(body),
		ContentLength: aws.Int64(int64(len(body))), ContentType: aws.String("application/json"),
		ContentMD5: aws.String(base64.StdEncoding.EncodeToString(sum[:])), IfNoneMatch: aws.String("*"),
	}
	if a.Locked() {
		in.ObjectLockMode = types.ObjectLockModeCompliance
		in.ObjectLockRetainUntilDate = aws.Time(a.now().UTC().Add(a.retention))
	}
	if _, err := a.client.PutObject(ctx, in); err != nil {
		if apiCode(err) == "PreconditionFailed" { // a concurrent writer: compare
			old, found, gerr := a.get(ctx, key, nil)
			if (gerr == nil && found && old.Same(r)) || errors.Is(gerr, errDenied) {
				return nil // anchored by an earlier attempt (unreadable: validation compares)
			}
			return fmt.Errorf("%w: %s/%s", ErrConflict, a.Describe(), key)
		}
		return fmt.Errorf("anchor %s: put %s: %w", a.Describe(), key, err)
	}
	return nil
}

// get reads one anchor object (a version if versionID is set).
func (a *S3) get(ctx context.Context, key string, versionID *string) (Record, bool, error) {
	out, err := a.client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(a.bucket), Key: aws.String(key), VersionId: versionID})
	if err != nil {
		switch apiCode(err) {
		case "NoSuchKey", "NotFound":
			return Record{}, false, nil
		case "AccessDenied", "Forbidden":
			return Record{}, false, fmt.Errorf("anchor %s: get %s: %w: %w", a.Describe(), key, errDenied, err)
		}
		return Record{}, false, fmt.Errorf("anchor %s: get %s: %w", a.Describe(), key, err)
	}
	defer out.Body.Close()
	b, err := io.ReadAll(io.LimitReader(out.Body, maxObject+1))
	if err != nil {
		return Record{}, false, fmt.Errorf("anchor %s: get %s: %w", a.Describe(), key, err)
	}
	var r Record
	if len(b) > maxObject || json.Unmarshal(b, &r) != nil || r.check() != nil {
		return Record{}, true, fmt.Errorf("anchor %s: %s is not an anchor record", a.Describe(), key)
	}
	return r, true, nil
}

// Records implements Sink. Every version is listed: an anchor object with
// more than one version was overwritten, one whose newest version is a
// delete marker was deleted; either is a problem, and the oldest version
// (the one written first, under retention) is the record.
func (a *S3) Records(ctx context.Context, trailARN string) ([]Record, []string, error) {
	prefix := a.prefix
	if prefix != "" {
		prefix += "/"
	}
	if trailARN != "" {
		var err error
		if prefix, err = a.trailPrefix(trailARN); err != nil {
			return nil, nil, err
		}
	}
	// S3 lists the versions of a key newest first: the last one listed is
	// the one written first.
	type state struct {
		versions      []*string
		deletedLatest bool
	}
	keys := map[string]*state{}
	get := func(k string) *state {
		if keys[k] == nil {
			keys[k] = &state{}
		}
		return keys[k]
	}
	p := s3.NewListObjectVersionsPaginator(a.client, &s3.ListObjectVersionsInput{Bucket: aws.String(a.bucket), Prefix: aws.String(prefix)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, nil, fmt.Errorf("anchor %s: list: %w", a.Describe(), err)
		}
		for _, v := range page.Versions {
			st := get(aws.ToString(v.Key))
			st.versions = append(st.versions, v.VersionId)
		}
		for _, m := range page.DeleteMarkers {
			if aws.ToBool(m.IsLatest) {
				get(aws.ToString(m.Key)).deletedLatest = true
			}
		}
	}
	names := make([]string, 0, len(keys))
	for k := range keys {
		names = append(names, k)
	}
	sort.Strings(names)
	var recs []Record
	var problems []string
	for _, k := range names {
		st := keys[k]
		if len(st.versions) == 0 {
			problems = append(problems, fmt.Sprintf("anchor object %s was deleted and no version of it is left", k))
			continue
		}
		if n := len(st.versions); n > 1 {
			problems = append(problems, fmt.Sprintf("anchor object %s was overwritten (%d versions); the first is used", k, n))
		}
		if st.deletedLatest {
			problems = append(problems, fmt.Sprintf("anchor object %s was deleted (delete marker); its locked version is used", k))
		}
		first := st.versions[len(st.versions)-1]
		vid := first
		if aws.ToString(vid) == "null" {
			vid = nil
		}
		r, found, err := a.get(ctx, k, vid)
		if err != nil || !found {
			problems = append(problems, fmt.Sprintf("anchor object %s unreadable: %v", k, err))
			continue
		}
		if trailARN != "" && r.Trail != trailARN {
			problems = append(problems, fmt.Sprintf("anchor object %s names trail %s", k, r.Trail))
			continue
		}
		recs = append(recs, r)
	}
	sort.SliceStable(recs, func(i, j int) bool { return recs[i].AnchoredAt.Before(recs[j].AnchoredAt) })
	return recs, problems, nil
}

// Close implements Sink.
func (a *S3) Close() error { return nil }

func apiCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}
