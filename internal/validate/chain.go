package validate

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/cairn-audit/cairn/internal/digest"
)

// grace is the delivery delay the Continuous checks tolerate for a digest
// interval iv.
func (v *validator) grace(iv time.Duration) time.Duration {
	if v.opts.Grace > 0 {
		return v.opts.Grace
	}
	return max(iv/2, time.Minute)
}

// maxInferred bounds the missing digests reported one by one for one gap;
// the rest are counted in a single problem.
const maxInferred = 48

// addProblem records a problem of region r, attached to digest d if not nil.
func (v *validator) addProblem(r *region, d *digestObj, p Problem) *Problem {
	p.Region = r.name
	if p.Severity == Warning && v.opts.Strict {
		p.Severity = Error
	}
	if p.Bucket == "" && p.Key != "" {
		p.Bucket = v.opts.Trail.Bucket
	}
	pp := &p
	r.problems = append(r.problems, pp)
	if d != nil {
		d.problems = append(d.problems, pp)
	}
	return pp
}

// digestProblem records a problem about digest d at its location.
func (v *validator) digestProblem(d *digestObj, kind Kind, sev Severity, detail string) *Problem {
	t := d.keyEnd
	if !d.keyOK && d.timesOK {
		t = d.end
	}
	return v.addProblem(d.region, d, Problem{Kind: kind, Severity: sev, Backfill: d.backfill, Bucket: d.bucket, Key: d.key, Time: t, Detail: detail})
}

// usable reports whether d's content can be read for its links.
func (d *digestObj) usable() bool {
	return !d.missing && d.readErr == "" && d.d != nil && !errors.Is(d.verr, digest.ErrMoved)
}

func (d *digestObj) link() (bucket, key string, ok bool) {
	if d.d == nil || d.d.PreviousDigestS3Bucket == nil || d.d.PreviousDigestS3Object == nil || *d.d.PreviousDigestS3Object == "" {
		return "", "", false
	}
	return *d.d.PreviousDigestS3Bucket, *d.d.PreviousDigestS3Object, true
}

// startTime and endTime are the digest's window from its JSON, or from its
// key and the interval.
func (d *digestObj) endTime() time.Time {
	if d.timesOK {
		return d.end
	}
	return d.keyEnd
}

func (d *digestObj) startTime(interval time.Duration) time.Time {
	if d.timesOK {
		return d.start
	}
	return d.keyEnd.Add(-interval)
}

// intervalOf is Options.DigestInterval, or the most common window length of
// the region's digests, or 0. Ties go to the longer window: the short ones
// are typically a chain's last digest (after StopLogging), which covers only
// the part of an interval before logging stopped.
func (v *validator) intervalOf(ds []*digestObj) time.Duration {
	if v.opts.DigestInterval > 0 {
		return v.opts.DigestInterval
	}
	counts := map[time.Duration]int{}
	for _, d := range ds {
		if d.timesOK && d.readErr == "" {
			if l := d.end.Sub(d.start).Round(time.Second); l > 0 {
				counts[l]++
			}
		}
	}
	var best time.Duration
	for l, n := range counts {
		if n > counts[best] || (n == counts[best] && l > best) {
			best = l
		}
	}
	return best
}

// analyseChain checks the links of the region's digests and classifies each.
func (v *validator) analyseChain(r *region) {
	var normals, backfills []*digestObj
	for _, d := range r.digests {
		if d.backfill {
			backfills = append(backfills, d)
		} else {
			normals = append(normals, d)
		}
	}
	newestFirst := func(a, b *digestObj) int {
		if a.keyOK != b.keyOK {
			if a.keyOK {
				return -1
			}
			return 1
		}
		if c := b.keyEnd.Compare(a.keyEnd); c != 0 {
			return c
		}
		return strings.Compare(b.key, a.key)
	}
	slices.SortFunc(normals, newestFirst)
	slices.SortFunc(backfills, newestFirst)
	r.interval = v.intervalOf(normals)

	// Links, newest first: a digest proven authentic proves its predecessor's
	// content through previousDigestHashValue.
	v.resolveLinks(r, normals, false)
	v.resolveLinks(r, backfills, true)
	for _, d := range normals {
		v.classify(d)
	}
	for _, d := range backfills {
		v.classify(d)
	}
	v.checkGaps(r, normals)
	// Digests proven through the chain have their log files checked too.
	for _, d := range r.digests {
		if d.authentic && !d.boundary {
			v.queueLogs(d)
		}
	}
}

