package lake

import (
	"compress/gzip"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/cairn-audit/cairn/internal/bucket"
)

// Errors of ParseDeliveryURI.
var (
	ErrInvalidDeliveryURI    = errors.New("lake: DeliveryS3Uri must look like s3://bucket[/prefix]")
	ErrInvalidDeliveryBucket = errors.New("lake: invalid delivery bucket name")
	ErrInvalidDeliveryPrefix = errors.New("lake: invalid delivery prefix")
)

// Result delivery layout, as AWS: <prefix>/AWSLogs/<account>/CloudTrail-Lake/
// Query/<yyyy>/<mm>/<dd>/<query ID>/result_1.csv.gz (the date is the
// query's creation date, UTC). Cairn writes every row to one file.
const (
	deliveryResultName = "result_1.csv.gz"
	deliverySpoolName  = deliveryResultName + ".spool"
	// maxDeliveryPrefix keeps the longest key (16-digit account) within
	// S3's 1024-byte key limit.
	maxDeliveryPrefix = 1024 - len("/AWSLogs/0123456789012345/CloudTrail-Lake/Query/2006/01/02/01234567-0123-0123-0123-0123456789ab/"+deliveryResultName)
)

// ParseDeliveryURI splits a DeliveryS3Uri, s3://bucket[/prefix], into the
// bucket name and the key prefix (without a trailing slash).
func ParseDeliveryURI(uri string) (bucketName, prefix string, err error) {
	rest, ok := strings.CutPrefix(uri, "s3://")
	if !ok {
		return "", "", fmt.Errorf("%w: %q", ErrInvalidDeliveryURI, uri)
	}
	bucketName, prefix, _ = strings.Cut(rest, "/")
	if err := checkDeliveryBucket(bucketName); err != nil {
		return "", "", err
	}
	prefix = strings.TrimSuffix(prefix, "/")
	if err := checkDeliveryPrefix(prefix); err != nil {
		return "", "", err
	}
	return bucketName, prefix, nil
}

// checkDeliveryBucket applies S3's bucket naming rules.
func checkDeliveryBucket(name string) error {
	bad := func(why string) error { return fmt.Errorf("%w: %q %s", ErrInvalidDeliveryBucket, name, why) }
	if len(name) < 3 || len(name) > 63 {
		return bad("must be 3 to 63 characters long")
	}
	alnum := func(c byte) bool { return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' }
	for i := 0; i < len(name); i++ {
		if c := name[i]; !alnum(c) && c != '.' && c != '-' {
			return bad("may hold only lower-case letters, digits, dots and hyphens")
		}
	}
	switch {
	case !alnum(name[0]) || !alnum(name[len(name)-1]):
		return bad("must begin and end with a letter or digit")
	case strings.Contains(name, ".."), strings.Contains(name, ".-"), strings.Contains(name, "-."):
		return bad("must not have two dots, or a dot and a hyphen, next to each other")
	case ipv4Shaped(name):
		return bad("must not be formatted as an IP address")
	}
	return nil
}

func ipv4Shaped(name string) bool {
	parts := strings.Split(name, ".")
	if len(parts) != 4 {
		return false
	}
	for _, p := range parts {
		if p == "" || len(p) > 3 || strings.Trim(p, "0123456789") != "" {
			return false
		}
	}
	return true
}

// checkDeliveryPrefix accepts a key prefix of non-empty path segments of
// printable UTF-8 that leaves room for the result keys.
func checkDeliveryPrefix(prefix string) error {
	bad := func(why string) error { return fmt.Errorf("%w: %q %s", ErrInvalidDeliveryPrefix, prefix, why) }
	switch {
	case prefix == "":
		return nil
	case len(prefix) > maxDeliveryPrefix:
		return bad(fmt.Sprintf("is longer than %d bytes", maxDeliveryPrefix))
	case !utf8.ValidString(prefix):
		return bad("is not valid UTF-8")
	case strings.IndexFunc(prefix, func(r rune) bool { return !unicode.IsPrint(r) }) >= 0:
		return bad("has control or non-printable characters")
	}
	for seg := range strings.SplitSeq(prefix, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return bad("has an empty, '.' or '..' path segment")
		}
	}
	return nil
}

