package digest

import (
	"strings"
	"time"
)

// KeyTimeFormat is the digest end time as digest object keys carry it.
const KeyTimeFormat = "20060102T150405Z"

const (
	digestSuffix   = ".json.gz"
	backfillSuffix = "_backfill"
	digestFolder   = "CloudTrail-Digest"
)

// Key returns the S3 key of the digest of trailName (homed in homeRegion)
// for region ending at end:
//
//	[<prefix>/]AWSLogs/<acct>/CloudTrail-Digest/<region>/YYYY/MM/DD/<acct>_CloudTrail-Digest_<region>_<trail>_<home>_YYYYMMDDTHHMMSSZ.json.gz
//
// The date folders and the stamp are end in UTC (seconds precision), which
// is what `aws cloudtrail validate-logs` lists and sorts by.
func Key(prefix, account, region, trailName, homeRegion string, end time.Time) string {
	end = end.UTC()
	var b strings.Builder
	if prefix != "" {
		b.WriteString(prefix)
		b.WriteByte('/')
	}
	b.WriteString("AWSLogs/")
	b.WriteString(account)
	b.WriteString("/" + digestFolder + "/")
	b.WriteString(region)
	b.WriteByte('/')
	b.WriteString(end.Format("2006/01/02"))
	b.WriteByte('/')
	b.WriteString(account)
	b.WriteString("_" + digestFolder + "_")
	b.WriteString(region)
	b.WriteByte('_')
	b.WriteString(trailName)
	b.WriteByte('_')
	b.WriteString(homeRegion)
	b.WriteByte('_')
	b.WriteString(end.Format(KeyTimeFormat))
	b.WriteString(digestSuffix)
	return b.String()
}

// KeyInfo is what a digest object key says.
type KeyInfo struct {
	Prefix     string // S3 key prefix before AWSLogs/, without the slash; "" if none
	OrgID      string // organization id of an organization trail's key; "" otherwise
	Account    string
	Region     string // the region the digest covers
	TrailName  string
	HomeRegion string // the trail's home region
	End        time.Time
	Backfill   bool // a "_backfill" digest
}

// ParseKey parses a digest object key (as Key writes it, optionally with an
// organization id after AWSLogs/ and the _backfill suffix). It checks the
// account and region agree between folders and file name and that the date
// folders are the stamp's date.
func ParseKey(key string) (KeyInfo, bool) {
	var ki KeyInfo
	seg := strings.Split(key, "/")
	n := len(seg)
	if n < 8 {
		return ki, false
	}
	file, dd, mm, yyyy := seg[n-1], seg[n-2], seg[n-3], seg[n-4]
	ki.Region, ki.Account = seg[n-5], seg[n-7]
	if seg[n-6] != digestFolder || !validAccount(ki.Account) || ki.Region == "" {
		return ki, false
	}
	rest := seg[:n-8]
	switch {
	case seg[n-8] == "AWSLogs":
	case n >= 9 && seg[n-9] == "AWSLogs" && strings.HasPrefix(seg[n-8], "o-"):
		ki.OrgID = seg[n-8]
		rest = seg[:n-9]
	default:
		return ki, false
	}
	ki.Prefix = strings.Join(rest, "/")
	if len(rest) > 0 && ki.Prefix == "" { // a key starting with "/"
		return ki, false
	}

	name, ok := strings.CutSuffix(file, digestSuffix)
	if !ok {
		return ki, false
	}
	name, ki.Backfill = strings.CutSuffix(name, backfillSuffix)
	head := ki.Account + "_" + digestFolder + "_" + ki.Region + "_"
	name, ok = strings.CutPrefix(name, head)
	if !ok || len(name) < len(KeyTimeFormat)+1 || name[len(name)-len(KeyTimeFormat)-1] != '_' {
		return ki, false
	}
	stamp := name[len(name)-len(KeyTimeFormat):]
	end, err := time.Parse(KeyTimeFormat, stamp)
	if err != nil || end.Format(KeyTimeFormat) != stamp {
		return ki, false
	}
	ki.End = end
	if end.Format("2006/01/02") != yyyy+"/"+mm+"/"+dd {
		return ki, false
	}
	name = name[:len(name)-len(KeyTimeFormat)-1] // <trail>_<home>
	i := strings.LastIndexByte(name, '_')        // region names hold no underscore
	if i <= 0 || i == len(name)-1 {
		return ki, false
	}
	ki.TrailName, ki.HomeRegion = name[:i], name[i+1:]
	return ki, true
}

func validAccount(s string) bool {
	if len(s) != 12 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
