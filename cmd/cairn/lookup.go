package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
)

// lookupRow is one event as `cairn lookup` prints it.
type lookupRow struct {
	Time        time.Time       `json:"eventTime"`
	User        string          `json:"username"`
	EventName   string          `json:"eventName"`
	EventSource string          `json:"eventSource"`
	Resources   []string        `json:"resources"`
	ErrorCode   string          `json:"errorCode,omitempty"`
	EventID     string          `json:"eventId"`
	AccessKeyID string          `json:"accessKeyId,omitempty"`
	ReadOnly    string          `json:"readOnly"`
	Record      json.RawMessage `json:"cloudTrailEvent"`
}

var lookupAttrFlags = []struct{ flag, key string }{
	{"event-id", "EventId"}, {"event-name", "EventName"}, {"read-only", "ReadOnly"}, {"username", "Username"},
	{"resource-type", "ResourceType"}, {"resource-name", "ResourceName"}, {"event-source", "EventSource"}, {"access-key-id", "AccessKeyId"},
}

func runLookup(args []string, out io.Writer) error {
	fl := flag.NewFlagSet("lookup", flag.ContinueOnError)
	fl.Usage = func() {
		fmt.Fprint(fl.Output(), "usage: cairn lookup [flags]\n\nPrints a running server's event history (LookupEvents) newest first, as a\ntable, JSON or CSV. At most one attribute filter (--username, --event-name,\n...) as in LookupEvents. Times are RFC 3339 or a duration ago (2h).\n\nflags:\n")
		fl.PrintDefaults()
	}
	data := fl.String("data", "", "read endpoint and credentials from this data dir (default: AWS_* environment variables)")
	endpoint := fl.String("endpoint", "", "server URL (default: $AWS_ENDPOINT_URL, else the data dir's)")
	region := fl.String("region", "", "region (default: $AWS_DEFAULT_REGION or us-east-1)")
	start := fl.String("start-time", "", "oldest event time: RFC 3339, or a duration ago such as 2h")
	end := fl.String("end-time", "", "newest event time: RFC 3339, or a duration ago")
	maxItems := fl.Int("max-items", 50, "events to print at most (0 = all)")
	output := fl.String("output", "table", "table, json or csv")
	attrs := map[string]*string{}
	for _, a := range lookupAttrFlags {
		attrs[a.key] = fl.String(a.flag, "", "only events whose "+a.key+" is this")
	}
	if err := fl.Parse(args); err != nil {
		return err
	}
	if *output != "table" && *output != "json" && *output != "csv" {
		return fmt.Errorf("--output must be table, json or csv")
	}
	in := &cloudtrail.LookupEventsInput{}
	for _, a := range lookupAttrFlags {
		if v := *attrs[a.key]; v != "" {
			if len(in.LookupAttributes) > 0 {
				return fmt.Errorf("give at most one lookup attribute (LookupEvents filters on one)")
			}
			in.LookupAttributes = append(in.LookupAttributes, types.LookupAttribute{AttributeKey: types.LookupAttributeKey(a.key), AttributeValue: aws.String(v)})
		}
	}
	var err error
	if in.StartTime, err = parseWhen(*start); err != nil {
		return fmt.Errorf("--start-time: %w", err)
	}
	if in.EndTime, err = parseWhen(*end); err != nil {
		return fmt.Errorf("--end-time: %w", err)
	}
	client, err := lookupClient(*data, *endpoint, *region)
	if err != nil {
		return err
	}
	var rows []lookupRow
	p := cloudtrail.NewLookupEventsPaginator(client, in)
	for p.HasMorePages() && (*maxItems == 0 || len(rows) < *maxItems) {
		page, err := p.NextPage(context.Background())
		if err != nil {
			return fmt.Errorf("LookupEvents: %w", err)
		}
		for _, e := range page.Events {
			if *maxItems > 0 && len(rows) == *maxItems {
				break
			}
			rows = append(rows, toRow(e))
		}
	}
	switch *output {
	case "json":
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		return enc.Encode(rows)
	case "csv":
		return writeCSV(out, rows)
	}
	return writeTable(out, rows)
}

func toRow(e types.Event) lookupRow {
	r := lookupRow{
		User: aws.ToString(e.Username), EventName: aws.ToString(e.EventName), EventSource: aws.ToString(e.EventSource),
		EventID: aws.ToString(e.EventId), AccessKeyID: aws.ToString(e.AccessKeyId), ReadOnly: aws.ToString(e.ReadOnly),
		Record: json.RawMessage(aws.ToString(e.CloudTrailEvent)), Resources: []string{},
	}
	if e.EventTime != nil {
		r.Time = e.EventTime.UTC()
	}
	for _, res := range e.Resources {
		r.Resources = append(r.Resources, aws.ToString(res.ResourceType)+" "+aws.ToString(res.ResourceName))
	}
	var rec struct {
		ErrorCode string `json:"errorCode"`
	}
	if json.Unmarshal(r.Record, &rec) == nil {
		r.ErrorCode = rec.ErrorCode
	} else {
		r.Record = nil
	}
	return r
}

func writeTable(out io.Writer, rows []lookupRow) error {
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "TIME\tUSER\tEVENT NAME\tSOURCE\tRESOURCE\tERROR")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", r.Time.Format(time.RFC3339), dash(r.User), r.EventName,
			strings.TrimSuffix(r.EventSource, ".amazonaws.com"), dash(strings.Join(r.Resources, ", ")), dash(r.ErrorCode))
	}
	return tw.Flush()
}

func writeCSV(out io.Writer, rows []lookupRow) error {
	w := csv.NewWriter(out)
	_ = w.Write([]string{"eventTime", "username", "eventName", "eventSource", "resources", "errorCode", "eventId", "accessKeyId", "readOnly"})
	for _, r := range rows {
		_ = w.Write([]string{r.Time.Format(time.RFC3339), r.User, r.EventName, r.EventSource, strings.Join(r.Resources, "; "), r.ErrorCode, r.EventID, r.AccessKeyID, r.ReadOnly})
	}
	w.Flush()
	return w.Error()
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// parseWhen parses RFC 3339 or a duration before now; "" is unset.
func parseWhen(s string) (*time.Time, error) {
	if s == "" {
		return nil, nil
	}
	if d, err := time.ParseDuration(s); err == nil {
		t := time.Now().Add(-d)
		return &t, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return nil, fmt.Errorf("%q is neither RFC 3339 nor a duration", s)
	}
	return &t, nil
}

// lookupClient builds a CloudTrail client from flags, the data dir or the environment.
func lookupClient(data, endpoint, region string) (*cloudtrail.Client, error) {
	akid, secret := os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY")
	if region == "" {
		region = os.Getenv("AWS_DEFAULT_REGION")
	}
	if endpoint == "" {
		endpoint = os.Getenv("AWS_ENDPOINT_URL")
	}
	if data != "" {
		d := dataDir(data)
		a, s, r, err := d.readCredentials()
		if err != nil {
			return nil, err
		}
		akid, secret = a, s
		if region == "" {
			region = r
		}
		if endpoint == "" || os.Getenv("AWS_ENDPOINT_URL") == endpoint {
			endpoint = d.endpointURL()
		}
	}
	if akid == "" || secret == "" {
		return nil, fmt.Errorf("no credentials: set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (see 'cairn env') or pass --data")
	}
	if endpoint == "" {
		endpoint = "http://" + DefaultListen
	}
	if region == "" {
		region = DefaultRegion
	}
	return cloudtrail.New(cloudtrail.Options{
		Region:       region,
		BaseEndpoint: aws.String(endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider(akid, secret, ""),
	}), nil
}