// DeliveryKey is the object key of a query's delivered results.
func DeliveryKey(prefix, account, queryID string, created time.Time) string {
	key := fmt.Sprintf("AWSLogs/%s/CloudTrail-Lake/Query/%s/%s/%s", account, created.UTC().Format("2006/01/02"), queryID, deliveryResultName)
	if prefix != "" {
		key = prefix + "/" + key
	}
	return key
}

// deliverFinished delivers a FINISHED query's results if they are pending
// and records the outcome. A delivery ctx interrupts stays PENDING and is
// redone when Queries next opens.
func (q *Queries) deliverFinished(ctx context.Context, id string) {
	q.mu.Lock()
	qr := q.queries[id]
	if qr == nil || qr.info.Status != QueryFinished || qr.info.DeliveryStatus != DeliveryPending {
		q.mu.Unlock()
		return
	}
	info := qr.info.clone()
	q.mu.Unlock()
	status, err := q.deliver(ctx, info)
	if ctx.Err() != nil {
		return
	}
	if err != nil {
		q.opts.Logger.Warn("delivering Lake query results failed", "query", id, "uri", info.DeliveryURI, "status", status, "err", err)
	}
	if err := q.update(qr, func(i *QueryInfo) { i.DeliveryStatus = status }); err != nil {
		q.opts.Logger.Error("saving a Lake query's delivery status failed", "query", id, "err", err)
	}
}

// deliver writes the results as gzip CSV (a header row, then the rows;
// NULL is an empty field) to the query's DeliveryS3Uri and returns the
// delivery status.
func (q *Queries) deliver(ctx context.Context, info QueryInfo) (string, error) {
	bucketName, prefix, err := ParseDeliveryURI(info.DeliveryURI)
	if err != nil {
		return DeliveryFailed, err
	}
	if q.opts.Buckets == nil {
		return DeliveryResourceNotFound, errors.New("no object store is configured")
	}
	spool := filepath.Join(q.queryDir(info.ID), deliverySpoolName)
	defer os.Remove(spool)
	size, err := writeCSV(spool, q.queryDir(info.ID), info)
	if err != nil {
		return DeliveryFailed, err
	}
	f, err := os.Open(spool)
	if err != nil {
		return DeliveryFailed, fmt.Errorf("open spooled results: %w", err)
	}
	defer f.Close()
	key := DeliveryKey(prefix, info.Account, info.ID, info.Created)
	_, err = q.opts.Buckets.Put(ctx, bucketName, key, bucket.ContextReader(ctx, f), bucket.PutOptions{ContentType: "application/x-gzip", Size: size})
	switch {
	case err == nil:
		return DeliverySuccess, nil
	case errors.Is(err, bucket.ErrNoSuchBucket):
		return DeliveryResourceNotFound, err
	case errors.Is(err, bucket.ErrAccessDenied):
		return DeliveryAccessDenied, err
	}
	return DeliveryFailed, fmt.Errorf("put s3://%s/%s: %w", bucketName, key, err)
}

// writeCSV writes the gzip CSV of the results in dir to path and returns its size.
func writeCSV(path, dir string, info QueryInfo) (int64, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, queryFilePerm)
	if err != nil {
		return 0, fmt.Errorf("spool results: %w", err)
	}
	defer f.Close()
	zw := gzip.NewWriter(f)
	cw := csv.NewWriter(zw)
	if err := copyCSV(cw, dir, info); err != nil {
		return 0, err
	}
	if err := zw.Close(); err != nil {
		return 0, fmt.Errorf("spool results: %w", err)
	}
	size, err := f.Seek(0, io.SeekCurrent)
	if err != nil {
		return 0, fmt.Errorf("spool results: %w", err)
	}
	return size, nil
}

func copyCSV(cw *csv.Writer, dir string, info QueryInfo) error {
	if len(info.Columns) > 0 {
		if err := cw.Write(info.Columns); err != nil {
			return fmt.Errorf("spool results: %w", err)
		}
	}
	if info.Rows > 0 {
		r, err := openResults(dir, 0)
		if err != nil {
			return err
		}
		defer r.Close()
		fields := []string{}
		for range info.Rows {
			row, err := r.next()
			if err != nil {
				return err
			}
			fields = fields[:0]
			for _, v := range row {
				fields = append(fields, v.S) // NULL has S == ""
			}
			if err := cw.Write(fields); err != nil {
				return fmt.Errorf("spool results: %w", err)
			}
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("spool results: %w", err)
	}
	return nil
}
