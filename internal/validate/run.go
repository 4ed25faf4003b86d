package validate

import (
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cairn-audit/cairn/internal/bucket"
	"github.com/cairn-audit/cairn/internal/digest"
)

// listSlack is how far past EndTime digests are checked: validate-logs
// checks digests whose key time is in [start, end+1h], to catch log files
// delivered just before end.
const listSlack = time.Hour

// objKey locates an object.
type objKey struct{ bucket, key string }

// validator is one Run.
type validator struct {
	opts       Options
	lay        layout
	start, end time.Time // requested range
	listEnd    time.Time // end + listSlack
	now        time.Time
	ctx        context.Context
	cancel     context.CancelCauseFunc
	pool       *pool

	mu      sync.Mutex
	regions []*region
	logs    map[objKey]*logObj // every log file listed in an authentic digest
	errOnce sync.Once
	err     error

	digestsDone, digestsQueued atomic.Int64
	logsDone, logsQueued       atomic.Int64
	bytes                      atomic.Int64
}

// region is the state of one source region.
type region struct {
	name string

	keysMu  sync.Mutex
	keys    map[string]digest.PublicKey // replaced, never mutated, once published
	loaded  bool
	windows map[[2]int64]bool // key windows already asked for

	// Below: written under validator.mu while fetching, read after.
	digests  map[objKey]*digestObj // every digest fetched or expected
	inBucket []bucketLog           // log files in the bucket within the range

	interval     time.Duration
	extraMissing int // missing digests counted beyond those reported one by one
	problems     []*Problem
	lost         []window // windows whose log files cannot be verified
	covered      []window // windows of authentic digests
}

// bucketLog is a log file found by listing the bucket.
type bucketLog struct {
	key      string
	time     time.Time // delivery time from its name, to the minute
	modified time.Time // LastModified in the listing
}

// window is a digest's delivery window.
type window struct {
	start, end time.Time
	chainStart time.Time // a chain's first digest: its digestStartTime
	digest     *digestObj
	problem    *Problem // for lost windows: where to count the unverifiable log files
	lostLogs   int
}

// digestObj is one digest object, fetched or expected.
type digestObj struct {
	region      *region
	bucket, key string
	keyEnd      time.Time
	keyOK       bool // key is a digest key of this trail and region
	backfill    bool
	listed      bool      // found by listing (else reached through a link, or inferred)
	modified    time.Time // LastModified in the listing
	boundary    bool      // before the range: fetched only to check the link into it
	inferred    bool      // never seen: its absence is inferred from a time gap
	missing     bool
	readErr     string // why it cannot be read (gzip, JSON, access denied)

	raw     []byte // kept only while it may still need verifying through a link
	hash    string // hex SHA-256 of the uncompressed bytes
	meta    map[string]string
	d       *digest.Digest
	start   time.Time
	end     time.Time
	timesOK bool

	verr       error // Verify with its own metadata
	authentic  bool  // its content is proven: own signature or an authentic successor's hash
	logsQueued bool

	succ      *digestObj // the digest whose previous* link reaches it
	hashOK    bool       // succ's previousDigestHashValue matches
	linkSigOK bool       // succ's previousDigestSignature verifies it
	anchored  bool       // reached through a gap or a chain restart (not by a readable link)
	forkOf    *digestObj // the predecessor it names, which forkWith names too and keeps
	forkWith  *digestObj

	problems []*Problem
}

// logObj is one log file listed by authentic digests.
type logObj struct {
	bucket, key string
	region      string
	time        time.Time
	want        []logWant
	// result, written by its one hashing task
	missing bool
	readErr string
	notJSON bool // the uncompressed bytes do not start a JSON object
	got     string
}

type logWant struct {
	hash   string
	digest *digestObj
}