// resolveLinks sets each digest's successor from the previous* links of ds
// (newest first) and checks every link against the object it names. When
// two digests name the same predecessor, the one that is itself reached by
// a link (or the newest) keeps it; the other is a fork.
func (v *validator) resolveLinks(r *region, ds []*digestObj, backfill bool) {
	claims := map[*digestObj][]*digestObj{}
	for _, d := range ds {
		if !d.usable() {
			continue
		}
		pb, pk, ok := d.link()
		if !ok {
			continue
		}
		t := r.digests[objKey{pb, pk}]
		switch {
		case t == nil:
			// a backfill digest's link to an object not fetched
		case t == d:
			v.digestProblem(d, ChainMismatch, Error, "previousDigestS3Object names the digest itself")
		case t.keyOK && d.keyOK && !t.keyEnd.Before(d.keyEnd):
			v.digestProblem(d, ChainMismatch, Error, "previousDigestS3Object names a digest that is not older: "+s3url(pb, pk))
		default:
			claims[t] = append(claims[t], d)
		}
	}
	for _, t := range ds {
		cs := claims[t]
		if len(cs) == 0 {
			continue
		}
		winner := cs[0]
		for _, c := range cs[1:] {
			if winner.succ == nil && c.succ != nil {
				winner = c
			}
		}
		for _, c := range cs {
			if c != winner {
				c.forkOf, c.forkWith = t, winner
			}
		}
		t.succ = winner
		v.checkLink(r, winner, t, backfill)
	}
}

// checkLink compares d's previous* link with t, the object it names.
func (v *validator) checkLink(r *region, d, t *digestObj, backfill bool) {
	if t.missing || t.readErr != "" || t.d == nil {
		return
	}
	t.hashOK = strings.EqualFold(deref(d.d.PreviousDigestHashValue), t.hash)
	if t.hashOK && d.authentic && !errors.Is(t.verr, digest.ErrMoved) {
		t.authentic = true
	}
	if t.verr != nil && t.raw != nil {
		if sig := deref(d.d.PreviousDigestSignature); sig != "" {
			keys, err := v.keysFor(r, time.Time{}, time.Time{})
			if err == nil {
				meta := map[string]string{digest.MetaSignature: sig, digest.MetaSignatureAlgorithm: digest.SignatureAlgorithm}
				_, err = digest.Verify(t.raw, t.bucket, t.key, meta, keys)
				t.linkSigOK = err == nil
			}
		}
	}
	if !d.authentic {
		return // its record of t proves nothing: d itself is reported
	}
	if alg := deref(d.d.PreviousDigestHashAlgorithm); alg != digest.HashAlgorithm {
		v.digestProblem(d, ChainMismatch, Error, fmt.Sprintf("previousDigestHashAlgorithm is %q, not %s", alg, digest.HashAlgorithm))
	}
	if !backfill && d.timesOK && t.timesOK && !d.start.Equal(t.end) {
		v.digestProblem(d, ChainMismatch, Error, fmt.Sprintf("digestStartTime %s does not follow the digestEndTime %s of the previous digest %s",
			fmtTime(d.start), fmtTime(t.end), s3url(t.bucket, t.key)))
	}
}

