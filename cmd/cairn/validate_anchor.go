package main

import (
	"context"
	"fmt"
	"os"

	"github.com/cairn-audit/cairn/internal/anchor"
	"github.com/cairn-audit/cairn/internal/validate"
)

// readAnchor reads the trail's records from --anchor (nil without one).
func readAnchor(ctx context.Context, f validateFlags, trailARN string) (*validate.Anchored, error) {
	if f.anchor == "" {
		return nil, nil
	}
	opts := anchor.Options{AccessKeyID: os.Getenv("CAIRN_ANCHOR_ACCESS_KEY_ID"), SecretAccessKey: os.Getenv("CAIRN_ANCHOR_SECRET_ACCESS_KEY")}
	if opts.AccessKeyID == "" {
		opts.AccessKeyID, opts.SecretAccessKey = f.s3Key, f.s3Pass
		if opts.AccessKeyID == "" {
			opts.AccessKeyID, opts.SecretAccessKey = os.Getenv("CAIRN_S3_ACCESS_KEY_ID"), os.Getenv("CAIRN_S3_SECRET_ACCESS_KEY")
		}
	}
	opts.Endpoint = f.s3Endpoint
	if p := anchor.FilePath(f.anchor); p != "" {
		if _, err := os.Stat(p); err != nil {
			return nil, fmt.Errorf("--anchor: %w", err)
		}
	}
	sink, err := anchor.Open(ctx, f.anchor, opts)
	if err != nil {
		return nil, fmt.Errorf("--anchor: %w", err)
	}
	defer sink.Close()
	recs, problems, err := sink.Records(ctx, trailARN)
	if err != nil {
		return nil, fmt.Errorf("--anchor: %w", err)
	}
	return &validate.Anchored{Source: sink.Describe(), Records: recs, Problems: problems}, nil
}
