package validate

import (
	"fmt"
	"sort"
	"time"

	"github.com/cairn-audit/cairn/internal/anchor"
	"github.com/cairn-audit/cairn/internal/digest"
)

// Anchored is what a digest anchor holds for the trail (Options.Anchor).
type Anchored struct {
	Source   string          // the sink, for messages
	Records  []anchor.Record // the trail's records
	Problems []string        // found reading the sink (overwritten or deleted anchors)
}

// anchorTolerance is how long after it was stored a digest may still be
// waiting for its anchor: the producer anchors right after storing, and
// retries within a minute (an anchor outage shows in GetTrailStatus).
const anchorTolerance = 2 * time.Minute

// records returns the anchored records of region r whose end is in the
// checked range, oldest first.
func (v *validator) anchoredIn(r *region) []anchor.Record {
	var out []anchor.Record
	for _, rec := range v.opts.Anchor.Records {
		end := rec.EndTime()
		if rec.Region != r.name || rec.Bucket != v.opts.Trail.Bucket || end.Before(v.start) || end.After(v.listEnd) {
			continue
		}
		out = append(out, rec)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].EndTime().Before(out[j].EndTime()) })
	return out
}

// checkAnchor compares the region's digests with the anchor: every anchored
// digest must be in the bucket with the anchored hash and signature, every
// digest in the bucket must be anchored, and a chain may only restart after
// a final digest. The first digest that differs is named in a summary.
func (v *validator) checkAnchor(r *region) {
	if v.opts.Anchor == nil {
		return
	}
	src := v.opts.Anchor.Source
	iv := r.interval
	if iv == 0 {
		iv = time.Hour
	}
	recs := v.anchoredIn(r)
	var found []*Problem
	add := func(d *digestObj, p Problem) {
		found = append(found, v.addProblem(r, d, p))
	}
	anchored := map[objKey]bool{}
	for i, rec := range recs {
		k := objKey{rec.Bucket, rec.Key}
		anchored[k] = true
		end := rec.EndTime()
		d := r.digests[k]
		switch {
		case d == nil || d.missing:
			if d == nil {
				d = &digestObj{region: r, bucket: rec.Bucket, key: rec.Key, keyEnd: end, keyOK: true, missing: true, inferred: true}
				v.mu.Lock()
				r.digests[k] = d
				v.mu.Unlock()
			}
			add(d, Problem{Kind: AnchorMissing, Severity: Error, Bucket: rec.Bucket, Key: rec.Key, Time: end,
				Detail: fmt.Sprintf("not found: the anchor %s holds this digest (hash %s), anchored at %s; it was removed from the bucket", src, rec.Hash, fmtTime(rec.AnchoredAt))})
		case d.hash != rec.Hash || d.meta[digest.MetaSignature] != rec.Signature:
			what := "its content differs"
			if d.hash == rec.Hash {
				what = "its signature differs"
			}
			add(d, Problem{Kind: AnchorMismatch, Severity: Error, Bucket: rec.Bucket, Key: rec.Key, Time: end,
				Detail: fmt.Sprintf("differs from the anchored digest: %s (anchor %s: hash %s; bucket: hash %s): the digest was rewritten", what, src, rec.Hash, d.hash)})
		}
		if i > 0 && rec.PreviousHash == "" && !recs[i-1].Final {
			sev := Warning
			if v.opts.Continuous {
				sev = Error
			}
			add(nil, Problem{Kind: AnchorRestart, Severity: sev, Bucket: rec.Bucket, Key: rec.Key, Time: end,
				Detail: fmt.Sprintf("the anchor shows the chain ending at %s without a final digest and a new chain starting here: the trail was deleted and re-created, or its delivery state reset", recs[i-1].End)})
		}
	}
	var oldest, newest time.Time
	for _, rec := range v.opts.Anchor.Records {
		if e := rec.EndTime(); oldest.IsZero() || e.Before(oldest) {
			oldest = e
		}
		if e := rec.EndTime(); e.After(newest) {
			newest = e
		}
	}
	for k, d := range r.digests {
		if anchored[k] || !d.listed || d.missing || d.backfill || d.boundary || d.keyEnd.Before(v.start) || d.keyEnd.After(v.listEnd) {
			continue
		}
		switch {
		case oldest.IsZero() || d.keyEnd.Before(oldest):
			v.addProblem(r, d, Problem{Kind: NotAnchored, Severity: Info, Bucket: d.bucket, Key: d.key, Time: d.keyEnd,
				Detail: "predates the anchor's first record: it cannot be checked against the anchor"})
		case d.keyEnd.After(newest) && v.now.Sub(d.modified) < anchorTolerance:
			v.addProblem(r, d, Problem{Kind: NotAnchored, Severity: Warning, Bucket: d.bucket, Key: d.key, Time: d.keyEnd,
				Detail: fmt.Sprintf("not in the anchor %s yet (stored at %s; the producer may still be retrying the anchor)", src, fmtTime(d.modified))})
		default:
			add(d, Problem{Kind: NotAnchored, Severity: Error, Bucket: d.bucket, Key: d.key, Time: d.keyEnd,
				Detail: fmt.Sprintf("not in the anchor %s: Cairn never delivered this digest (forged, or re-signed under another name)", src)})
		}
	}
	if len(found) == 0 {
		return
	}
	sort.SliceStable(found, func(i, j int) bool { return found[i].Time.Before(found[j].Time) })
	first := found[0]
	v.addProblem(r, nil, Problem{Kind: AnchorMismatch, Severity: Error, Time: first.Time,
		Detail: fmt.Sprintf("the digest chain in the bucket is not the one anchored in %s: the first digest that differs is %s (%s); %d digest(s) differ", src, s3url(first.Bucket, first.Key), first.Kind, len(found))})
}