// classify records what is wrong with digest d itself (missing digests are
// left to checkGaps).
func (v *validator) classify(d *digestObj) {
	if d.missing || d.inferred {
		return
	}
	r := d.region
	via := ""
	if d.succ != nil {
		via = s3url(d.succ.bucket, d.succ.key)
	}
	proven := ""
	if d.verr != nil && d.authentic {
		proven = "; its content is authenticated through the chain (previousDigestHashValue in " + via + ")"
	}
	switch {
	case d.readErr != "":
		v.digestProblem(d, DigestUnreadable, Error, d.readErr)
	case errors.Is(d.verr, digest.ErrMoved):
		v.digestProblem(d, DigestMoved, Error, fmt.Sprintf("has been moved from its original location %s", s3url(d.d.DigestS3Bucket, d.d.DigestS3Object)))
	case errors.Is(d.verr, digest.ErrFormat):
		v.digestProblem(d, DigestUnreadable, Error, d.verr.Error())
	case errors.Is(d.verr, digest.ErrNoSignature):
		v.digestProblem(d, SignatureMissing, Error, d.verr.Error()+proven+linkSigNote(d))
	case errors.Is(d.verr, digest.ErrUnknownKey):
		v.digestProblem(d, UnknownKey, Error, fmt.Sprintf("public key not found in region %s for fingerprint %s", r.name, d.d.DigestPublicKeyFingerprint)+proven)
	case errors.Is(d.verr, digest.ErrBadKey):
		v.digestProblem(d, UnknownKey, Error, fmt.Sprintf("Unable to load PKCS #1 key with fingerprint %s (region %s)", d.d.DigestPublicKeyFingerprint, r.name)+proven)
	case errors.Is(d.verr, digest.ErrBadSignature) && d.succ != nil && d.succ.authentic && d.hashOK:
		v.digestProblem(d, SignatureAltered, Error, "signature verification failed: the signature metadata was altered (the content matches previousDigestHashValue in "+via+")"+linkSigNote(d))
	case d.verr != nil:
		detail := d.verr.Error()
		if d.succ != nil && d.succ.authentic && !d.hashOK {
			detail += "; the content differs from previousDigestHashValue in " + via
		}
		v.digestProblem(d, DigestModified, Error, detail)
	case d.succ != nil && d.succ.authentic && !d.hashOK:
		v.digestProblem(d, ChainMismatch, Error, "its content does not match previousDigestHashValue in "+via)
	case d.succ != nil && d.succ.authentic && !strings.EqualFold(deref(d.succ.d.PreviousDigestSignature), d.meta[digest.MetaSignature]):
		v.digestProblem(d, ChainMismatch, Error, "its signature metadata differs from previousDigestSignature in "+via)
	}
	if d.forkOf != nil && d.succ != nil {
		v.digestProblem(d, ChainMismatch, Error, fmt.Sprintf("names the same previous digest %s as %s", s3url(d.forkOf.bucket, d.forkOf.key), s3url(d.forkWith.bucket, d.forkWith.key)))
	}
	if d.usable() && d.keyOK && d.timesOK && !d.end.Equal(d.keyEnd) {
		v.digestProblem(d, ChainMismatch, Error, fmt.Sprintf("digestEndTime %s differs from the time in its key", fmtTime(d.end)))
	}
}

func linkSigNote(d *digestObj) string {
	if d.succ == nil || !d.succ.authentic {
		return ""
	}
	if d.linkSigOK {
		return "; previousDigestSignature in " + s3url(d.succ.bucket, d.succ.key) + " verifies it"
	}
	return ""
}

