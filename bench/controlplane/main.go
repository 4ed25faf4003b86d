// Command controlplane measures CloudTrail control-plane calls per second
// (CreateTrail+DeleteTrail, DescribeTrails, GetTrailStatus, PutEventSelectors)
// through aws-sdk-go-v2 against any endpoint, so Cairn and moto_server can be
// run side by side with the same client on the same machine.
//
// Usage: controlplane -endpoint http://127.0.0.1:4590 -key AK -secret SK [-s3-endpoint URL] [-workers 8] [-duration 10s]
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

func main() {
	endpoint := flag.String("endpoint", "http://127.0.0.1:4590", "CloudTrail endpoint")
	s3Endpoint := flag.String("s3-endpoint", "", "S3 endpoint for the trail bucket (default: -endpoint)")
	key := flag.String("key", "", "access key ID")
	secret := flag.String("secret", "", "secret access key")
	label := flag.String("label", "", "name printed with the results")
	workers := flag.Int("workers", 8, "concurrent callers")
	duration := flag.Duration("duration", 10*time.Second, "time per operation")
	flag.Parse()
	log.SetFlags(0)
	if *s3Endpoint == "" {
		*s3Endpoint = *endpoint
	}
	cfg := aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider(*key, *secret, ""), BaseEndpoint: endpoint, RetryMaxAttempts: 1}
	ct := cloudtrail.NewFromConfig(cfg)
	s3cfg := cfg
	s3cfg.BaseEndpoint = s3Endpoint
	s3c := s3.NewFromConfig(s3cfg, func(o *s3.Options) { o.UsePathStyle = true })
	ctx := context.Background()
	if _, err := s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("cp-bench")}); err != nil {
		log.Printf("create bucket (may exist): %v", err)
	}
	if _, err := ct.CreateTrail(ctx, &cloudtrail.CreateTrailInput{Name: aws.String("fixed"), S3BucketName: aws.String("cp-bench")}); err != nil {
		log.Printf("create fixed trail (may exist): %v", err)
	}
	var n atomic.Int64
	ops := []struct {
		name    string
		workers int // 0: -workers
		call    func(w int) error
	}{
		// AWS allows 5 trails per region: the fixed trail plus 4 in flight.
		{"CreateTrail+DeleteTrail", 4, func(w int) error {
			name := aws.String(fmt.Sprintf("t-%d-%d", w, n.Add(1)))
			if _, err := ct.CreateTrail(ctx, &cloudtrail.CreateTrailInput{Name: name, S3BucketName: aws.String("cp-bench")}); err != nil {
				return err
			}
			_, err := ct.DeleteTrail(ctx, &cloudtrail.DeleteTrailInput{Name: name})
			return err
		}},
		{"DescribeTrails", 0, func(int) error { _, err := ct.DescribeTrails(ctx, &cloudtrail.DescribeTrailsInput{}); return err }},
		{"GetTrailStatus", 0, func(int) error {
			_, err := ct.GetTrailStatus(ctx, &cloudtrail.GetTrailStatusInput{Name: aws.String("fixed")})
			return err
		}},
		{"PutEventSelectors", 0, func(int) error {
			_, err := ct.PutEventSelectors(ctx, &cloudtrail.PutEventSelectorsInput{TrailName: aws.String("fixed"), EventSelectors: []cttypes.EventSelector{
				{ReadWriteType: cttypes.ReadWriteTypeAll, IncludeManagementEvents: aws.Bool(true)}}})
			return err
		}},
	}
	for _, op := range ops {
		var done, failed atomic.Int64
		var firstErr atomic.Value
		end := time.Now().Add(*duration)
		var wg sync.WaitGroup
		start := time.Now()
		nw := *workers
		if op.workers > 0 {
			nw = min(nw, op.workers)
		}
		for w := range nw {
			wg.Go(func() {
				for time.Now().Before(end) {
					if err := op.call(w); err != nil {
						failed.Add(1)
						firstErr.CompareAndSwap(nil, err.Error())
						continue
					}
					done.Add(1)
				}
			})
		}
		wg.Wait()
		el := time.Since(start).Seconds()
		fmt.Printf("%s %-24s %8.0f ops/s  (%d callers, %d ok, %d failed", *label, op.name, float64(done.Load())/el, nw, done.Load(), failed.Load())
		if e := firstErr.Load(); e != nil {
			fmt.Printf("; first error: %.120s", e)
		}
		fmt.Println(")")
	}
}