// Run validates the trail's digests and log files and reports what it found.
// Problems found are in the Report; the error is for what stopped the run
// (bad options, listing or reading failures other than missing objects,
// public keys unavailable, ctx).
func Run(ctx context.Context, opts Options) (Report, error) {
	began := time.Now()
	if err := checkOptions(&opts); err != nil {
		return Report{}, err
	}
	v := &validator{opts: opts, lay: newLayout(opts.Trail), logs: map[objKey]*logObj{}}
	v.now = opts.Now().UTC()
	v.start, v.end = opts.StartTime.UTC(), opts.EndTime.UTC()
	if opts.EndTime.IsZero() {
		v.end = v.now
	}
	if v.end.Before(v.start) {
		return Report{}, fmt.Errorf("validate: start time %s is after end time %s", v.start.Format(time.RFC3339), v.end.Format(time.RFC3339))
	}
	v.listEnd = v.end.Add(listSlack)
	v.ctx, v.cancel = context.WithCancelCause(ctx)
	defer v.cancel(nil)
	v.pool = newPool(opts.Parallel)
	defer v.pool.Close()

	stopProgress := v.startProgress(began)
	defer stopProgress()

	names := opts.Regions
	if len(names) == 0 {
		var err error
		if names, err = v.discoverRegions(); err != nil {
			return Report{}, err
		}
	}
	if len(opts.Regions) == 0 {
		// Regions the anchor knows, and the home region (whose chain runs
		// even without log files), are checked even when the bucket has
		// nothing left of them.
		if opts.Anchor != nil {
			for _, rec := range opts.Anchor.Records {
				if e := rec.EndTime(); rec.Bucket == opts.Trail.Bucket && !e.Before(v.start) && !e.After(v.listEnd) {
					names = append(names, rec.Region)
				}
			}
		}
		if opts.Continuous || !opts.ChainEnd.IsZero() || opts.Anchor != nil {
			names = append(names, opts.Trail.HomeRegion)
		}
	}
	names = slices.Compact(slices.Sorted(slices.Values(names)))
	for _, n := range names {
		v.regions = append(v.regions, &region{name: n, digests: map[objKey]*digestObj{}, windows: map[[2]int64]bool{}})
	}

	// Listings and the digests they find; digests that verify queue their
	// log files at once.
	for _, r := range v.regions {
		v.pool.Go(func() { v.listDigests(r) })
		for day := dayOf(v.start); day.Before(v.end); day = day.AddDate(0, 0, 1) {
			v.pool.Go(func() { v.listLogs(r, day) })
		}
	}
	if err := v.wait(); err != nil {
		return Report{}, err
	}
	// Link targets not listed (before the range, elsewhere, or gone).
	for {
		n := 0
		for _, r := range v.regions {
			n += v.fetchLinkTargets(r)
		}
		if n == 0 {
			break
		}
		if err := v.wait(); err != nil {
			return Report{}, err
		}
	}
	// Chains; digests authenticated through their successor queue their logs.
	for _, r := range v.regions {
		v.analyseChain(r)
	}
	if err := v.wait(); err != nil {
		return Report{}, err
	}
	v.logProblems()
	for _, r := range v.regions {
		v.checkCoverage(r)
		v.checkAnchor(r)
		v.checkAnchorSink(r)
	}
	v.checkChainEnd()
	stopProgress()
	rep := v.report()
	rep.Elapsed = time.Since(began)
	return rep, nil
}