// checkGaps finds missing digests (links to missing objects, with the time
// gap telling how many), chain restarts, and digests no link reaches.
// normals is newest first.
func (v *validator) checkGaps(r *region, normals []*digestObj) {
	iv := r.interval
	// olderThan is the newest digest present before t, preferring ones
	// without problems (so that an inserted digest does not take the place
	// of the real end of a chain).
	olderThan := func(t time.Time, except *digestObj) *digestObj {
		var any *digestObj
		for _, o := range normals {
			if o == except || o.missing || o.inferred || !o.keyOK || !o.keyEnd.Before(t) {
				continue
			}
			if len(o.problems) == 0 {
				return o
			}
			if any == nil {
				any = o
			}
		}
		return any
	}
	for _, d := range normals {
		if d.inferred || d.boundary {
			continue
		}
		if !d.usable() {
			if d.missing && d.succ == nil {
				v.digestProblem(d, DigestMissing, Error, "not found: deleted while validating")
			}
			if d.keyOK {
				if o := olderThan(d.keyEnd, d); o != nil {
					o.anchored = true // its successor cannot be read
				}
			}
			continue
		}
		pb, pk, ok := d.link()
		if !ok {
			v.chainStart(r, d, olderThan(d.keyEnd, d))
			continue
		}
		t := r.digests[objKey{pb, pk}]
		if t == nil || t.succ != d || !t.missing {
			continue
		}
		if t.boundary {
			v.digestProblem(t, DigestMissing, Info, fmt.Sprintf("not found: %s, the oldest digest of the range, links to it (expired?); the chain is not checked further back", s3url(d.bucket, d.key)))
			continue
		}
		bound := d.keyEnd
		if t.keyOK {
			bound = t.keyEnd
		}
		v.missingRun(r, t, d, olderThan(bound, t), iv)
	}

	// Digests no link reaches, older than the newest authentic one.
	var head *digestObj
	for _, d := range normals {
		if d.authentic && !d.boundary && d.keyOK {
			head = d
			break
		}
	}
	if head == nil {
		return
	}
	for _, d := range normals {
		if d.missing || d.inferred || d.boundary || !d.keyOK || d.succ != nil || d.anchored || !d.keyEnd.Before(head.keyEnd) {
			continue
		}
		fork := ""
		if d.forkOf != nil {
			fork = fmt.Sprintf(" (it names the same previous digest %s as %s)", s3url(d.forkOf.bucket, d.forkOf.key), s3url(d.forkWith.bucket, d.forkWith.key))
		}
		if len(d.problems) > 0 {
			d.problems[0].Detail += "; no chain link reaches it" + fork
			continue
		}
		v.digestProblem(d, DigestOutOfChain, Error, "no chain link reaches it: no newer digest's previousDigestS3Object names it (inserted, or a second digest for the same window)"+fork)
	}
}

// chainStart handles a digest whose previous* fields are null: AWS's gap
// notice if an older chain exists, and with Continuous, a gap that is too long.
func (v *validator) chainStart(r *region, d, older *digestObj) {
	iv := r.interval
	if iv == 0 {
		iv = time.Hour
	}
	dStart := d.startTime(iv)
	if older == nil {
		if v.opts.Continuous && dStart.Sub(v.start) > v.grace(iv) {
			v.addProblem(r, nil, Problem{Kind: ChainTruncated, Severity: Error, Bucket: d.bucket, Key: d.key, Time: dStart,
				Detail: fmt.Sprintf("the oldest digest chain starts at %s, %s after the start of the range, although the trail was logging throughout: earlier digests are missing or were not delivered", fmtTime(dStart), dStart.Sub(v.start))})
		}
		return
	}
	older.anchored = true
	oEnd := older.endTime()
	v.addProblem(r, nil, Problem{Kind: ChainRestarted, Severity: Info, Bucket: d.bucket, Key: d.key, Time: oEnd,
		Detail: fmt.Sprintf("No log files were delivered by CloudTrail between %s and %s (%s: digest chain restarted at %s)", fmtTime(oEnd), fmtTime(dStart), r.name, s3url(d.bucket, d.key))})
	if gap := dStart.Sub(oEnd); v.opts.Continuous && gap > iv+v.grace(iv) {
		v.addProblem(r, nil, Problem{Kind: ChainTruncated, Severity: Error, Bucket: older.bucket, Key: older.key, Time: oEnd,
			Detail: fmt.Sprintf("the digest chain ends at %s and the next one starts at %s (%s): a gap of %s (about %d digests) although the trail was logging throughout",
				fmtTime(oEnd), fmtTime(dStart), s3url(d.bucket, d.key), gap, int(math.Round(float64(gap)/float64(iv))))})
	}
}