// checkAnchorSink reports what reading the anchor found, once (home region).
func (v *validator) checkAnchorSink(r *region) {
	if v.opts.Anchor == nil || r.name != v.opts.Trail.HomeRegion {
		return
	}
	for _, p := range v.opts.Anchor.Problems {
		v.addProblem(r, nil, Problem{Kind: AnchorMismatch, Severity: Error, Time: v.start, Detail: "anchor " + v.opts.Anchor.Source + ": " + p})
	}
	if len(v.opts.Anchor.Records) == 0 {
		v.addProblem(r, nil, Problem{Kind: NotAnchored, Severity: Warning, Time: v.start,
			Detail: fmt.Sprintf("the anchor %s holds no record of this trail", v.opts.Anchor.Source)})
	}
}

// checkChainEnd compares the newest digest in the bucket with where the
// producer says the chain ends (Options.ChainEnd: GetTrailStatus
// LatestDigestDeliveryTime): if the newest digest was stored well before the
// latest delivery, the newest digests were removed.
func (v *validator) checkChainEnd() {
	ce := v.opts.ChainEnd
	if ce.IsZero() || len(v.opts.Regions) > 0 || ce.Before(v.start) || ce.After(v.listEnd) {
		return
	}
	var newest *digestObj
	iv := v.opts.DigestInterval
	var home *region
	for _, r := range v.regions {
		if r.name == v.opts.Trail.HomeRegion {
			home = r
		}
		iv = max(iv, r.interval)
		for _, d := range r.digests {
			if !d.listed || d.missing || d.backfill || d.boundary {
				continue
			}
			if newest == nil || d.modified.After(newest.modified) {
				newest = d
			}
		}
	}
	if home == nil {
		return
	}
	if iv == 0 {
		iv = time.Hour
	}
	tol := max(2*time.Second, min(30*time.Second, iv/4)) // the Put before the status update, clock granularity
	src := v.opts.ChainEndSource
	if src == "" {
		src = "the producer"
	}
	switch {
	case newest == nil:
		v.addProblem(home, nil, Problem{Kind: ChainTruncated, Severity: Error, Time: ce,
			Detail: fmt.Sprintf("no digest files in the bucket, although %s says a digest was delivered at %s: the digests were removed", src, fmtTime(ce))})
	case newest.modified.Truncate(time.Second).Before(ce.Truncate(time.Second).Add(-tol)):
		v.addProblem(home, nil, Problem{Kind: ChainTruncated, Severity: Error, Bucket: newest.bucket, Key: newest.key, Time: newest.keyEnd,
			Detail: fmt.Sprintf("the newest digest in the bucket was stored at %s, but %s says a digest was delivered at %s: the newest digests (and their log files) were removed",
				fmtTime(newest.modified), src, fmtTime(ce))})
	}
}
