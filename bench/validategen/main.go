// Command validategen writes one day of a busy trail into a Cairn data
// directory, as delivery with log file validation would have: log files
// every 5 minutes in the embedded bucket store, hourly signed digests chained
// across the day, the trail in trails/ and the signing key in keys/digest/.
// bench/run.sh then serves the directory and times `aws cloudtrail
// validate-logs` and `cairn validate` on the same bucket.
//
// Usage: validategen -data DIR [-events 1000000] [-day 2026-11-20]
package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/cairn-audit/cairn/bench/historygen/synth"
	"github.com/cairn-audit/cairn/internal/bucket"
	"github.com/cairn-audit/cairn/internal/bucket/file"
	"github.com/cairn-audit/cairn/internal/delivery"
	"github.com/cairn-audit/cairn/internal/digest"
	"github.com/cairn-audit/cairn/internal/event"
	"github.com/cairn-audit/cairn/internal/trail"
)

const (
	account  = "123456789012"
	region   = "us-east-1"
	name     = "busy"
	bucketNm = "busy-trail-logs"
)

func main() {
	data := flag.String("data", "/tmp/cairn-bench/validate", "Cairn data directory to create (emptied)")
	events := flag.Int("events", 1_000_000, "events across the day")
	dayFlag := flag.String("day", "", "UTC day to write (default: yesterday)")
	flag.Parse()
	log.SetFlags(0)
	day := time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, -1)
	if *dayFlag != "" {
		d, err := time.Parse("2006-01-02", *dayFlag)
		if err != nil {
			log.Fatal(err)
		}
		day = d
	}
	if err := run(*data, *events, day); err != nil {
		log.Fatal(err)
	}
}

func run(data string, events int, day time.Time) error {
	if err := os.RemoveAll(data); err != nil {
		return err
	}
	ctx := context.Background()
	st, err := file.Open(filepath.Join(data, "buckets"), file.Options{})
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.CreateBucket(ctx, bucketNm, bucket.CreateOptions{Owner: account}); err != nil {
		return err
	}
	keys, err := digest.OpenKeyring(filepath.Join(data, "keys", "digest"), digest.KeyringOptions{Now: func() time.Time { return day.Add(-time.Hour) }})
	if err != nil {
		return err
	}
	trails, err := trail.Open(filepath.Join(data, "trails"), trail.Options{})
	if err != nil {
		return err
	}
	tx, err := trails.Begin(ctx)
	if err != nil {
		return err
	}
	t := trail.Trail{ID: trail.NewID(), Account: account, HomeRegion: region, Name: name, ARN: trail.ARN(region, account, name),
		S3BucketName: bucketNm, IncludeGlobalServiceEvents: true, LogFileValidationEnabled: true, Created: day}
	if err := tx.Put(t); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	trails.Close()

	w := synth.NewWorld(7)
	gen := synth.NewGenerator(w, 7, 0)
	const filesPerHour = 12
	perFile := events / (24 * filesPerHour)
	var prev *digest.Link
	seq, total, bytesRaw := uint64(0), 0, 0
	start := time.Now()
	for h := range 24 {
		hourStart := day.Add(time.Duration(h) * time.Hour)
		var files []digest.LogFile
		var oldest, newest string
		for f := range filesPerHour {
			delivered := hourStart.Add(time.Duration(f)*5*time.Minute + 4*time.Minute)
			var raw bytes.Buffer
			raw.WriteString(`{"Records":[`)
			var first, last string
			for i := range perFile {
				seq++
				at := delivered.Add(-5*time.Minute + time.Duration(i)*300*time.Second/time.Duration(perFile))
				e := gen.Event(seq, at)
				e.Record = setAccount(e, w.Account)
				if i > 0 {
					raw.WriteByte(',')
				}
				raw.Write(e.Record)
				ts := at.UTC().Format(event.TimeFormat)
				if first == "" {
					first = ts
				}
				last = ts
			}
			raw.WriteString("]}")
			total += perFile
			bytesRaw += raw.Len()
			var gz bytes.Buffer
			zw := gzip.NewWriter(&gz)
			zw.Write(raw.Bytes())
			zw.Close()
			key := delivery.LogKey("", account, region, delivered, fmt.Sprintf("Bench%02d%02dxxxxxxx", h, f)[:16])
			if _, err := st.Put(ctx, bucketNm, key, bytes.NewReader(gz.Bytes()), bucket.PutOptions{ContentType: "application/json", Size: int64(gz.Len())}); err != nil {
				return err
			}
			sum := sha256.Sum256(raw.Bytes())
			files = append(files, digest.LogFile{S3Bucket: bucketNm, S3Object: key, HashValue: hex.EncodeToString(sum[:]), HashAlgorithm: digest.HashAlgorithm, NewestEventTime: last, OldestEventTime: first})
			if oldest == "" {
				oldest = first
			}
			newest = last
		}
		end := hourStart.Add(time.Hour)
		d := digest.Digest{AWSAccountID: account, DigestStartTime: hourStart.Format(digest.TimeFormat), DigestEndTime: end.Format(digest.TimeFormat),
			OldestEventTime: &oldest, NewestEventTime: &newest, LogFiles: files}
		key := digest.Key("", account, region, name, region, end)
		sk, err := keys.KeyAt(region, end)
		if err != nil {
			return err
		}
		sealed, err := digest.Seal(d, bucketNm, key, prev, sk)
		if err != nil {
			return err
		}
		if _, err := st.Put(ctx, bucketNm, key, bytes.NewReader(sealed.Body), bucket.PutOptions{ContentType: "application/json", Metadata: sealed.Metadata, Size: int64(len(sealed.Body))}); err != nil {
			return err
		}
		link := sealed.Link(bucketNm)
		prev = &link
	}
	fmt.Printf("wrote %d events (%.0f MB uncompressed) in %d log files and 24 digests for %s in %s\n",
		total, float64(bytesRaw)/1e6, 24*filesPerHour, day.Format("2006-01-02"), time.Since(start).Round(time.Second))
	fmt.Printf("trail arn:aws:cloudtrail:%s:%s:trail/%s, start %s, end %s\n", region, account, name, day.Format(time.RFC3339), day.Add(24*time.Hour).Format(time.RFC3339))
	return nil
}

// setAccount makes the synthetic record belong to the trail's account (the
// generator's world has its own).
func setAccount(e event.Entry, worldAccount string) []byte {
	return bytes.ReplaceAll(e.Record, []byte(worldAccount), []byte(account))
}
