// Command apiload drives a running Cairn through its HTTP API with concurrent
// callers and reports throughput and latency percentiles.
//
//	go run ./bench/apiload -data DIR -op sts -workers 64 -duration 20s
//	go run ./bench/apiload -data DIR -op lookup -attr EventName -values CreateUser,GetUser -workers 8
//	go run ./bench/apiload -data DIR -op selectors -workers 64 -duration 20s   (after create-trail --name bench)
//
// Requests are signed once per worker and replayed (a SigV4 signature is valid
// for 15 minutes), so the client spends its CPU on HTTP, not on signing; every
// replayed call is still verified, served and recorded by the server.
package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
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
	endpoint, akid, secret, region string
	op, attr                       string
	values                         []string
	start, end                     string
	workers                        int
	duration                       time.Duration
	requests                       int
}

func main() {
	var c config
	data := flag.String("data", "", "data dir of the server (endpoint and credentials); else AWS_* env")
	flag.StringVar(&c.op, "op", "sts", "sts (GetCallerIdentity: a recorded call), lookup (LookupEvents) or selectors (PutEventSelectors on trail \"bench\": a mutating call)")
	flag.StringVar(&c.attr, "attr", "", "lookup attribute key (empty: a plain time window)")
	values := flag.String("values", "", "comma-separated lookup attribute values, cycled through")
	flag.StringVar(&c.start, "start", "", "LookupEvents StartTime as a duration before now (e.g. 1h); empty: default window")
	flag.StringVar(&c.end, "end", "", "LookupEvents EndTime as a duration before now")
	flag.IntVar(&c.workers, "workers", 32, "concurrent callers")
	flag.DurationVar(&c.duration, "duration", 15*time.Second, "how long to run (unless -requests)")
	flag.IntVar(&c.requests, "requests", 0, "run exactly this many requests sequentially-per-worker instead of -duration")
	wrkScript := flag.String("wrk-script", "", "write a wrk Lua script replaying the signed request(s) to this file and exit")
	flag.Parse()
	if *values != "" {
		c.values = strings.Split(*values, ",")
	}
	if err := loadCreds(&c, *data); err != nil {
		fmt.Fprintln(os.Stderr, "apiload:", err)
		os.Exit(2)
	}
	if *wrkScript != "" {
		if err := writeWrkScript(c, *wrkScript); err != nil {
			fmt.Fprintln(os.Stderr, "apiload:", err)
			os.Exit(1)
		}
		return
	}
	if err := run(c); err != nil {
		fmt.Fprintln(os.Stderr, "apiload:", err)
		os.Exit(1)
	}
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
	return nil
}

// request is a signed request ready to replay.
type request struct {
	header http.Header
	body   []byte
}

func (c config) build(i int) (request, error) {
	var body []byte
	var service string
	h := http.Header{}
	switch c.op {
	case "sts":
		service, body = "sts", []byte("Action=GetCallerIdentity&Version=2011-06-15")
		h.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	case "lookup":
		service = "cloudtrail"
		in := map[string]any{"MaxResults": 50}
		if c.attr != "" {
			in["LookupAttributes"] = []map[string]string{{"AttributeKey": c.attr, "AttributeValue": c.values[i%len(c.values)]}}
		}
		now := time.Now()
		for k, v := range map[string]string{"StartTime": c.start, "EndTime": c.end} {
			if v != "" {
				d, err := time.ParseDuration(v)
				if err != nil {
					return request{}, err
				}
				in[k] = now.Add(-d).Unix()
			}
		}
		body, _ = json.Marshal(in)
		h.Set("Content-Type", "application/x-amz-json-1.1")
		h.Set("X-Amz-Target", "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents")
	case "selectors": // a mutating call: PutEventSelectors on trail "bench" (create it first)
		service = "cloudtrail"
		body = []byte(`{"TrailName":"bench","EventSelectors":[{"ReadWriteType":"All","IncludeManagementEvents":true}]}`)
		h.Set("Content-Type", "application/x-amz-json-1.1")
		h.Set("X-Amz-Target", "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.PutEventSelectors")
	default:
		return request{}, fmt.Errorf("unknown -op %q", c.op)
	}
	req, _ := http.NewRequest(http.MethodPost, c.endpoint+"/", bytes.NewReader(body))
	req.Header = h
	sum := sha256.Sum256(body)
	err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: c.akid, SecretAccessKey: c.secret},
		req, hex.EncodeToString(sum[:]), service, c.region, time.Now())
	return request{header: req.Header, body: body}, err
}