func checkOptions(o *Options) error {
	t := o.Trail
	switch {
	case o.Store == nil:
		return errors.New("validate: no bucket store")
	case o.PublicKeys == nil:
		return errors.New("validate: no public key source")
	case t.Bucket == "" || t.Account == "" || t.Name == "" || t.HomeRegion == "":
		return errors.New("validate: the trail's bucket, account, name and home region are required")
	case o.StartTime.IsZero():
		return errors.New("validate: start time required")
	}
	if o.Parallel <= 0 {
		o.Parallel = 4 * runtime.GOMAXPROCS(0)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.ProgressInterval <= 0 {
		o.ProgressInterval = 2 * time.Second
	}
	return nil
}

func dayOf(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// fail records the first error that stops the run and cancels the rest.
func (v *validator) fail(err error) {
	v.errOnce.Do(func() {
		v.err = err
		v.cancel(err)
	})
}

// wait waits for queued work and returns what stopped it, if anything.
func (v *validator) wait() error {
	v.pool.Wait()
	if v.err != nil {
		return v.err
	}
	return v.ctx.Err()
}

func (v *validator) startProgress(began time.Time) (stop func()) {
	if v.opts.Progress == nil {
		return func() {}
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(v.opts.ProgressInterval)
		defer t.Stop()
		for {
			select {
			case <-done:
				v.opts.Progress(v.progress(began))
				return
			case <-t.C:
				v.opts.Progress(v.progress(began))
			}
		}
	})
	var once sync.Once
	return func() {
		once.Do(func() {
			close(done)
			wg.Wait()
		})
	}
}

func (v *validator) progress(began time.Time) Progress {
	return Progress{
		DigestsDone: int(v.digestsDone.Load()), DigestsQueued: int(v.digestsQueued.Load()),
		LogsDone: int(v.logsDone.Load()), LogsQueued: int(v.logsQueued.Load()),
		Bytes: v.bytes.Load(), Elapsed: time.Since(began),
	}
}

// discoverRegions lists the region folders under CloudTrail-Digest/ and
// CloudTrail/: a region whose digests were all removed still has its logs.
func (v *validator) discoverRegions() ([]string, error) {
	seen := map[string]bool{}
	for _, root := range []string{v.lay.digestRoot(), v.lay.logRoot()} {
		after := ""
		for {
			res, err := v.opts.Store.List(v.ctx, v.opts.Trail.Bucket, bucket.ListOptions{Prefix: root, Delimiter: "/", After: after})
			if err != nil {
				return nil, fmt.Errorf("list %s: %w", "s3://"+v.opts.Trail.Bucket+"/"+root, err)
			}
			for _, p := range res.CommonPrefixes {
				if r := strings.TrimSuffix(strings.TrimPrefix(p, root), "/"); r != "" {
					seen[r] = true
				}
			}
			if !res.Truncated || res.NextAfter == "" {
				break
			}
			after = res.NextAfter
		}
	}
	names := make([]string, 0, len(seen))
	for r := range seen {
		names = append(names, r)
	}
	slices.Sort(names)
	return names, nil
}

// listDigests lists the region's digests whose key time is in [start,
// end+1h] in key order, starting after the key a digest ending a minute
// before start would have (validate-logs' Marker), and fetches each.
func (v *validator) listDigests(r *region) {
	b := v.opts.Trail.Bucket
	prefix := v.lay.digestFolder(r.name)
	after := v.lay.digestKey(r.name, v.start.Add(-time.Minute), false)
	for v.ctx.Err() == nil {
		res, err := v.opts.Store.List(v.ctx, b, bucket.ListOptions{Prefix: prefix, After: after})
		if err != nil {
			v.fail(fmt.Errorf("list s3://%s/%s: %w", b, prefix, err))
			return
		}
		for _, o := range res.Objects {
			end, backfill, ok := v.lay.parseDigestKey(r.name, o.Key)
			if !ok {
				continue // another trail's, or not a digest
			}
			if end.After(v.listEnd) {
				return
			}
			if end.Before(v.start) {
				continue
			}
			d := &digestObj{region: r, bucket: b, key: o.Key, keyEnd: end, keyOK: true, backfill: backfill, listed: true, modified: o.LastModified}
			v.mu.Lock()
			r.digests[objKey{b, o.Key}] = d
			v.mu.Unlock()
			v.queueDigest(d)
		}
		if !res.Truncated || res.NextAfter == "" {
			return
		}
		after = res.NextAfter
	}
}

func (v *validator) queueDigest(d *digestObj) {
	v.digestsQueued.Add(1)
	v.pool.Go(func() {
		defer v.digestsDone.Add(1)
		if v.ctx.Err() == nil {
			v.fetchDigest(d)
		}
	})
}

// listLogs lists one day folder of the region's log files and keeps those
// delivered within the range.
func (v *validator) listLogs(r *region, day time.Time) {
	b := v.opts.Trail.Bucket
	folder := v.lay.logFolder(r.name, day)
	var found []bucketLog
	after := ""
	for v.ctx.Err() == nil {
		res, err := v.opts.Store.List(v.ctx, b, bucket.ListOptions{Prefix: folder, After: after})
		if err != nil {
			v.fail(fmt.Errorf("list s3://%s/%s: %w", b, folder, err))
			return
		}
		for _, o := range res.Objects {
			t, ok := v.lay.parseLogKey(r.name, folder, o.Key)
			if !ok || !t.Add(time.Minute).After(v.start) || !t.Before(v.end) {
				continue
			}
			found = append(found, bucketLog{key: o.Key, time: t, modified: o.LastModified})
		}
		if !res.Truncated || res.NextAfter == "" {
			break
		}
		after = res.NextAfter
	}
	v.mu.Lock()
	r.inBucket = append(r.inBucket, found...)
	v.mu.Unlock()
}

// readErr tells the errors of a read that make the object count as
// missing or unreadable from those that stop the run.
func readErr(err error) (missing bool, unreadable string, fatal error) {
	switch {
	case errors.Is(err, bucket.ErrNoSuchKey):
		return true, "", nil
	case errors.Is(err, bucket.ErrNoSuchBucket):
		return true, "", nil
	case errors.Is(err, bucket.ErrAccessDenied):
		return false, "access denied", nil
	}
	return false, "", err
}

// trackingReader remembers a read error of the underlying body, so that
// transport failures are told apart from format errors of what it carried.
type trackingReader struct {
	r   io.Reader
	n   *atomic.Int64
	err error
}

func (t *trackingReader) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	t.n.Add(int64(n))
	if err != nil && err != io.EOF {
		t.err = err
	}
	return n, err
}