// missingRun reports the digest t that d links to as missing, and the
// digests the time gap back to the older digest present shows missing too.
func (v *validator) missingRun(r *region, t, d, older *digestObj, iv time.Duration) {
	upper := d.startTime(iv)
	if !d.timesOK && t.keyOK {
		upper = t.keyEnd
	}
	n := 1
	var lower time.Time
	detail := "not found: the digest was deleted (" + s3url(d.bucket, d.key) + " links to it)"
	if older != nil {
		older.anchored = true
		lower = older.endTime()
		span := fmt.Sprintf("between %s (ends %s) and %s (starts %s)", s3url(older.bucket, older.key), fmtTime(lower), s3url(d.bucket, d.key), fmtTime(upper))
		if iv > 0 {
			n = max(1, int(math.Round(float64(upper.Sub(lower))/float64(iv))))
			if n > 1 {
				detail += fmt.Sprintf("; %d consecutive digests are missing %s", n, span)
			}
		} else if upper.After(lower) {
			detail += "; digests are missing " + span
		}
	}
	for _, m := range r.digests {
		if m.d != nil && errors.Is(m.verr, digest.ErrMoved) && m.d.DigestS3Bucket == t.bucket && m.d.DigestS3Object == t.key {
			detail += "; the digest signed for this location is at " + s3url(m.bucket, m.key) + " (moved)"
		}
	}
	p := v.digestProblem(t, DigestMissing, Error, detail)
	wStart := lower
	if older == nil {
		step := iv
		if step == 0 {
			step = time.Hour
		}
		wStart = upper.Add(-step)
	}
	r.lost = append(r.lost, window{start: wStart, end: upper, digest: t, problem: p})
	for k := 1; k < n; k++ {
		end := lower.Add(time.Duration(k) * iv)
		if k > maxInferred {
			v.addProblem(r, nil, Problem{Kind: DigestMissing, Severity: Error, Bucket: t.bucket, Key: v.lay.digestKey(r.name, end, false), Time: end,
				Detail: fmt.Sprintf("not found: %d more digests up to %s deleted, as the same time gap shows", n-k, fmtTime(upper))})
			r.extraMissing += n - k
			break
		}
		key := v.lay.digestKey(r.name, end, false)
		k2 := objKey{t.bucket, key}
		if r.digests[k2] != nil {
			continue
		}
		m := &digestObj{region: r, bucket: t.bucket, key: key, keyEnd: end, keyOK: true, inferred: true, missing: true}
		r.digests[k2] = m
		v.digestProblem(m, DigestMissing, Error, fmt.Sprintf("not found: deleted, inferred from the time gap between %s (ends %s) and %s (starts %s), which spans %d digest intervals of %s (key derived from the interval)",
			s3url(older.bucket, older.key), fmtTime(lower), s3url(d.bucket, d.key), fmtTime(upper), n, iv))
	}
}

// logProblems records what is wrong with the log files digests list.
func (v *validator) logProblems() {
	byName := map[string]*region{}
	for _, r := range v.regions {
		byName[r.name] = r
	}
	for _, l := range v.logs {
		r := byName[l.region]
		p := Problem{Bucket: l.bucket, Key: l.key, Time: l.time, Severity: Error}
		in := s3url(l.want[0].digest.bucket, l.want[0].digest.key)
		switch {
		case l.missing:
			p.Kind, p.Detail = LogMissing, "not found: the log file was deleted (listed in "+in+")"
			v.addProblem(r, nil, p)
		case l.readErr != "":
			p.Kind, p.Detail = LogUnreadable, l.readErr+" (listed in "+in+")"
			v.addProblem(r, nil, p)
		default:
			for _, w := range l.want {
				if w.hash == l.got {
					continue
				}
				p.Kind = LogModified
				p.Detail = fmt.Sprintf("hash value doesn't match: the log file was modified (%s lists %s, the file hashes to %s)", s3url(w.digest.bucket, w.digest.key), w.hash, l.got)
				if l.notJSON {
					// What was digested was JSON: this is not a log file any more.
					p.Kind = LogUnreadable
					p.Detail = fmt.Sprintf("invalid format: not a JSON object; hash value doesn't match (%s lists %s)", s3url(w.digest.bucket, w.digest.key), w.hash)
				}
				v.addProblem(r, nil, p)
			}
		}
	}
}

