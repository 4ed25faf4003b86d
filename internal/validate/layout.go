package validate

import (
	"strings"
	"time"

	"github.com/cairn-audit/cairn/internal/digest"
)

// Time formats in object keys: digests carry the end time to the second, log
// files the delivery time to the minute.
const (
	digestKeyTime = "20060102T150405Z"
	logKeyTime    = "20060102T1504Z"
	folderDate    = "2006/01/02/"
)

// layout is where a trail's objects live in its bucket (reference §1.1, §2.1):
//
//	[<prefix>/]AWSLogs/[<org-id>/]<account>/CloudTrail/<region>/YYYY/MM/DD/<account>_CloudTrail_<region>_<YYYYMMDDTHHmmZ>_<unique>.json.gz
//	[<prefix>/]AWSLogs/[<org-id>/]<account>/CloudTrail-Digest/<region>/YYYY/MM/DD/<account>_CloudTrail-Digest_<region>_<name>_<home>_<YYYYMMDDTHHMMSSZ>[_backfill].json.gz
type layout struct {
	root       string // [<prefix>/]AWSLogs/[<org-id>/]<account>/
	account    string
	name, home string
}

func newLayout(t Trail) layout {
	var b strings.Builder
	if p := strings.Trim(t.Prefix, "/"); p != "" {
		b.WriteString(p)
		b.WriteByte('/')
	}
	b.WriteString("AWSLogs/")
	if t.OrganizationID != "" {
		b.WriteString(t.OrganizationID)
		b.WriteByte('/')
	}
	b.WriteString(t.Account)
	b.WriteByte('/')
	return layout{root: b.String(), account: t.Account, name: t.Name, home: t.HomeRegion}
}

func (l layout) digestRoot() string { return l.root + "CloudTrail-Digest/" }
func (l layout) logRoot() string    { return l.root + "CloudTrail/" }

// digestFolder is the folder of a region's digests, with the trailing slash.
func (l layout) digestFolder(region string) string { return l.digestRoot() + region + "/" }

// digestName is the file-name part before the timestamp.
func (l layout) digestName(region string) string {
	return l.account + "_CloudTrail-Digest_" + region + "_" + l.name + "_" + l.home + "_"
}

// digestKey is the key of the digest of region ending at end.
func (l layout) digestKey(region string, end time.Time, backfill bool) string {
	end = end.UTC()
	k := l.digestFolder(region) + end.Format(folderDate) + l.digestName(region) + end.Format(digestKeyTime)
	if backfill {
		k += "_backfill"
	}
	return k + ".json.gz"
}

// parseDigestKey reports whether key is a digest of this trail in region
// (digest.ParseKey, which checks the date folders agree with the stamp), and
// if so its end time and whether it is a backfill digest.
func (l layout) parseDigestKey(region, key string) (end time.Time, backfill, ok bool) {
	if !strings.HasPrefix(key, l.digestFolder(region)) {
		return time.Time{}, false, false
	}
	ki, ok := digest.ParseKey(key)
	if !ok || ki.Region != region || ki.Account != l.account || ki.TrailName != l.name || ki.HomeRegion != l.home {
		return time.Time{}, false, false
	}
	return ki.End, ki.Backfill, true
}

// logFolder is the day folder of a region's log files.
func (l layout) logFolder(region string, day time.Time) string {
	return l.logRoot() + region + "/" + day.UTC().Format(folderDate)
}

// parseLogKey returns the delivery time (to the minute) in the name of a log
// file of region under folder.
func (l layout) parseLogKey(region, folder, key string) (time.Time, bool) {
	rest, found := strings.CutPrefix(key, folder)
	if !found {
		return time.Time{}, false
	}
	rest, found = strings.CutPrefix(rest, l.account+"_CloudTrail_"+region+"_")
	if !found {
		return time.Time{}, false
	}
	rest, found = strings.CutSuffix(rest, ".json.gz")
	if !found || len(rest) < len(logKeyTime)+2 || rest[len(logKeyTime)] != '_' {
		return time.Time{}, false
	}
	for _, c := range rest[len(logKeyTime)+1:] {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return time.Time{}, false
		}
	}
	t, err := time.Parse(logKeyTime, rest[:len(logKeyTime)])
	if err != nil {
		return time.Time{}, false
	}
	return t, true
}