func run(c config) error {
	nreq := max(len(c.values), 1)
	reqs := make([]request, nreq)
	for i := range reqs {
		var err error
		if reqs[i], err = c.build(i); err != nil {
			return err
		}
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: c.workers, MaxConnsPerHost: c.workers}}
	var ok, failed atomic.Int64
	var firstErr atomic.Value
	lat := make([][]time.Duration, c.workers)
	deadline := time.Now().Add(c.duration)
	began := time.Now()
	var wg sync.WaitGroup
	for w := 0; w < c.workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := w; ; i += c.workers {
				if c.requests > 0 && i >= c.requests || c.requests == 0 && time.Now().After(deadline) {
					return
				}
				r := reqs[i%nreq]
				req, _ := http.NewRequest(http.MethodPost, c.endpoint+"/", bytes.NewReader(r.body))
				req.Header = r.header.Clone()
				t0 := time.Now()
				resp, err := client.Do(req)
				if err == nil {
					b, _ := io.ReadAll(resp.Body)
					resp.Body.Close()
					if resp.StatusCode != 200 {
						err = fmt.Errorf("HTTP %d: %.200s", resp.StatusCode, b)
					}
				}
				lat[w] = append(lat[w], time.Since(t0))
				if err != nil {
					failed.Add(1)
					firstErr.CompareAndSwap(nil, err.Error())
					continue
				}
				ok.Add(1)
			}
		}(w)
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
		return all[min(len(all)-1, int(p*float64(len(all))))]
	}
	label := c.op
	if c.op == "lookup" {
		label = fmt.Sprintf("lookup attr=%q values=%d start=%q end=%q", c.attr, len(c.values), c.start, c.end)
	}
	fmt.Printf("%s workers=%d ok=%d failed=%d elapsed=%.1fs rate=%.0f/s p50=%s p90=%s p99=%s max=%s\n",
		label, c.workers, ok.Load(), failed.Load(), elapsed.Seconds(), float64(ok.Load())/elapsed.Seconds(),
		pct(0.50).Round(10*time.Microsecond), pct(0.90).Round(10*time.Microsecond), pct(0.99).Round(10*time.Microsecond), pct(1).Round(10*time.Microsecond))
	if e := firstErr.Load(); e != nil {
		fmt.Println("first error:", e)
	}
	return nil
}

// writeWrkScript writes a wrk script that cycles through the signed requests
// (run: wrk -t2 -c64 -d15s -s FILE <endpoint>).
func writeWrkScript(c config, path string) error {
	var b strings.Builder
	b.WriteString("-- generated by bench/apiload: pre-signed Cairn requests\nlocal reqs = {}\n")
	for i := 0; i < max(len(c.values), 1); i++ {
		r, err := c.build(i)
		if err != nil {
			return err
		}
		b.WriteString("reqs[#reqs+1] = wrk.format(\"POST\", \"/\", {")
		fmt.Fprintf(&b, "[\"Host\"] = %q, ", strings.TrimPrefix(strings.TrimPrefix(c.endpoint, "http://"), "https://"))
		for k, vs := range r.header {
			fmt.Fprintf(&b, "[%q] = %q, ", k, strings.Join(vs, ","))
		}
		fmt.Fprintf(&b, "}, %q)\n", r.body)
	}
	b.WriteString("local i = 0\nrequest = function() i = i % #reqs + 1; return reqs[i] end\n")
	b.WriteString("response = function(status, headers, body) if status ~= 200 then print(\"HTTP \" .. status .. \" \" .. body) end end\n")
	return os.WriteFile(path, []byte(b.String()), 0o644)
}