// checkCoverage compares the log files in the bucket with those the digests
// list, and with Continuous, checks the region's chain reaches EndTime.
func (v *validator) checkCoverage(r *region) {
	iv := r.interval
	var newest *window
	var all []window
	for _, d := range r.digests {
		if d.backfill || d.inferred || d.missing {
			continue
		}
		w := window{digest: d}
		switch {
		case d.timesOK && d.usable():
			w.start, w.end = d.start, d.end
		case iv > 0:
			w.start, w.end = d.keyEnd.Add(-iv), d.keyEnd
		default:
			continue
		}
		// A window also starts at the delivery minute in the name of the
		// oldest file it lists: a producer may name a file when it cuts the
		// batch and digest it when it is stored, a little later.
		if _, _, linked := d.link(); !linked {
			w.chainStart = w.start // validation began here (see below)
		}
		if d.d != nil {
			for _, lf := range d.d.LogFiles {
				if t := logTime(lf.S3Object, time.Time{}); !t.IsZero() && t.Before(w.end) {
					w.start = minTime(w.start, t)
				}
			}
		}
		if d.authentic {
			r.covered = append(r.covered, w)
		} else if len(d.problems) > 0 {
			w.problem = d.problems[0]
			r.lost = append(r.lost, w)
		}
	}
	all = append(append(all, r.covered...), r.lost...)
	byEnd := func(ws []window) {
		sort.Slice(ws, func(i, j int) bool { return ws[i].end.Before(ws[j].end) })
	}
	byEnd(r.covered)
	byEnd(r.lost)
	byEnd(all)
	var maxEnd time.Time
	if len(all) > 0 {
		newest = &all[len(all)-1]
		maxEnd = newest.end
	}
	maxLen := map[*[]window]time.Duration{}
	for _, ws := range []*[]window{&r.covered, &r.lost, &all} {
		for _, w := range *ws {
			maxLen[ws] = max(maxLen[ws], w.end.Sub(w.start))
		}
	}
	// overlapping returns the indexes of the windows of ws overlapping [a, b).
	overlapping := func(ws *[]window, a, b time.Time) []int {
		s := *ws
		var out []int
		i := sort.Search(len(s), func(i int) bool { return s[i].end.After(a) })
		for ; i < len(s) && s[i].end.Add(-maxLen[ws]).Before(b); i++ {
			if s[i].start.Before(b) {
				out = append(out, i)
			}
		}
		return out
	}
	// coveredBy reports whether the windows ws[idx] cover all of [a, b).
	coveredBy := func(ws []window, idx []int, a, b time.Time) bool {
		slices.SortFunc(idx, func(i, j int) int { return ws[i].start.Compare(ws[j].start) })
		for _, i := range idx {
			if ws[i].start.After(a) {
				return false
			}
			a = maxTime(a, ws[i].end)
		}
		return !a.Before(b)
	}

	logs := slices.Clone(r.inBucket)
	sort.Slice(logs, func(i, j int) bool {
		if !logs[i].time.Equal(logs[j].time) {
			return logs[i].time.Before(logs[j].time)
		}
		return logs[i].key < logs[j].key
	})
	b := v.opts.Trail.Bucket
	pending := 0
	type group struct {
		first, last bucketLog
		n           int
	}
	var groups []group
	gapOf := -2
	for _, l := range logs {
		if v.logs[objKey{b, l.key}] != nil {
			continue
		}
		// The name gives the delivery minute: the file was delivered in
		// [a, e). It should be in a digest only if valid digests cover all of it.
		a, e := l.time, l.time.Add(time.Minute)
		if idx := overlapping(&r.lost, a, e); len(idx) > 0 {
			r.lost[idx[0]].lostLogs++
			continue
		}
		if idx := overlapping(&r.covered, a, e); len(idx) > 0 && coveredBy(r.covered, idx, a, e) && !beforeChainStart(r.covered, idx, l) {
			w := r.covered[idx[0]]
			v.addProblem(r, nil, Problem{Kind: LogNotDigested, Severity: Error, Bucket: b, Key: l.key, Time: l.time,
				Detail: fmt.Sprintf("not listed in any digest, although delivered within the window of %s (%s to %s)", s3url(w.digest.bucket, w.digest.key), fmtTime(w.start), fmtTime(w.end))})
			continue
		}
		if len(all) > 0 && e.After(maxEnd) {
			pending++ // possibly delivered after the newest digest
			continue
		}
		gap := sort.Search(len(all), func(i int) bool { return all[i].end.After(a) })
		if gap != gapOf || len(groups) == 0 {
			groups = append(groups, group{first: l})
			gapOf = gap
		}
		g := &groups[len(groups)-1]
		g.last = l
		g.n++
	}
	for _, g := range groups {
		v.addProblem(r, nil, Problem{Kind: LogUncovered, Severity: Warning, Bucket: b, Key: g.first.key, Time: g.first.time,
			Detail: fmt.Sprintf("%d log file(s) delivered between %s and %s are in no digest, and no digest covers that time (log file validation off, or the digests were removed)",
				g.n, fmtTime(g.first.time), fmtTime(g.last.time))})
	}
	for _, w := range r.lost {
		if w.lostLogs > 0 && w.problem != nil {
			w.problem.Detail += fmt.Sprintf("; %d log file(s) delivered in its window cannot be verified", w.lostLogs)
		}
	}

	if !v.opts.Continuous {
		return
	}
	step := iv
	if step == 0 {
		step = time.Hour
	}
	effEnd := minTime(v.end, v.now)
	switch {
	case newest == nil && (len(logs) > 0 || len(v.opts.Regions) > 0 || r.name == v.opts.Trail.HomeRegion):
		v.addProblem(r, nil, Problem{Kind: ChainTruncated, Severity: Error, Time: v.start,
			Detail: fmt.Sprintf("no digest files between %s and %s although the trail was logging throughout", fmtTime(v.start), fmtTime(effEnd))})
	case newest != nil && effEnd.Sub(newest.end) > step+v.grace(step):
		d := newest.digest
		detail := fmt.Sprintf("the newest digest ends at %s, %s before %s, although the trail was logging throughout: later digests are missing or were not delivered",
			fmtTime(newest.end), effEnd.Sub(newest.end), fmtTime(effEnd))
		if pending > 0 {
			detail += fmt.Sprintf("; %d log file(s) delivered after it are in no digest", pending)
		}
		v.addProblem(r, nil, Problem{Kind: ChainTruncated, Severity: Error, Bucket: d.bucket, Key: d.key, Time: newest.end, Detail: detail})
	}
}

// beforeChainStart reports whether log file l was stored before the start
// of a chain whose first digest's window (extended to the minute of the
// files it lists) covers l's name minute: validation was turned on after l
// was delivered, in the same minute (update-trail on a delivering trail),
// so no digest was to list it. Such a file is left to the uncovered check
// (a warning). It trusts the bucket's LastModified, as the chain-end check
// does; a file stored later (a forged one) is still log-not-digested.
func beforeChainStart(ws []window, idx []int, l bucketLog) bool {
	if l.modified.IsZero() {
		return false
	}
	for _, i := range idx {
		if cs := ws[i].chainStart; !cs.IsZero() && l.time.Before(cs) && l.modified.Before(cs) {
			return true
		}
	}
	return false
}
