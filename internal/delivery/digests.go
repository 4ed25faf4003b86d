package delivery

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/cairn-audit/cairn/internal/anchor"
	"github.com/cairn-audit/cairn/internal/bucket"
	"github.com/cairn-audit/cairn/internal/digest"
	"github.com/cairn-audit/cairn/internal/trail"
)

// DefaultDigestInterval is how often a trail with log file validation writes
// a digest per region, as AWS (hourly).
const DefaultDigestInterval = time.Hour

// MinDigestInterval is the shortest digest interval the command line accepts
// (digest times have second precision; intervals under a minute are for tests).
const MinDigestInterval = time.Second

// Signer hands out a region's digest signing key for a time (the key valid
// then), so a digest stored again after a crash is sealed identically.
type Signer interface {
	KeyAt(region string, t time.Time) (*digest.SigningKey, error)
}

// chain is one region's digest chain of a trail with log file validation:
// the window the next digest covers and the log files stored in it.
type chain struct {
	Start  time.Time        `json:"start"`
	Prev   *digest.Link     `json:"prev,omitempty"` // nil: the next digest starts a chain
	Files  []digest.LogFile `json:"files,omitempty"`
	Oldest string           `json:"oldest,omitempty"`
	Newest string           `json:"newest,omitempty"`
	// Pending is the end time of the digest being stored: after a crash the
	// same digest (same window, files, key) is stored again.
	Pending *time.Time `json:"pending,omitempty"`
	Final   bool       `json:"final,omitempty"` // the pending digest ends the chain
}

// validating reports whether the trail digests its log files.
func (w *worker) validating(t trail.Trail) bool {
	return t.LogFileValidationEnabled && w.e.opts.Signer != nil
}

// addFiles puts stored log files into their region's chain (called with the
// batch's commit, so files and cursor are saved together).
func (w *worker) addFiles(t trail.Trail, b *batch, files []pendingFile, stored time.Time) {
	if !w.validating(t) {
		return
	}
	if w.st.Chains == nil {
		w.st.Chains = map[string]*chain{}
	}
	for _, pf := range files {
		rf := b.files[pf.Region]
		if rf == nil {
			continue
		}
		c := w.st.Chains[pf.Region]
		if c == nil {
			c = &chain{Start: stored.Truncate(time.Second)}
			w.st.Chains[pf.Region] = c
		}
		c.Files = append(c.Files, digest.LogFile{
			S3Bucket: t.S3BucketName, S3Object: pf.Key, HashValue: rf.hash(), HashAlgorithm: digest.HashAlgorithm,
			NewestEventTime: rf.newest, OldestEventTime: rf.oldest,
		})
		if c.Oldest == "" || rf.oldest < c.Oldest {
			c.Oldest = rf.oldest
		}
		if rf.newest > c.Newest {
			c.Newest = rf.newest
		}
	}
}

// nextDigest is when the next digest falls due (zero: none).
func (w *worker) nextDigest() time.Time {
	var next time.Time
	for _, c := range w.st.Chains {
		due := c.Start.Add(w.e.opts.DigestInterval)
		if c.Pending != nil {
			due = time.Time{}.Add(1) // at once
		}
		if next.IsZero() || due.Before(next) {
			next = due
		}
	}
	return next
}

