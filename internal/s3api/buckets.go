package s3api

import (
	"cmp"
	"context"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/cairn-audit/cairn/internal/api"
	"github.com/cairn-audit/cairn/internal/bucket"
)

// ownBucket returns the addressed bucket if it exists and the caller's
// account owns it (a bucket whose owner the store does not know, as on an
// external S3 endpoint, is anyone's).
func (s *Service) ownBucket(ctx context.Context, rq *request) (bucket.BucketInfo, error) {
	return s.ownNamed(ctx, rq, rq.bucket)
}

func (s *Service) ownNamed(ctx context.Context, rq *request, name string) (bucket.BucketInfo, error) {
	info, err := s.store.HeadBucket(ctx, name)
	if errors.Is(err, bucket.ErrNoSuchBucket) || errors.Is(err, bucket.ErrInvalidBucketName) {
		return info, errNoSuchBucket(name)
	}
	if err != nil {
		return info, fmt.Errorf("head bucket %s: %w", name, err)
	}
	if info.Owner != "" && info.Owner != rq.c.Caller.AccountID {
		return info, errAccessDenied()
	}
	return info, nil
}

func regionOf(info bucket.BucketInfo) string {
	if info.Region == "" {
		return "us-east-1"
	}
	return info.Region
}

type createBucketConfiguration struct {
	LocationConstraint string `xml:"LocationConstraint"`
}

// lockBuckets takes bucketMu and returns its release, safe to call more than once.
func (s *Service) lockBuckets() func() {
	s.bucketMu.Lock()
	var once sync.Once
	return func() { once.Do(s.bucketMu.Unlock) }
}

func (s *Service) createBucket(ctx context.Context, rq *request) (*api.Result, error) {
	body, err := rq.smallBody(false)
	if err != nil {
		return nil, err
	}
	var cfg createBucketConfiguration
	if len(strings.TrimSpace(string(body))) > 0 {
		if err := xml.Unmarshal(body, &cfg); err != nil {
			return nil, errMalformedXML()
		}
		rq.setParam("CreateBucketConfiguration", map[string]string{"LocationConstraint": cfg.LocationConstraint, "xmlns": xmlns})
	}
	loc, err := checkLocation(cfg.LocationConstraint, rq.c.Region)
	if err != nil {
		return nil, err
	}
	if err := validBucketName(rq.bucket); err != nil {
		return nil, err
	}
	release := s.lockBuckets()
	info, err := s.store.HeadBucket(ctx, rq.bucket)
	switch {
	case err == nil && info.Owner != rq.c.Caller.AccountID:
		release()
		return nil, bucket.ErrBucketExists
	case err == nil && rq.c.Region == "us-east-1":
		// S3 answers 200 to an owner re-creating a bucket in us-east-1.
		release()
		res := emptyResult(http.StatusOK, rq.c.RequestID)
		res.Header.Set("Location", "/"+rq.bucket)
		return res, nil
	case err == nil:
		release()
		return nil, bucket.ErrBucketAlreadyOwned
	case !errors.Is(err, bucket.ErrNoSuchBucket):
		release()
		return nil, fmt.Errorf("head bucket %s: %w", rq.bucket, err)
	}
	res := emptyResult(http.StatusOK, rq.c.RequestID)
	res.Header.Set("Location", "/"+rq.bucket)
	opts := bucket.CreateOptions{Region: loc, Owner: rq.c.Caller.AccountID}
	res.Commit = func() error {
		defer release()
		opts.Seq = res.Seq
		return s.store.CreateBucket(context.WithoutCancel(ctx), rq.bucket, opts)
	}
	res.Abort = release
	return res, nil
}

// checkLocation applies S3's rule: a bucket is created in the region of the
// endpoint it is sent to, which a LocationConstraint must name (and must not
// when that is us-east-1). It returns the location constraint to store.
func checkLocation(loc, region string) (string, error) {
	if loc == "EU" {
		loc = "eu-west-1"
	}
	switch {
	case loc == "" && region != "us-east-1":
		return "", newError(http.StatusBadRequest, "IllegalLocationConstraintException",
			"The unspecified location constraint is incompatible for the region specific endpoint this request was sent to.")
	case loc == "us-east-1":
		return "", newError(http.StatusBadRequest, "InvalidLocationConstraint", "The specified location-constraint is not valid",
			xmlField{"LocationConstraint", loc})
	case loc != "" && loc != region:
		return "", newError(http.StatusBadRequest, "IllegalLocationConstraintException",
			fmt.Sprintf("The %s location constraint is incompatible for the region specific endpoint this request was sent to.", loc))
	}
	return loc, nil
}

// validBucketName applies S3's naming rules (the store checks them too; this
// answers before taking the bucket lock).
func validBucketName(name string) error {
	bad := newError(http.StatusBadRequest, "InvalidBucketName", "The specified bucket is not valid.", xmlField{"BucketName", name})
	if len(name) < 3 || len(name) > 63 {
		return bad
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '-') {
			return bad
		}
	}
	alnum := func(c byte) bool { return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' }
	if !alnum(name[0]) || !alnum(name[len(name)-1]) || strings.Contains(name, "..") {
		return bad
	}
	return nil
}

