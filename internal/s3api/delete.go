package s3api

import (
	"context"
	"encoding/xml"
	"fmt"
	"net/http"

	"github.com/cairn-audit/cairn/internal/api"
)

type deleteRequest struct {
	Quiet   bool `xml:"Quiet"`
	Objects []struct {
		Key       string `xml:"Key"`
		VersionID string `xml:"VersionId"`
	} `xml:"Object"`
}

type deleteResult struct {
	XMLName struct{}        `xml:"http://s3.amazonaws.com/doc/2006-03-01/ DeleteResult"`
	Deleted []deletedObject `xml:"Deleted"`
	Errors  []deleteError   `xml:"Error"`
}

type deletedObject struct {
	Key string `xml:"Key"`
}

type deleteError struct {
	Key     string `xml:"Key"`
	Code    string `xml:"Code"`
	Message string `xml:"Message"`
}

// deleteObjects (POST ?delete) deletes up to 1000 keys: the request is
// validated in Handle, the keys are deleted at Commit. As on S3, a missing
// key counts as deleted, and the event names the bucket but not the keys.
func (s *Service) deleteObjects(ctx context.Context, rq *request) (*api.Result, error) {
	if _, err := s.ownBucket(ctx, rq); err != nil {
		return nil, err
	}
	body, err := rq.smallBody(true)
	if err != nil {
		return nil, err
	}
	var in deleteRequest
	if err := xml.Unmarshal(body, &in); err != nil || len(in.Objects) == 0 || len(in.Objects) > 1000 {
		return nil, errMalformedXML()
	}
	var out deleteResult
	var keys []string
	for _, o := range in.Objects {
		switch {
		case o.VersionID != "" && o.VersionID != "null":
			out.Errors = append(out.Errors, deleteError{o.Key, "NotImplemented", "Cairn does not implement object versions."})
		case o.Key == "" || len(o.Key) > maxKeyBytes:
			out.Errors = append(out.Errors, deleteError{o.Key, "InvalidArgument", "Invalid object key."})
		default:
			keys = append(keys, o.Key)
			if !in.Quiet {
				out.Deleted = append(out.Deleted, deletedObject{o.Key})
			}
		}
	}
	res, err := xmlResult(http.StatusOK, out, rq.c.RequestID)
	if err != nil {
		return nil, err
	}
	res.Commit = func() error {
		for _, k := range keys {
			if err := s.deleteAt(context.WithoutCancel(ctx), rq.bucket, k, res.Seq); err != nil {
				return fmt.Errorf("delete %s/%s: %w", rq.bucket, k, err)
			}
		}
		return nil
	}
	return res, nil
}