// writeDigests writes every digest that is due: hourly (DigestInterval) per
// region while the trail logs with validation on; a final one when logging
// stopped and everything up to StopLogging is delivered, or validation was
// turned off. The home region's chain runs even without log files, so a
// missing digest is detectable.
func (w *worker) writeDigests(ctx context.Context) error {
	f := w.e.filter(w.id)
	if f == nil {
		return nil
	}
	t := f.t
	now := w.e.opts.Now().UTC().Truncate(time.Second)
	validating := w.validating(t)
	ended := !validating || (!t.IsLogging() && w.caughtUp(t))
	if validating && t.IsLogging() && w.st.Chains[t.HomeRegion] == nil {
		if w.st.Chains == nil {
			w.st.Chains = map[string]*chain{}
		}
		w.st.Chains[t.HomeRegion] = &chain{Start: now}
	}
	for _, region := range sortedKeys(w.st.Chains) {
		c := w.st.Chains[region]
		if c.Pending == nil {
			switch {
			case ended && c.Prev == nil && len(c.Files) == 0:
				delete(w.st.Chains, region) // never written: nothing to close
				continue
			case ended:
				c.Final = true
			case now.Before(c.Start.Add(w.e.opts.DigestInterval)):
				continue
			}
			// On schedule, windows are exactly DigestInterval long (as AWS's
			// hourly ones), so a missing digest's name can be told from its
			// neighbours; after a long stop, or at a chain's end, the window
			// runs to now.
			end := now
			if due := c.Start.Add(w.e.opts.DigestInterval); !c.Final && now.Before(due.Add(w.e.opts.DigestInterval)) {
				end = due
			}
			if !end.After(c.Start) {
				end = c.Start.Add(time.Second)
			}
			c.Pending = &end
			if err := saveState(w.dir, &w.st); err != nil {
				return err
			}
		}
		if err := w.storeDigest(ctx, t, region, c); err != nil {
			return err
		}
	}
	return nil
}

// storeDigest seals and stores the chain's pending digest, then advances
// the chain (or ends it).
func (w *worker) storeDigest(ctx context.Context, t trail.Trail, region string, c *chain) error {
	end := *c.Pending
	d := digest.Digest{
		AWSAccountID:    t.Account,
		DigestStartTime: c.Start.Format(digest.TimeFormat),
		DigestEndTime:   end.Format(digest.TimeFormat),
		LogFiles:        c.Files,
	}
	if c.Oldest != "" {
		d.OldestEventTime, d.NewestEventTime = &c.Oldest, &c.Newest
	}
	key := digest.Key(t.S3KeyPrefix, t.Account, region, t.Name, t.HomeRegion, end)
	fail := func(err error) error {
		w.setStatus(func(s *trail.Status) { s.LatestDigestDeliveryError = errorCode(err) })
		return fmt.Errorf("digest s3://%s/%s: %w", t.S3BucketName, key, err)
	}
	sk, err := w.e.opts.Signer.KeyAt(region, end)
	if err != nil {
		return fail(err)
	}
	sealed, err := digest.Seal(d, t.S3BucketName, key, c.Prev, sk)
	if err != nil {
		return fail(err)
	}
	if _, err := w.e.store.Put(ctx, t.S3BucketName, key, bytes.NewReader(sealed.Body), bucket.PutOptions{
		ContentType: "application/json", Metadata: sealed.Metadata, Size: int64(len(sealed.Body)),
	}); err != nil {
		return fail(err)
	}
	// Durable before advance: the chain does not move past a digest the
	// anchor does not hold (the worker retries with backoff).
	if a := w.e.opts.Anchor; a != nil {
		rec := anchor.Record{
			Trail: t.ARN, Region: region, Bucket: t.S3BucketName, Key: key, Start: d.DigestStartTime, End: d.DigestEndTime,
			Hash: sealed.Hash, Signature: sealed.Signature, Fingerprint: sk.Public.Fingerprint, Final: c.Final,
		}
		if c.Prev != nil {
			rec.PreviousHash = c.Prev.Hash
		}
		if err := a.Append(ctx, rec); err != nil {
			w.setStatus(func(s *trail.Status) { s.LatestDigestDeliveryError = "AnchorFailed: " + errorCode(err) })
			return fmt.Errorf("anchor digest s3://%s/%s to %s: %w", t.S3BucketName, key, a.Describe(), err)
		}
	}
	done := w.e.opts.Now().UTC()
	w.mu.Lock()
	if c.Final {
		delete(w.st.Chains, region)
	} else {
		link := sealed.Link(t.S3BucketName)
		*c = chain{Start: end, Prev: &link}
	}
	w.st.Status.LatestDigestDeliveryTime = done
	w.st.Status.LatestDigestDeliveryError = ""
	w.mu.Unlock()
	return saveState(w.dir, &w.st)
}

// caughtUp reports whether every event up to the last StopLogging is delivered.
func (w *worker) caughtUp(t trail.Trail) bool {
	if w.st.Pending != nil {
		return false
	}
	if n := len(t.Windows); n > 0 {
		return w.st.Cursor >= t.Windows[n-1].Stop
	}
	return true
}

func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }
