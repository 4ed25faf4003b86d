// Command auditload drives a running Cairn's cloudtrail-data PutAuditEvents
// with concurrent clients sending batches of events to one Custom channel
// and reports durable events per second and per-call latency percentiles.
//
//	go run ./bench/auditload -data DIR -workers 16 -batch 100 -duration 15s
//
// A 200 from PutAuditEvents means its accepted events are on stable storage
// (the server fsyncs them before answering), so accepted events per second
// is durable events per second. Requests are built and SigV4-signed up
// front (a signature is valid for 15 minutes) and replayed, as bench/apiload
// does, so the client's CPU goes to HTTP rather than signing; each replayed
// call is still verified, checked event by event, stored and recorded by the
// server. The channel is created if the account has none in the region.
// (Raw signed HTTP rather than aws-sdk-go-v2's cloudtraildata client: that
// module is not a dependency of Cairn.)
package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

type config struct {
	endpoint, akid, secret, region, account string
	workers, batch, bodies, paramBytes      int
	duration                                time.Duration
	checksum                                bool
}

func main() {
	var c config
	data := flag.String("data", "", "data dir of the server (endpoint and credentials); else AWS_* env")
	flag.IntVar(&c.workers, "workers", 16, "concurrent clients")
	flag.IntVar(&c.batch, "batch", 100, "events per PutAuditEvents call (1-100)")
	flag.IntVar(&c.bodies, "bodies", 64, "distinct pre-signed request bodies, cycled through")
	flag.IntVar(&c.paramBytes, "param-bytes", 200, "bytes of requestParameters padding per event (the event is ~500 bytes plus this)")
	flag.DurationVar(&c.duration, "duration", 15*time.Second, "how long to run (at most 14m: signatures expire)")
	flag.BoolVar(&c.checksum, "checksum", true, "send eventDataChecksum with every event")
	flag.Parse()
	if err := loadCreds(&c, *data); err != nil {
		fail(err)
	}
	if err := run(c); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "auditload:", err)
	os.Exit(1)
}

func loadCreds(c *config, data string) error {
	c.endpoint, c.akid, c.secret, c.region = os.Getenv("AWS_ENDPOINT_URL"), os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY"), os.Getenv("AWS_DEFAULT_REGION")
	if data != "" {
		b, err := os.ReadFile(filepath.Join(data, "credentials"))
		if err != nil {
			return err
		}
		for _, line := range strings.Split(string(b), "\n") {
			k, v, _ := strings.Cut(line, "=")
			switch strings.TrimSpace(k) {
			case "aws_access_key_id":
				c.akid = strings.TrimSpace(v)
			case "aws_secret_access_key":
				c.secret = strings.TrimSpace(v)
			}
		}
		if e, err := os.ReadFile(filepath.Join(data, "endpoint")); err == nil {
			c.endpoint = strings.TrimSpace(string(e))
		}
	}
	if c.region == "" {
		c.region = "us-east-1"
	}
	if c.endpoint == "" || c.akid == "" || c.secret == "" {
		return fmt.Errorf("need -data or AWS_ENDPOINT_URL/AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY")
	}
	if c.batch < 1 || c.batch > 100 {
		return fmt.Errorf("-batch must be 1-100")
	}
	return nil
}

// sign returns a signed request for service.
func (c config) sign(service, method, rawURL string, h http.Header, body []byte) (*http.Request, error) {
	req, err := http.NewRequest(method, rawURL, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header = h
	sum := sha256.Sum256(body)
	err = v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: c.akid, SecretAccessKey: c.secret},
		req, hex.EncodeToString(sum[:]), service, c.region, time.Now())
	return req, err
}

// cloudtrail calls a CloudTrail control-plane operation.
func (c config) cloudtrail(op string, in any, out any) error {
	body, _ := json.Marshal(in)
	h := http.Header{"Content-Type": {"application/x-amz-json-1.1"}, "X-Amz-Target": {"com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101." + op}}
	req, err := c.sign("cloudtrail", http.MethodPost, c.endpoint+"/", h, body)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: HTTP %d: %s", op, resp.StatusCode, b)
	}
	return json.Unmarshal(b, out)
}

