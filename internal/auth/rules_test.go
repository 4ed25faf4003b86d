package auth

import (
	"bufio"
	"errors"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// readTable reads a tab-separated testdata table, skipping comments and blank lines.
func readTable(t *testing.T, path string, cols int) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var rows [][]string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		row := strings.Split(line, "\t")
		if len(row) != cols {
			t.Fatalf("%s:%d: %d columns, want %d", path, n, len(row), cols)
		}
		rows = append(rows, row)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return rows
}

// headerList parses "A=1,B=2" ("-" for none).
func headerList(s string) [][2]string {
	if s == "-" {
		return nil
	}
	var out [][2]string
	for item := range strings.SplitSeq(s, ",") {
		k, v, _ := strings.Cut(item, "=")
		out = append(out, [2]string{k, v})
	}
	return out
}

// TestUnsignedHeadersTable: every header that selects the operation or
// changes its meaning must be signed (testdata/signed_headers.tsv).
func TestUnsignedHeadersTable(t *testing.T) {
	for _, row := range readTable(t, "testdata/signed_headers.tsv", 5) {
		form, service, signed, added, want := row[0], row[1], row[2], row[3], row[4]
		t.Run(strings.Join(row[:4], " "), func(t *testing.T) {
			hdr := map[string][]string{}
			for _, h := range headerList(signed) {
				hdr[h[0]] = append(hdr[h[0]], h[1])
			}
			var r *http.Request
			var body []byte
			url := "http://" + testHost + "/"
			o := signOpts{service: service}
			switch {
			case service == "s3":
				url += "bkt/key"
				o.s3, o.contentSHA = true, true
				if form == "presign" {
					o.payload, o.contentSHA = unsignedPayload, false
				}
			case service == "sts":
				url += "?Action=GetCallerIdentity&Version=2011-06-15"
			default:
				body = []byte(ctBody)
			}
			if form == "presign" {
				o.presign, o.expires = true, 3600
			}
			r = clientReq{method: map[bool]string{true: "POST", false: "PUT"}[body != nil], url: url, body: body, header: hdr}.build(t)
			if service == "sts" {
				r.Method = "GET"
			}
			signGo(t, r, body, o)
			sr := serverView(t, r, body)
			for _, h := range headerList(added) {
				sr.Header.Add(h[0], h[1])
			}
			_, _, err := newTestVerifier(t0).Verify(sr, body)
			if want == "ok" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			var ae *Error
			if !errors.As(err, &ae) || ae.Kind != KindHeadersNotSigned {
				t.Fatalf("err = %v, want KindHeadersNotSigned", err)
			}
			if got := ae.UnsignedHeaders(); got != want {
				t.Errorf("unsigned headers %q, want %q", got, want)
			}
			if ae.Message != MsgHeadersNotSigned+": "+want {
				t.Errorf("message %q", ae.Message)
			}
			if ae.Principal == nil || ae.Status() != http.StatusForbidden || ae.Code(false) != "AccessDeniedException" || ae.Code(true) != "AccessDenied" {
				t.Errorf("principal %v, status %d, codes %s/%s", ae.Principal, ae.Status(), ae.Code(false), ae.Code(true))
			}
		})
	}
}

// TestRegionsTable: only the regions of the AWS partitions and configured
// ones are accepted in the scope (testdata/regions.tsv).
func TestRegionsTable(t *testing.T) {
	for _, row := range readTable(t, "testdata/regions.tsv", 3) {
		region, err := strconv.Unquote(row[0])
		if err != nil {
			t.Fatalf("%s: %v", row[0], err)
		}
		var extra []string
		if row[1] != "-" {
			extra = strings.Split(row[1], ",")
		}
		t.Run(row[0]+" "+row[1], func(t *testing.T) {
			v := NewVerifier(testKeys(), Options{Now: func() time.Time { return t0 }, ExtraRegions: extra})
			for _, presign := range []bool{false, true} {
				r := clientReq{method: "GET", url: "http://" + testHost + "/?Action=GetCallerIdentity&Version=2011-06-15"}.build(t)
				signGo(t, r, nil, signOpts{service: "sts", region: region, presign: presign, expires: 60})
				sr := serverView(t, r, nil)
				_, scope, err := v.Verify(sr, nil)
				if row[2] == "ok" {
					if err != nil {
						t.Fatalf("presign=%v: refused: %v", presign, err)
					}
					if scope.Region != region {
						t.Fatalf("scope region %q", scope.Region)
					}
					continue
				}
				var ae *Error
				if !errors.As(err, &ae) || ae.Kind != KindBadRegion {
					t.Fatalf("presign=%v: err = %v, want KindBadRegion", presign, err)
				}
				if !strings.HasPrefix(ae.Message, MsgBadRegion+", not '") || len(ae.Message) > 200 ||
					ae.Principal != nil || ae.Status() != http.StatusForbidden || ae.Code(true) != "SignatureDoesNotMatch" || ae.Code(false) != "InvalidSignatureException" {
					t.Errorf("error %+v (status %d)", ae, ae.Status())
				}
			}
		})
	}
}

func TestParseRegions(t *testing.T) {
	got, err := ParseRegions(" local , onprem-1,local,")
	if err != nil || strings.Join(got, ",") != "local,onprem-1" {
		t.Fatalf("ParseRegions = %v, %v", got, err)
	}
	for _, bad := range []string{"..", "US-EAST-1", "a--b", "-a", "a-", strings.Repeat("a", 33), "a b", "a/b"} {
		if _, err := ParseRegions(bad); err == nil {
			t.Errorf("ParseRegions(%q) accepted", bad)
		}
	}
	if !IsPartitionRegion("us-east-1") || IsPartitionRegion("aws-global") {
		t.Error("partition table")
	}
}