func (s *Service) deleteBucket(ctx context.Context, rq *request) (*api.Result, error) {
	release := s.lockBuckets()
	if _, err := s.ownBucket(ctx, rq); err != nil {
		release()
		return nil, err
	}
	page, err := s.store.List(ctx, rq.bucket, bucket.ListOptions{MaxKeys: 1})
	if err != nil {
		release()
		return nil, err
	}
	if len(page.Objects) > 0 || len(page.CommonPrefixes) > 0 {
		release()
		return nil, bucket.ErrBucketNotEmpty
	}
	res := emptyResult(http.StatusNoContent, rq.c.RequestID)
	res.Commit = func() error {
		defer release()
		if err := s.store.DeleteBucket(context.WithoutCancel(ctx), rq.bucket); err != nil {
			return err
		}
		s.uploads.removeBucket(rq.bucket, s.opts.Logger)
		return nil
	}
	res.Abort = release
	return res, nil
}

func (s *Service) headBucket(ctx context.Context, rq *request) (*api.Result, error) {
	info, err := s.ownBucket(ctx, rq)
	if err != nil {
		return nil, err
	}
	res := emptyResult(http.StatusOK, rq.c.RequestID)
	res.Header.Set("X-Amz-Bucket-Region", regionOf(info))
	return res, nil
}

type listAllMyBucketsResult struct {
	XMLName           xml.Name     `xml:"http://s3.amazonaws.com/doc/2006-03-01/ ListAllMyBucketsResult"`
	Owner             owner        `xml:"Owner"`
	Buckets           []bucketItem `xml:"Buckets>Bucket"`
	ContinuationToken string       `xml:"ContinuationToken,omitempty"`
	Prefix            string       `xml:"Prefix,omitempty"`
}

type bucketItem struct {
	Name         string `xml:"Name"`
	CreationDate string `xml:"CreationDate"`
	BucketRegion string `xml:"BucketRegion"`
}

// listBuckets lists the caller account's buckets (max-buckets,
// continuation-token, prefix and bucket-region are honoured).
func (s *Service) listBuckets(ctx context.Context, rq *request) (*api.Result, error) {
	q := rq.c.Query
	limit := 10000
	if v := q.Get("max-buckets"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 10000 {
			return nil, errInvalidArgument("max-buckets", v, "Argument max-buckets must be an integer between 1 and 10000.")
		}
		limit = n
	}
	after := ""
	if v := q.Get("continuation-token"); v != "" {
		b, err := base64.RawURLEncoding.DecodeString(v)
		if err != nil {
			return nil, errInvalidArgument("continuation-token", v, "The continuation token provided is incorrect")
		}
		after = string(b)
	}
	all, err := s.store.ListBuckets(ctx)
	if err != nil {
		return nil, err
	}
	slices.SortFunc(all, func(a, b bucket.BucketInfo) int { return cmp.Compare(a.Name, b.Name) })
	out := listAllMyBucketsResult{Owner: ownerOf(rq.c.Caller.AccountID), Prefix: q.Get("prefix")}
	for _, b := range all {
		if b.Owner != "" && b.Owner != rq.c.Caller.AccountID || b.Name <= after ||
			!strings.HasPrefix(b.Name, q.Get("prefix")) || q.Get("bucket-region") != "" && regionOf(b) != q.Get("bucket-region") {
			continue
		}
		if len(out.Buckets) == limit {
			out.ContinuationToken = base64.RawURLEncoding.EncodeToString([]byte(out.Buckets[limit-1].Name))
			break
		}
		out.Buckets = append(out.Buckets, bucketItem{Name: b.Name, CreationDate: xmlTime(b.Created), BucketRegion: regionOf(b)})
	}
	return xmlResult(http.StatusOK, out, rq.c.RequestID)
}

type locationConstraint struct {
	XMLName xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ LocationConstraint"`
	Region  string   `xml:",chardata"`
}

func (s *Service) getBucketLocation(ctx context.Context, rq *request) (*api.Result, error) {
	info, err := s.ownBucket(ctx, rq)
	if err != nil {
		return nil, err
	}
	return xmlResult(http.StatusOK, locationConstraint{Region: info.Region}, rq.c.RequestID)
}

type accessControlPolicy struct {
	XMLName xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ AccessControlPolicy"`
	Owner   owner    `xml:"Owner"`
	Grants  []grant  `xml:"AccessControlList>Grant"`
}

type grant struct {
	Grantee    grantee `xml:"Grantee"`
	Permission string  `xml:"Permission"`
}

type grantee struct {
	XSI         string `xml:"xmlns:xsi,attr"`
	Type        string `xml:"xsi:type,attr"`
	ID          string `xml:"ID"`
	DisplayName string `xml:"DisplayName,omitempty"`
}

// getBucketAcl answers with the only ACL Cairn has: the owner's full control.
func (s *Service) getBucketAcl(ctx context.Context, rq *request) (*api.Result, error) {
	info, err := s.ownBucket(ctx, rq)
	if err != nil {
		return nil, err
	}
	o := ownerOf(cmp.Or(info.Owner, rq.c.Caller.AccountID))
	acl := accessControlPolicy{Owner: o, Grants: []grant{{
		Grantee:    grantee{XSI: "http://www.w3.org/2001/XMLSchema-instance", Type: "CanonicalUser", ID: o.ID, DisplayName: o.DisplayName},
		Permission: "FULL_CONTROL",
	}}}
	return xmlResult(http.StatusOK, acl, rq.c.RequestID)
}

type versioningConfiguration struct {
	XMLName xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ VersioningConfiguration"`
}

// getBucketVersioning answers that versioning was never enabled, which is
// true: Cairn does not implement it.
func (s *Service) getBucketVersioning(ctx context.Context, rq *request) (*api.Result, error) {
	if _, err := s.ownBucket(ctx, rq); err != nil {
		return nil, err
	}
	return xmlResult(http.StatusOK, versioningConfiguration{}, rq.c.RequestID)
}