// channel returns the ARN of the account's channel in the region, creating it.
func (c *config) channel() (string, error) {
	var who struct{ Account string }
	h := http.Header{"Content-Type": {"application/x-www-form-urlencoded; charset=utf-8"}}
	req, err := c.sign("sts", http.MethodPost, c.endpoint+"/", h, []byte("Action=GetCallerIdentity&Version=2011-06-15"))
	if err != nil {
		return "", err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if i := bytes.Index(b, []byte("<Account>")); i >= 0 {
		who.Account = string(b[i+9 : i+9+12])
	}
	c.account = who.Account
	var list struct{ Channels []struct{ ChannelArn string } }
	if err := c.cloudtrail("ListChannels", map[string]any{}, &list); err != nil {
		return "", err
	}
	if len(list.Channels) > 0 {
		return list.Channels[0].ChannelArn, nil
	}
	var created struct{ ChannelArn string }
	eds := fmt.Sprintf("arn:aws:cloudtrail:%s:%s:eventdatastore/0f3e1c5a-2222-4000-8000-0000000bench", c.region, c.account)
	err = c.cloudtrail("CreateChannel", map[string]any{"Name": "auditload", "Source": "Custom",
		"Destinations": []map[string]string{{"Type": "EVENT_DATA_STORE", "Location": eds}}}, &created)
	return created.ChannelArn, err
}

type request struct {
	url    string
	header http.Header
	body   []byte
}

// build makes the i-th signed PutAuditEvents request.
func (c config) build(i int, channelARN string) (request, error) {
	pad := strings.Repeat("p", c.paramBytes)
	events := make([]map[string]string, c.batch)
	now := time.Now().UTC().Format("2006-01-02T15:04:05Z")
	for j := range events {
		d := fmt.Sprintf(`{"version":"1.0","userIdentity":{"type":"CustomUser","principalId":"user-%d@example.com","details":{"team":"bench"}},`+
			`"userAgent":"auditload/1.0","eventSource":"app.example.com","eventName":"Action%d","eventTime":%q,"UID":"uid-%d-%d",`+
			`"requestParameters":{"item":"%d","pad":%q},"responseElements":{"ok":"true"},"sourceIPAddress":"203.0.113.%d","recipientAccountId":%q}`,
			j%50, j%7, now, i, j, j, pad, j%250, c.account)
		ev := map[string]string{"id": fmt.Sprintf("e-%d-%d", i, j), "eventData": d}
		if c.checksum {
			sum := sha256.Sum256([]byte(d))
			ev["eventDataChecksum"] = base64.StdEncoding.EncodeToString(sum[:])
		}
		events[j] = ev
	}
	body, _ := json.Marshal(map[string]any{"auditEvents": events})
	u := c.endpoint + "/PutAuditEvents?channelArn=" + url.QueryEscape(channelARN)
	req, err := c.sign("cloudtrail-data", http.MethodPost, u, http.Header{"Content-Type": {"application/json"}}, body)
	if err != nil {
		return request{}, err
	}
	return request{url: u, header: req.Header, body: body}, nil
}

func run(c config) error {
	arn, err := c.channel()
	if err != nil {
		return fmt.Errorf("channel: %w", err)
	}
	reqs := make([]request, c.bodies)
	for i := range reqs {
		if reqs[i], err = c.build(i, arn); err != nil {
			return err
		}
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: c.workers, MaxConnsPerHost: c.workers}}
	var calls, events, failedEvents, failedCalls atomic.Int64
	var firstErr atomic.Value
	lat := make([][]time.Duration, c.workers)
	began := time.Now()
	deadline := began.Add(c.duration)
	var wg sync.WaitGroup
	for w := 0; w < c.workers; w++ {
		wg.Go(func() {
			for i := w; time.Now().Before(deadline); i += c.workers {
				r := reqs[i%len(reqs)]
				req, _ := http.NewRequest(http.MethodPost, r.url, bytes.NewReader(r.body))
				req.Header = r.header.Clone()
				t0 := time.Now()
				resp, err := client.Do(req)
				var b []byte
				if err == nil {
					b, _ = io.ReadAll(resp.Body)
					resp.Body.Close()
					if resp.StatusCode != http.StatusOK {
						err = fmt.Errorf("HTTP %d: %.300s", resp.StatusCode, b)
					}
				}
				lat[w] = append(lat[w], time.Since(t0))
				if err != nil {
					failedCalls.Add(1)
					firstErr.CompareAndSwap(nil, err.Error())
					continue
				}
				calls.Add(1)
				events.Add(int64(bytes.Count(b, []byte(`"eventID"`))))
				if n := bytes.Count(b, []byte(`"errorCode"`)); n > 0 {
					failedEvents.Add(int64(n))
					firstErr.CompareAndSwap(nil, fmt.Sprintf("failed events: %.300s", b))
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(began)
	var all []time.Duration
	for _, l := range lat {
		all = append(all, l...)
	}
	sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
	pct := func(p float64) time.Duration {
		if len(all) == 0 {
			return 0
		}
		return all[min(len(all)-1, int(p*float64(len(all))))].Round(10 * time.Microsecond)
	}
	fmt.Printf("PutAuditEvents workers=%d batch=%d body=%dB calls=%d failed_calls=%d events=%d failed_events=%d elapsed=%.1fs "+
		"durable_events/s=%.0f calls/s=%.0f p50=%s p90=%s p99=%s max=%s\n",
		c.workers, c.batch, len(reqs[0].body), calls.Load(), failedCalls.Load(), events.Load(), failedEvents.Load(), elapsed.Seconds(),
		float64(events.Load())/elapsed.Seconds(), float64(calls.Load())/elapsed.Seconds(), pct(0.50), pct(0.90), pct(0.99), pct(1))
	if e := firstErr.Load(); e != nil {
		fmt.Println("first error:", e)
	}
	return nil
}