// fetchDigest reads, parses and verifies one digest with its own metadata.
func (v *validator) fetchDigest(d *digestObj) {
	body, info, err := v.opts.Store.Get(v.ctx, d.bucket, d.key, nil)
	if err != nil {
		missing, unreadable, fatal := readErr(err)
		if fatal != nil {
			v.fail(fmt.Errorf("get s3://%s/%s: %w", d.bucket, d.key, fatal))
			return
		}
		d.missing, d.readErr = missing, unreadable
		return
	}
	tr := &trackingReader{r: body, n: &v.bytes}
	body2, err := io.ReadAll(io.LimitReader(tr, digest.MaxDigestSize))
	body.Close()
	if err != nil {
		v.fail(fmt.Errorf("read s3://%s/%s: %w", d.bucket, d.key, err))
		return
	}
	raw, err := digest.Decompress(body2)
	if err != nil {
		d.readErr = err.Error()
		return
	}
	sum := sha256.Sum256(raw)
	d.hash = hex.EncodeToString(sum[:])
	d.meta = info.Metadata
	keys, err := v.keysFor(d.region, time.Time{}, time.Time{})
	if err != nil {
		v.fail(err)
		return
	}
	parsed, verr := digest.Verify(raw, d.bucket, d.key, d.meta, keys)
	if parsed == nil {
		d.readErr = verr.Error()
		return
	}
	d.d = parsed
	s, err1 := time.Parse(digest.TimeFormat, parsed.DigestStartTime)
	e, err2 := time.Parse(digest.TimeFormat, parsed.DigestEndTime)
	if err1 == nil && err2 == nil && !e.Before(s) {
		d.start, d.end, d.timesOK = s, e, true
	}
	genTime, genErr := parseLooseTime(d.meta[metaBackfillTime])
	if d.backfill && d.meta[metaBackfillTime] == "" {
		d.readErr = "invalid format: no " + metaBackfillTime + " metadata"
		return
	}
	if errors.Is(verr, digest.ErrUnknownKey) {
		// A key outside the range's window: ask for the digest's own time
		// (a backfill digest's: when it was generated).
		from, to := d.keyEnd.Add(-3*time.Hour), d.keyEnd.Add(time.Hour)
		if d.timesOK {
			from, to = d.start.Add(-time.Hour), d.end.Add(time.Hour)
		}
		if d.backfill && genErr == nil {
			from, to = genTime.Add(-time.Hour), genTime.Add(time.Hour)
		}
		if keys, err = v.keysFor(d.region, from, to); err != nil {
			v.fail(err)
			return
		}
		_, verr = digest.Verify(raw, d.bucket, d.key, d.meta, keys)
	}
	d.verr = verr
	if d.verr == nil {
		d.authentic = true
		v.queueLogs(d)
	} else {
		d.raw = raw
	}
}

// metaBackfillTime is the metadata a backfill digest carries.
const metaBackfillTime = "backfill-generation-timestamp"

// parseLooseTime parses a timestamp in RFC 3339 or CloudTrail's format.
func parseLooseTime(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	return time.Parse(digest.TimeFormat, s)
}

