// Command gateway measures the latency Cairn's recording gateway adds: the
// same aws-sdk-go-v2 client calls moto_server directly and then through
// `cairn serve --upstream <moto>`, at the same fixed rate, and the two
// latency distributions are reported side by side.
//
//	go build -o bin/cairn ./cmd/cairn && go run ./bench/gateway -rate 1000 -duration 15s
//
// Latency is measured from each request's scheduled start (open loop), so a
// stall is charged to every request it delays.
package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

const (
	account = "123456789012"
	akid    = "AKIABENCHGATEWAY0001"
	secret  = "benchGatewaySecret00000000000000000000/+"
	region  = "us-east-1"
)

func main() {
	cairnBin := flag.String("cairn", "bin/cairn", "cairn binary")
	op := flag.String("op", "getitem", "getitem (DynamoDB GetItem, JSON) or getobject (S3 GetObject of 1 KiB, REST-XML)")
	rate := flag.Int("rate", 1000, "requests per second")
	duration := flag.Duration("duration", 15*time.Second, "measured time per target")
	warmup := flag.Duration("warmup", 3*time.Second, "unmeasured time per target first")
	upstream := flag.String("upstream", "moto", "moto (moto_server) or stub (an in-process Go server answering every call at once: the gateway's own cost)")
	flag.Parse()
	if err := run(*cairnBin, *upstream, *op, *rate, *duration, *warmup); err != nil {
		fmt.Fprintln(os.Stderr, "gateway bench:", err)
		os.Exit(1)
	}
}

func run(cairnBin, upstream, op string, rate int, duration, warmup time.Duration) error {
	motoAddr, cairnAddr := freeAddr(), freeAddr()
	switch upstream {
	case "moto":
		moto := exec.Command("moto_server", "-H", "127.0.0.1", "-p", strings.Split(motoAddr, ":")[1])
		moto.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		if err := moto.Start(); err != nil {
			return err
		}
		defer syscall.Kill(-moto.Process.Pid, syscall.SIGKILL)
	case "stub":
		ln, err := net.Listen("tcp", motoAddr)
		if err != nil {
			return err
		}
		go http.Serve(ln, http.HandlerFunc(stub))
	default:
		return fmt.Errorf("unknown -upstream %q", upstream)
	}
	data, err := os.MkdirTemp("", "cairn-gateway-bench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(data)
	cairn := exec.Command(cairnBin, "serve", "--listen", cairnAddr, "--data", data, "--log-level", "warn",
		"--upstream", "http://"+motoAddr, "--upstream", "s3=http://"+motoAddr)
	cairn.Env = append(os.Environ(), "CAIRN_ACCOUNT_ID="+account, "CAIRN_ACCESS_KEY_ID="+akid, "CAIRN_SECRET_ACCESS_KEY="+secret)
	if err := cairn.Start(); err != nil {
		return err
	}
	defer cairn.Process.Kill()
	for _, a := range []string{motoAddr, cairnAddr} {
		if err := waitListening(a, 30*time.Second); err != nil {
			return err
		}
	}
	direct, gateway := "http://"+motoAddr, "http://"+cairnAddr
	call, err := setup(op, direct)
	if err != nil {
		return err
	}
	fmt.Printf("%s at %d req/s for %s per target (warm-up %s): %s directly, then cairn --upstream %s\n", op, rate, duration, warmup, upstream, upstream)
	var results []result
	for _, target := range []struct{ name, endpoint string }{{"direct", direct}, {"gateway", gateway}} {
		do := call(target.endpoint)
		load(do, rate, warmup)
		r := load(do, rate, duration)
		r.name = target.name
		results = append(results, r)
		fmt.Println(r)
	}
	d, g := results[0], results[1]
	fmt.Printf("added by the gateway: p50 %+.2f ms, p99 %+.2f ms, p99.9 %+.2f ms\n", ms(g.p(50)-d.p(50)), ms(g.p(99)-d.p(99)), ms(g.p(99.9)-d.p(99.9)))
	return nil
}

// stub answers like the upstream would, at once.
func stub(w http.ResponseWriter, r *http.Request) {
	io.Copy(io.Discard, r.Body)
	if r.Header.Get("X-Amz-Target") != "" {
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		w.Write([]byte(`{"Item":{"pk":{"S":"k"},"v":{"S":"value"}}}`))
		return
	}
	if r.Method == http.MethodGet {
		w.Write(make([]byte, 1024))
	}
}

// setup creates what op reads (through moto directly) and returns a factory
// of calls against an endpoint.
func setup(op, motoURL string) (func(endpoint string) func() error, error) {
	ctx := context.Background()
	switch op {
	case "getobject":
		if _, err := s3c(motoURL).CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("bench")}); err != nil {
			return nil, err
		}
		if _, err := s3c(motoURL).PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bench"), Key: aws.String("k"), Body: bytes.NewReader(make([]byte, 1024))}); err != nil {
			return nil, err
		}
		return func(endpoint string) func() error {
			c := s3c(endpoint)
			return func() error {
				out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("bench"), Key: aws.String("k")})
				if err != nil {
					return err
				}
				_, err = io.Copy(io.Discard, out.Body)
				out.Body.Close()
				return err
			}
		}, nil
	case "getitem":
		hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 512}}
		if err := ddb(hc, motoURL, "CreateTable", `{"TableName":"bench","AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"}],"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}],"BillingMode":"PAY_PER_REQUEST"}`); err != nil {
			return nil, err
		}
		if err := ddb(hc, motoURL, "PutItem", `{"TableName":"bench","Item":{"pk":{"S":"k"},"v":{"S":"value"}}}`); err != nil {
			return nil, err
		}
		return func(endpoint string) func() error {
			return func() error { return ddb(hc, endpoint, "GetItem", `{"TableName":"bench","Key":{"pk":{"S":"k"}}}`) }
		}, nil
	}
	return nil, fmt.Errorf("unknown -op %q", op)
}

