package s3api

import (
	"context"
	"encoding/base64"
	"net/http"
	"strconv"

	"github.com/cairn-audit/cairn/internal/api"
	"github.com/cairn-audit/cairn/internal/bucket"
)

// listParams are the parameters ListObjects and ListObjectsV2 share.
type listParams struct {
	prefix, delimiter string
	maxKeys           int
	encode            func(string) string // EncodingType=url, or identity
	encodingType      string
}

func parseListParams(rq *request) (listParams, error) {
	q := rq.c.Query
	p := listParams{prefix: q.Get("prefix"), delimiter: q.Get("delimiter"), maxKeys: 1000, encode: func(s string) string { return s }}
	if v := q.Get("max-keys"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return p, errInvalidArgument("max-keys", v, "Provided max-keys not an integer or within integer range")
		}
		p.maxKeys = min(n, 1000)
	}
	switch v := q.Get("encoding-type"); v {
	case "":
	case "url":
		p.encode, p.encodingType = urlEncode, "url"
	default:
		return p, errInvalidArgument("encoding-type", v, "Invalid Encoding Method specified in Request")
	}
	return p, nil
}

// list reads one page (none when max-keys is 0).
func (s *Service) list(ctx context.Context, rq *request, p listParams, after string) (bucket.ListResult, error) {
	if _, err := s.ownBucket(ctx, rq); err != nil {
		return bucket.ListResult{}, err
	}
	if p.maxKeys == 0 {
		return bucket.ListResult{}, nil
	}
	return s.store.List(ctx, rq.bucket, bucket.ListOptions{Prefix: p.prefix, Delimiter: p.delimiter, After: after, MaxKeys: p.maxKeys})
}

type listEntry struct {
	Key          string `xml:"Key"`
	LastModified string `xml:"LastModified"`
	ETag         string `xml:"ETag"`
	Size         int64  `xml:"Size"`
	Owner        *owner `xml:"Owner,omitempty"`
	StorageClass string `xml:"StorageClass"`
}

type commonPrefix struct {
	Prefix string `xml:"Prefix"`
}

func entries(res bucket.ListResult, p listParams, o *owner) ([]listEntry, []commonPrefix) {
	objs := make([]listEntry, 0, len(res.Objects))
	for _, obj := range res.Objects {
		objs = append(objs, listEntry{Key: p.encode(obj.Key), LastModified: xmlTime(obj.LastModified), ETag: obj.ETag, Size: obj.Size, Owner: o, StorageClass: "STANDARD"})
	}
	var prefixes []commonPrefix
	for _, cp := range res.CommonPrefixes {
		prefixes = append(prefixes, commonPrefix{p.encode(cp)})
	}
	return objs, prefixes
}

type listBucketResultV1 struct {
	XMLName        struct{}       `xml:"http://s3.amazonaws.com/doc/2006-03-01/ ListBucketResult"`
	Name           string         `xml:"Name"`
	Prefix         string         `xml:"Prefix"`
	Marker         string         `xml:"Marker"`
	NextMarker     string         `xml:"NextMarker,omitempty"`
	MaxKeys        int            `xml:"MaxKeys"`
	Delimiter      string         `xml:"Delimiter,omitempty"`
	IsTruncated    bool           `xml:"IsTruncated"`
	EncodingType   string         `xml:"EncodingType,omitempty"`
	Contents       []listEntry    `xml:"Contents"`
	CommonPrefixes []commonPrefix `xml:"CommonPrefixes"`
}

// listObjectsV1 is GET Bucket (v1): Marker in, NextMarker out when a
// delimiter is given (without one, clients continue from the last key).
func (s *Service) listObjectsV1(ctx context.Context, rq *request) (*api.Result, error) {
	p, err := parseListParams(rq)
	if err != nil {
		return nil, err
	}
	marker := rq.c.Query.Get("marker")
	res, err := s.list(ctx, rq, p, marker)
	if err != nil {
		return nil, err
	}
	o := ownerOf(rq.c.Caller.AccountID)
	out := listBucketResultV1{Name: rq.bucket, Prefix: p.encode(p.prefix), Marker: p.encode(marker), MaxKeys: p.maxKeys,
		Delimiter: p.encode(p.delimiter), IsTruncated: res.Truncated, EncodingType: p.encodingType}
	out.Contents, out.CommonPrefixes = entries(res, p, &o)
	if res.Truncated && p.delimiter != "" {
		out.NextMarker = p.encode(res.NextAfter)
	}
	return xmlResult(http.StatusOK, out, rq.c.RequestID)
}

type listBucketResultV2 struct {
	XMLName               struct{}       `xml:"http://s3.amazonaws.com/doc/2006-03-01/ ListBucketResult"`
	Name                  string         `xml:"Name"`
	Prefix                string         `xml:"Prefix"`
	MaxKeys               int            `xml:"MaxKeys"`
	KeyCount              int            `xml:"KeyCount"`
	Delimiter             string         `xml:"Delimiter,omitempty"`
	IsTruncated           bool           `xml:"IsTruncated"`
	EncodingType          string         `xml:"EncodingType,omitempty"`
	ContinuationToken     string         `xml:"ContinuationToken,omitempty"`
	NextContinuationToken string         `xml:"NextContinuationToken,omitempty"`
	StartAfter            string         `xml:"StartAfter,omitempty"`
	Contents              []listEntry    `xml:"Contents"`
	CommonPrefixes        []commonPrefix `xml:"CommonPrefixes"`
}

// listObjectsV2 is GET Bucket ?list-type=2: an opaque continuation token
// (the last key or common prefix returned), StartAfter, KeyCount, and the
// owner only with fetch-owner=true.
func (s *Service) listObjectsV2(ctx context.Context, rq *request) (*api.Result, error) {
	p, err := parseListParams(rq)
	if err != nil {
		return nil, err
	}
	q := rq.c.Query
	startAfter, token := q.Get("start-after"), q.Get("continuation-token")
	after := startAfter
	if q.Has("continuation-token") {
		b, err := base64.RawURLEncoding.DecodeString(token)
		if err != nil || len(b) == 0 {
			return nil, errInvalidArgument("continuation-token", token, "The continuation token provided is incorrect")
		}
		after = string(b)
	}
	res, err := s.list(ctx, rq, p, after)
	if err != nil {
		return nil, err
	}
	var o *owner
	if q.Get("fetch-owner") == "true" {
		ow := ownerOf(rq.c.Caller.AccountID)
		o = &ow
	}
	out := listBucketResultV2{Name: rq.bucket, Prefix: p.encode(p.prefix), MaxKeys: p.maxKeys, Delimiter: p.encode(p.delimiter),
		IsTruncated: res.Truncated, EncodingType: p.encodingType, ContinuationToken: token, StartAfter: p.encode(startAfter)}
	out.Contents, out.CommonPrefixes = entries(res, p, o)
	out.KeyCount = len(out.Contents) + len(out.CommonPrefixes)
	if res.Truncated {
		out.NextContinuationToken = base64.RawURLEncoding.EncodeToString([]byte(res.NextAfter))
	}
	return xmlResult(http.StatusOK, out, rq.c.RequestID)
}