// keysFor returns the region's public keys, loading those valid in [start,
// end+2h] first (as validate-logs does) and, when from is set, those valid
// in [from, to] too.
func (v *validator) keysFor(r *region, from, to time.Time) (map[string]digest.PublicKey, error) {
	r.keysMu.Lock()
	defer r.keysMu.Unlock()
	load := func(a, b time.Time) error {
		w := [2]int64{a.Unix(), b.Unix()}
		if r.windows[w] {
			return nil
		}
		r.windows[w] = true
		list, err := v.opts.PublicKeys(v.ctx, r.name, a, b)
		if err != nil {
			return fmt.Errorf("public keys of %s between %s and %s: %w", r.name, a.Format(time.RFC3339), b.Format(time.RFC3339), err)
		}
		next := make(map[string]digest.PublicKey, len(r.keys)+len(list))
		for k, pk := range r.keys {
			next[k] = pk
		}
		for _, pk := range list {
			next[strings.ToLower(pk.Fingerprint)] = pk
		}
		r.keys = next
		return nil
	}
	if !r.loaded {
		if err := load(v.start, v.listEnd.Add(time.Hour)); err != nil {
			return nil, err
		}
		r.loaded = true
	}
	if !from.IsZero() {
		if err := load(from, to); err != nil {
			return nil, err
		}
	}
	return r.keys, nil
}

// queueLogs queues the checks of an authentic digest's log files.
func (v *validator) queueLogs(d *digestObj) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if d.logsQueued || d.d == nil {
		return
	}
	d.logsQueued = true
	for _, lf := range d.d.LogFiles {
		k := objKey{lf.S3Bucket, lf.S3Object}
		l := v.logs[k]
		if l == nil {
			l = &logObj{bucket: lf.S3Bucket, key: lf.S3Object, region: d.region.name, time: logTime(lf.S3Object, d.end)}
			v.logs[k] = l
			v.logsQueued.Add(1)
			v.pool.Go(func() {
				defer v.logsDone.Add(1)
				if v.ctx.Err() == nil {
					v.hashLog(l)
				}
			})
		}
		l.want = append(l.want, logWant{hash: strings.ToLower(lf.HashValue), digest: d})
	}
}

// logTime is the delivery time in a log file's name, or def.
func logTime(key string, def time.Time) time.Time {
	name := key[strings.LastIndexByte(key, '/')+1:]
	for _, part := range strings.Split(name, "_") {
		if len(part) == len(logKeyTime) {
			if t, err := time.Parse(logKeyTime, part); err == nil {
				return t
			}
		}
	}
	return def
}

var (
	gzipPool = sync.Pool{New: func() any { return new(gzip.Reader) }}
	bufPool  = sync.Pool{New: func() any { b := make([]byte, 64<<10); return &b }}
)

// hashLog streams a log file through gunzip and SHA-256.
func (v *validator) hashLog(l *logObj) {
	body, _, err := v.opts.Store.Get(v.ctx, l.bucket, l.key, nil)
	if err != nil {
		missing, unreadable, fatal := readErr(err)
		if fatal != nil {
			v.fail(fmt.Errorf("get s3://%s/%s: %w", l.bucket, l.key, fatal))
			return
		}
		l.missing, l.readErr = missing, unreadable
		return
	}
	defer body.Close()
	tr := &trackingReader{r: body, n: &v.bytes}
	zr := gzipPool.Get().(*gzip.Reader)
	defer gzipPool.Put(zr)
	if err := zr.Reset(tr); err != nil {
		if tr.err != nil {
			v.fail(fmt.Errorf("read s3://%s/%s: %w", l.bucket, l.key, tr.err))
			return
		}
		l.readErr = fmt.Sprintf("invalid format: not gzip (%v)", err)
		return
	}
	h := sha256.New()
	sn := &sniffer{w: h}
	buf := bufPool.Get().(*[]byte)
	_, err = io.CopyBuffer(sn, zr, *buf)
	bufPool.Put(buf)
	if tr.err != nil {
		v.fail(fmt.Errorf("read s3://%s/%s: %w", l.bucket, l.key, tr.err))
		return
	}
	if err != nil {
		l.readErr = fmt.Sprintf("invalid format: not gzip (%v)", err)
		return
	}
	l.got = hex.EncodeToString(h.Sum(nil))
	l.notJSON = !sn.object()
}

// sniffer passes bytes through and notes the first non-blank one.
type sniffer struct {
	w     io.Writer
	first byte
}

func (s *sniffer) Write(p []byte) (int, error) {
	if s.first == 0 {
		for _, c := range p {
			if c != ' ' && c != '\t' && c != '\n' && c != '\r' {
				s.first = c
				break
			}
		}
	}
	return s.w.Write(p)
}

func (s *sniffer) object() bool { return s.first == '{' }

