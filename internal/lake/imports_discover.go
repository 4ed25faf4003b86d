package lake

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cairn-audit/cairn/internal/bucket"
)

// folderKind is what a folder of a trail bucket is in the log layout
// [<prefix>/]AWSLogs/[<org-id>/]<account>/CloudTrail/<region>/YYYY/MM/DD/.
type folderKind int

const (
	folderOther      folderKind = iota // above AWSLogs/: the bucket root or a trail's key prefix
	folderSkip                         // not CloudTrail event logs (digests, Insights, other services)
	folderAWSLogs                      // .../AWSLogs/
	folderOrg                          // .../AWSLogs/<org-id>/
	folderAccount                      // .../AWSLogs/[<org-id>/]<account>/
	folderCloudTrail                   // .../<account>/CloudTrail/
	folderRegion                       // .../CloudTrail/<region>/
	folderYear
	folderMonth
	folderDay // a prefix of the import: its files are log files
)

var (
	accountSegment = regexp.MustCompile(`^\d{12}$`)
	orgSegment     = regexp.MustCompile(`^o-[a-z0-9]{10,32}$`)
)

// folder is a classified folder; year, month and day folders also carry
// the delivery times they cover, [from, to).
type folder struct {
	kind     folderKind
	from, to time.Time
}

// classifyFolder tells what the folder path ("" or ending in "/") is. The
// last AWSLogs segment anchors the layout, so a trail prefix may itself
// contain one.
func classifyFolder(path string) folder {
	segs := strings.Split(strings.TrimSuffix(path, "/"), "/")
	anchor := -1
	for j := len(segs) - 1; j >= 0; j-- {
		if segs[j] == "AWSLogs" {
			anchor = j
			break
		}
	}
	if anchor < 0 {
		return folder{kind: folderOther}
	}
	rest := segs[anchor+1:]
	if len(rest) == 0 {
		return folder{kind: folderAWSLogs}
	}
	if orgSegment.MatchString(rest[0]) {
		if rest = rest[1:]; len(rest) == 0 {
			return folder{kind: folderOrg}
		}
	}
	switch {
	case !accountSegment.MatchString(rest[0]):
		return folder{kind: folderSkip}
	case len(rest) == 1:
		return folder{kind: folderAccount}
	case rest[1] != "CloudTrail":
		return folder{kind: folderSkip}
	case len(rest) == 2:
		return folder{kind: folderCloudTrail}
	case rest[2] == "":
		return folder{kind: folderSkip}
	case len(rest) == 3:
		return folder{kind: folderRegion}
	}
	return classifyDate(rest[3:])
}

// classifyDate classifies the YYYY[/MM[/DD]] part of a region folder.
func classifyDate(parts []string) folder {
	if len(parts) > 3 {
		return folder{kind: folderSkip}
	}
	widths := []int{4, 2, 2}
	nums := []int{0, 1, 1}
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if len(p) != widths[i] || err != nil || n < 0 {
			return folder{kind: folderSkip}
		}
		nums[i] = n
	}
	from := time.Date(nums[0], time.Month(nums[1]), nums[2], 0, 0, 0, 0, time.UTC)
	if from.Year() != nums[0] || int(from.Month()) != nums[1] || from.Day() != nums[2] {
		return folder{kind: folderSkip} // month 13, February 30...
	}
	switch len(parts) {
	case 1:
		return folder{kind: folderYear, from: from, to: from.AddDate(1, 0, 0)}
	case 2:
		return folder{kind: folderMonth, from: from, to: from.AddDate(0, 1, 0)}
	}
	return folder{kind: folderDay, from: from, to: from.AddDate(0, 0, 1)}
}

// discoverer finds the day folders of a source by listing folder by folder
// (delimiter "/"), never reading the files themselves.
type discoverer struct {
	store  bucket.Store
	bucket string
	window importWindow
	found  []string
}

// discoverPrefixes returns, sorted, the day folders under prefix of the
// bucket that may hold events of the window. A prefix deeper than a day
// folder (part of a file name) is itself the one prefix.
func discoverPrefixes(ctx context.Context, store bucket.Store, bucketName, prefix string, w importWindow) ([]string, error) {
	d := &discoverer{store: store, bucket: bucketName, window: w}
	var err error
	if prefix == "" || strings.HasSuffix(prefix, "/") {
		err = d.walk(ctx, prefix)
	} else if dir := prefix[:strings.LastIndexByte(prefix, '/')+1]; classifyFolder(dir).kind == folderDay {
		if f := classifyFolder(dir); w.mayDeliver(f.from, f.to) {
			d.found = append(d.found, prefix)
		}
	} else {
		err = d.children(ctx, prefix) // the folders whose names start with the prefix's last part
	}
	if err != nil {
		return nil, err
	}
	slices.Sort(d.found)
	return slices.Compact(d.found), nil
}

func (d *discoverer) walk(ctx context.Context, path string) error {
	f := classifyFolder(path)
	switch f.kind {
	case folderSkip:
		return nil
	case folderYear, folderMonth, folderDay:
		if !d.window.mayDeliver(f.from, f.to) {
			return nil
		}
		if f.kind == folderDay {
			d.found = append(d.found, path)
			return nil
		}
	}
	return d.children(ctx, path)
}

// children walks the folders directly under prefix.
func (d *discoverer) children(ctx context.Context, prefix string) error {
	after := ""
	for {
		res, err := d.store.List(ctx, d.bucket, bucket.ListOptions{Prefix: prefix, Delimiter: "/", After: after})
		if err != nil {
			return fmt.Errorf("list s3://%s/%s: %w", d.bucket, prefix, err)
		}
		for _, cp := range res.CommonPrefixes {
			if err := d.walk(ctx, cp); err != nil {
				return err
			}
		}
		if !res.Truncated || res.NextAfter == "" || res.NextAfter == after {
			return nil
		}
		after = res.NextAfter
	}
}

// logFileSuffix ends the name of every trail log file.
const logFileSuffix = ".json.gz"

// listLogFolder calls fn with the key of each log file directly in the
// folder path, in key order, after the key after ("" for all).
func listLogFolder(ctx context.Context, store bucket.Store, bucketName, path, after string, fn func(key string) error) error {
	for {
		res, err := store.List(ctx, bucketName, bucket.ListOptions{Prefix: path, Delimiter: "/", After: after})
		if err != nil {
			return fmt.Errorf("list s3://%s/%s: %w", bucketName, path, err)
		}
		for _, o := range res.Objects {
			if !strings.HasSuffix(o.Key, logFileSuffix) {
				continue
			}
			if err := fn(o.Key); err != nil {
				return err
			}
		}
		if !res.Truncated || res.NextAfter == "" || res.NextAfter == after {
			return nil
		}
		after = res.NextAfter
	}
}

// ListLogFiles calls fn, folder by folder in key order, with the key of
// every trail log file an import of uri (s3://bucket[/prefix]) reads: the
// .json.gz files in the CloudTrail/<region>/YYYY/MM/DD/ folders of the log
// layout under the prefix, not digests, Insights or other services' logs.
// An error of fn stops the listing and is returned.
func ListLogFiles(ctx context.Context, store bucket.Store, uri string, fn func(bucketName, key string) error) error {
	bucketName, prefix, err := ParseImportURI(uri)
	if err != nil {
		return err
	}
	folders, err := discoverPrefixes(ctx, store, bucketName, prefix, importWindow{})
	if err != nil {
		return err
	}
	for _, f := range folders {
		if err := listLogFolder(ctx, store, bucketName, f, "", func(key string) error { return fn(bucketName, key) }); err != nil {
			return err
		}
	}
	return nil
}