func s3c(endpoint string) *s3.Client {
	return s3.NewFromConfig(aws.Config{Region: region, Credentials: credentials.NewStaticCredentialsProvider(akid, secret, ""),
		BaseEndpoint: aws.String(endpoint), RetryMaxAttempts: 1,
		HTTPClient: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 512}}}, func(o *s3.Options) { o.UsePathStyle = true })
}

// ddb sends one DynamoDB call signed with aws-sdk-go-v2's SigV4 signer.
func ddb(hc *http.Client, endpoint, target, body string) error {
	r, _ := http.NewRequest("POST", endpoint+"/", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/x-amz-json-1.0")
	r.Header.Set("X-Amz-Target", "DynamoDB_20120810."+target)
	sum := sha256.Sum256([]byte(body))
	if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: akid, SecretAccessKey: secret}, r, hex.EncodeToString(sum[:]), "dynamodb", region, time.Now()); err != nil {
		return err
	}
	resp, err := hc.Do(r)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		return fmt.Errorf("%s: %s %s", target, resp.Status, b)
	}
	return nil
}

type result struct {
	name     string
	lat      []time.Duration // sorted
	errs     int
	firstErr error
	achieved float64
}

func (r result) p(q float64) time.Duration {
	if len(r.lat) == 0 {
		return 0
	}
	i := int(q / 100 * float64(len(r.lat)))
	return r.lat[min(i, len(r.lat)-1)]
}

func (r result) String() string {
	s := fmt.Sprintf("%-8s %6d requests (%.0f/s), p50 %6.2f ms, p90 %6.2f ms, p99 %6.2f ms, p99.9 %6.2f ms, max %6.2f ms, errors %d",
		r.name, len(r.lat), r.achieved, ms(r.p(50)), ms(r.p(90)), ms(r.p(99)), ms(r.p(99.9)), ms(r.p(100)), r.errs)
	if r.firstErr != nil {
		s += " (first: " + r.firstErr.Error() + ")"
	}
	return s
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// load calls do at rate for d, open loop, with at most 512 calls in flight.
func load(do func() error, rate int, d time.Duration) result {
	n := int(d.Seconds() * float64(rate))
	interval := time.Second / time.Duration(rate)
	lat := make([]time.Duration, n)
	errs := make([]error, n)
	sem := make(chan struct{}, 512)
	var wg sync.WaitGroup
	start := time.Now()
	for i := range n {
		due := start.Add(time.Duration(i) * interval)
		if w := time.Until(due); w > 0 {
			time.Sleep(w)
		}
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			errs[i] = do()
			lat[i] = time.Since(due)
		}()
	}
	wg.Wait()
	r := result{achieved: float64(n) / time.Since(start).Seconds()}
	for i, err := range errs {
		if err != nil {
			r.errs++
			if r.firstErr == nil {
				r.firstErr = err
			}
			continue
		}
		r.lat = append(r.lat, lat[i])
	}
	sort.Slice(r.lat, func(i, j int) bool { return r.lat[i] < r.lat[j] })
	return r
}

func freeAddr() string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func waitListening(addr string, d time.Duration) error {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return errors.New(addr + " did not start listening")
}