// fetchLinkTargets fetches the objects links point to that were not listed.
// Targets before the range are fetched to check the link into it, not
// followed further. It returns how many were queued.
func (v *validator) fetchLinkTargets(r *region) int {
	var targets []*digestObj
	for _, d := range r.digests {
		if d.backfill || d.boundary || d.d == nil || d.readErr != "" || errors.Is(d.verr, digest.ErrMoved) {
			continue
		}
		pb, pk := d.d.PreviousDigestS3Bucket, d.d.PreviousDigestS3Object
		if pb == nil || pk == nil || *pb == "" || *pk == "" {
			continue
		}
		k := objKey{*pb, *pk}
		if r.digests[k] != nil {
			continue
		}
		t := &digestObj{region: r, bucket: *pb, key: *pk}
		t.keyEnd, t.backfill, t.keyOK = v.lay.parseDigestKey(r.name, *pk)
		t.boundary = t.keyOK && t.keyEnd.Before(v.start)
		r.digests[k] = t
		targets = append(targets, t)
	}
	for _, t := range targets {
		v.queueDigest(t)
	}
	return len(targets)
}

func s3url(bucket, key string) string { return "s3://" + bucket + "/" + key }

func fmtTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// report assembles the Report.
func (v *validator) report() Report {
	rep := Report{Trail: v.opts.Trail, StartTime: v.start, EndTime: v.end}
	for _, r := range v.regions {
		rep.Regions = append(rep.Regions, r.name)
		for _, d := range r.digests {
			inRange := !d.keyOK || (!d.keyEnd.Before(v.start) && !d.keyEnd.After(v.listEnd))
			if d.boundary || !(d.listed || d.inferred || inRange) {
				continue
			}
			valid := !hasError(d.problems)
			c := &rep.Digests
			ft := DigestFile
			if d.backfill {
				c, ft = &rep.BackfillDigests, BackfillDigestFile
			}
			c.Total++
			if valid {
				c.Valid++
				if d.timesOK {
					s, e := maxTime(d.start, v.start), minTime(d.end, v.end)
					if rep.FoundStart.IsZero() || s.Before(rep.FoundStart) {
						rep.FoundStart = s
					}
					if rep.FoundEnd.IsZero() || e.After(rep.FoundEnd) {
						rep.FoundEnd = e
					}
				}
			}
			if v.opts.Verbose && !d.inferred {
				rep.Files = append(rep.Files, File{Type: ft, Region: r.name, Bucket: d.bucket, Key: d.key, Time: d.keyEnd, Valid: valid})
			}
		}
		rep.Digests.Total += r.extraMissing
		for _, p := range r.problems {
			if p.Kind == LogNotDigested {
				rep.LogFiles.Total++
			}
			rep.Problems = append(rep.Problems, *p)
		}
	}
	for _, l := range v.logs {
		rep.LogFiles.Total++
		valid := l.valid()
		if valid {
			rep.LogFiles.Valid++
		}
		if v.opts.Verbose {
			rep.Files = append(rep.Files, File{Type: LogFile, Region: l.region, Bucket: l.bucket, Key: l.key, Time: l.time, Valid: valid})
		}
	}
	sort.SliceStable(rep.Problems, func(i, j int) bool {
		a, b := rep.Problems[i], rep.Problems[j]
		if a.Region != b.Region {
			return a.Region < b.Region
		}
		if !a.Time.Equal(b.Time) {
			return a.Time.Before(b.Time)
		}
		if a.IsLog() != b.IsLog() {
			return !a.IsLog()
		}
		return a.Key < b.Key
	})
	sort.Slice(rep.Files, func(i, j int) bool {
		a, b := rep.Files[i], rep.Files[j]
		if a.Region != b.Region {
			return a.Region < b.Region
		}
		if (a.Type == LogFile) != (b.Type == LogFile) {
			return a.Type != LogFile
		}
		if !a.Time.Equal(b.Time) {
			return a.Time.Before(b.Time)
		}
		return a.Key < b.Key
	})
	return rep
}

func (l *logObj) valid() bool {
	if l.missing || l.readErr != "" {
		return false
	}
	for _, w := range l.want {
		if w.hash != l.got {
			return false
		}
	}
	return true
}

func hasError(ps []*Problem) bool {
	for _, p := range ps {
		if p.Severity == Error {
			return true
		}
	}
	return false
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
