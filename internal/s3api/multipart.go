package s3api

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"

	"github.com/cairn-audit/cairn/internal/api"
	"github.com/cairn-audit/cairn/internal/bucket"
)

// upload returns the multipart upload the request names (?uploadId), which
// must be into the addressed bucket and key.
func (s *Service) upload(rq *request) (string, uploadMeta, error) {
	id := rq.c.Query.Get("uploadId")
	m, err := s.uploads.get(id)
	if errors.Is(err, errNoUpload) || err == nil && (m.Bucket != rq.bucket || m.Key != rq.key) {
		return id, m, errNoSuchUpload(id)
	}
	return id, m, err
}

type initiateMultipartUploadResult struct {
	XMLName  struct{} `xml:"http://s3.amazonaws.com/doc/2006-03-01/ InitiateMultipartUploadResult"`
	Bucket   string   `xml:"Bucket"`
	Key      string   `xml:"Key"`
	UploadID string   `xml:"UploadId"`
}

// createMultipartUpload allocates an upload id in Handle and writes the
// upload's metadata at Commit.
func (s *Service) createMultipartUpload(ctx context.Context, rq *request) (*api.Result, error) {
	if err := checkKey(rq.key); err != nil {
		return nil, err
	}
	if _, err := s.ownBucket(ctx, rq); err != nil {
		return nil, err
	}
	md, err := userMetadata(rq.c.Header)
	if err != nil {
		return nil, err
	}
	id := newUploadID()
	m := uploadMeta{Bucket: rq.bucket, Key: rq.key, Owner: rq.c.Caller.AccountID, InitiatorARN: rq.c.Caller.ARN,
		ContentType: rq.c.Header.Get("Content-Type"), Metadata: md, Initiated: s.opts.Now().UTC()}
	res, err := xmlResult(http.StatusOK, initiateMultipartUploadResult{Bucket: rq.bucket, Key: rq.key, UploadID: id}, rq.c.RequestID)
	if err != nil {
		return nil, err
	}
	res.Commit = func() error {
		return s.uploadOp(res.Seq, opCreateUpload, id, "", func() error { return s.uploads.create(id, m) })
	}
	return res, nil
}

// uploadPart receives the part (fsync'd, verified) in Handle and puts it in
// place at Commit.
func (s *Service) uploadPart(ctx context.Context, rq *request) (*api.Result, error) {
	if _, err := s.ownBucket(ctx, rq); err != nil {
		return nil, err
	}
	pn := rq.c.Query.Get("partNumber")
	n, err := strconv.Atoi(pn)
	if err != nil || n < 1 || n > maxParts {
		return nil, errInvalidArgument("partNumber", pn, "Part number must be an integer between 1 and 10000, inclusive")
	}
	id, _, err := s.upload(rq)
	if err != nil {
		return nil, err
	}
	body, size, err := rq.objectBody(s.opts.MaxObjectSize)
	if err != nil {
		return nil, err
	}
	want, err := contentMD5(rq.c.Header)
	if err != nil {
		return nil, err
	}
	part, err := s.uploads.stagePart(id, n, body, size, want)
	if errors.Is(err, errNoUpload) {
		return nil, errNoSuchUpload(id)
	}
	if err != nil {
		return nil, err
	}
	res := emptyResult(http.StatusOK, rq.c.RequestID)
	res.Header.Set("ETag", part.info.ETag)
	echoChecksum(rq.c.Header, res.Header)
	res.Commit = func() error {
		if err := s.uploadOp(res.Seq, opUploadPart, id, part.name(), part.commit); err != nil {
			part.abort()
			return err
		}
		return nil
	}
	res.Abort = part.abort
	return res, nil
}

type completeMultipartUpload struct {
	Parts []struct {
		PartNumber int    `xml:"PartNumber"`
		ETag       string `xml:"ETag"`
	} `xml:"Part"`
}

type completeMultipartUploadResult struct {
	XMLName  struct{} `xml:"http://s3.amazonaws.com/doc/2006-03-01/ CompleteMultipartUploadResult"`
	Location string   `xml:"Location"`
	Bucket   string   `xml:"Bucket"`
	Key      string   `xml:"Key"`
	ETag     string   `xml:"ETag"`
}

// completeMultipartUpload assembles the listed parts into a staged object
// in Handle; Commit publishes it and removes the upload.
func (s *Service) completeMultipartUpload(ctx context.Context, rq *request) (*api.Result, error) {
	if _, err := s.ownBucket(ctx, rq); err != nil {
		return nil, err
	}
	id, m, err := s.upload(rq)
	if err != nil {
		return nil, err
	}
	body, err := rq.smallBody(false) // an x-amz-checksum-* header here is the whole object's
	if err != nil {
		return nil, err
	}
	var in completeMultipartUpload
	if err := xml.Unmarshal(body, &in); err != nil || len(in.Parts) == 0 || len(in.Parts) > maxParts {
		return nil, errMalformedXML()
	}
	have, err := s.uploads.parts(id)
	if err != nil {
		return nil, err
	}
	chosen, err := s.chooseParts(id, in, have)
	if err != nil {
		return nil, err
	}
	var size int64
	md5s := md5.New()
	for _, p := range chosen {
		size += p.Size
		md5s.Write(p.md5)
	}
	etag := fmt.Sprintf(`"%s-%d"`, hex.EncodeToString(md5s.Sum(nil)), len(chosen))
	r, closeParts, err := openParts(chosen)
	if err != nil {
		return nil, err
	}
	staged, err := s.stagePut(ctx, rq.bucket, rq.key, r, bucket.PutOptions{ContentType: m.ContentType, Metadata: m.Metadata, ETag: etag, Size: size})
	closeParts()
	if err != nil {
		return nil, err
	}
	out := completeMultipartUploadResult{Location: "http://" + rq.c.Host + "/" + rq.bucket + "/" + rq.key, Bucket: rq.bucket, Key: rq.key, ETag: staged.Info().ETag}
	res, err := xmlResult(http.StatusOK, out, rq.c.RequestID)
	if err != nil {
		staged.Abort()
		return nil, err
	}
	res.Commit = func() error {
		// The upload's line first: a create or part line before it is then
		// known to have taken effect, though the upload is gone.
		if err := s.uploadOp(res.Seq, opCompleteUpload, id, "", func() error { return nil }); err != nil {
			staged.Abort()
			return err
		}
		if err := commitAt(staged, res.Seq); err != nil {
			return err
		}
		if err := s.uploads.remove(id); err != nil {
			s.opts.Logger.Warn("completed multipart upload not removed", "upload", id, "err", err)
		}
		return nil
	}
	res.Abort = staged.Abort
	return res, nil
}

// chooseParts checks the parts a CompleteMultipartUpload lists against those
// uploaded: in ascending order, each uploaded with the ETag given, and each
// but the last at least MinPartSize.
func (s *Service) chooseParts(id string, in completeMultipartUpload, have []partInfo) ([]partInfo, error) {
	byNum := make(map[int]partInfo, len(have))
	for _, p := range have {
		byNum[p.Number] = p
	}
	chosen := make([]partInfo, 0, len(in.Parts))
	for i, p := range in.Parts {
		if i > 0 && p.PartNumber <= in.Parts[i-1].PartNumber {
			return nil, newError(http.StatusBadRequest, "InvalidPartOrder", "The list of parts was not in ascending order. Parts must be ordered by part number.",
				xmlField{"UploadId", id})
		}
		got, ok := byNum[p.PartNumber]
		if !ok || strings.Trim(p.ETag, `" `) != strings.Trim(got.ETag, `"`) {
			return nil, newError(http.StatusBadRequest, "InvalidPart",
				"One or more of the specified parts could not be found.  The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.",
				xmlField{"UploadId", id}, xmlField{"PartNumber", strconv.Itoa(p.PartNumber)}, xmlField{"ETag", p.ETag})
		}
		chosen = append(chosen, got)
	}
	for i, p := range chosen[:len(chosen)-1] {
		if p.Size < s.opts.MinPartSize {
			return nil, newError(http.StatusBadRequest, "EntityTooSmall", "Your proposed upload is smaller than the minimum allowed object size.",
				xmlField{"ProposedSize", fmt.Sprint(p.Size)}, xmlField{"MinSizeAllowed", fmt.Sprint(s.opts.MinPartSize)},
				xmlField{"PartNumber", strconv.Itoa(in.Parts[i].PartNumber)}, xmlField{"ETag", p.ETag})
		}
	}
	return chosen, nil
}

// openParts opens the parts' files as one reader.
func openParts(parts []partInfo) (io.Reader, func(), error) {
	var files []*os.File
	closeAll := func() {
		for _, f := range files {
			f.Close()
		}
	}
	readers := make([]io.Reader, 0, len(parts))
	for _, p := range parts {
		f, err := os.Open(p.path)
		if err != nil {
			closeAll()
			return nil, nil, fmt.Errorf("open part %d: %w", p.Number, err)
		}
		files = append(files, f)
		readers = append(readers, f)
	}
	return io.MultiReader(readers...), closeAll, nil
}

// abortMultipartUpload checks the upload in Handle and removes it at Commit.
func (s *Service) abortMultipartUpload(ctx context.Context, rq *request) (*api.Result, error) {
	if _, err := s.ownBucket(ctx, rq); err != nil {
		return nil, err
	}
	id, _, err := s.upload(rq)
	if err != nil {
		return nil, err
	}
	res := emptyResult(http.StatusNoContent, rq.c.RequestID)
	res.Commit = func() error {
		return s.uploadOp(res.Seq, opAbortUpload, id, "", func() error { return s.uploads.remove(id) })
	}
	return res, nil
}

type listPartsResult struct {
	XMLName              struct{}    `xml:"http://s3.amazonaws.com/doc/2006-03-01/ ListPartsResult"`
	Bucket               string      `xml:"Bucket"`
	Key                  string      `xml:"Key"`
	UploadID             string      `xml:"UploadId"`
	PartNumberMarker     int         `xml:"PartNumberMarker"`
	NextPartNumberMarker int         `xml:"NextPartNumberMarker"`
	MaxParts             int         `xml:"MaxParts"`
	IsTruncated          bool        `xml:"IsTruncated"`
	Parts                []partEntry `xml:"Part"`
	Initiator            initiator   `xml:"Initiator"`
	Owner                owner       `xml:"Owner"`
	StorageClass         string      `xml:"StorageClass"`
}

type partEntry struct {
	PartNumber   int    `xml:"PartNumber"`
	LastModified string `xml:"LastModified"`
	ETag         string `xml:"ETag"`
	Size         int64  `xml:"Size"`
}

type initiator struct {
	ID          string `xml:"ID"`
	DisplayName string `xml:"DisplayName"`
}

func (s *Service) listParts(ctx context.Context, rq *request) (*api.Result, error) {
	if _, err := s.ownBucket(ctx, rq); err != nil {
		return nil, err
	}
	id, m, err := s.upload(rq)
	if err != nil {
		return nil, err
	}
	q := rq.c.Query
	maxN, marker := 1000, 0
	if v := q.Get("max-parts"); v != "" {
		if maxN, err = strconv.Atoi(v); err != nil || maxN < 0 {
			return nil, errInvalidArgument("max-parts", v, "Provided max-parts not an integer or within integer range")
		}
		maxN = min(maxN, 1000)
	}
	if v := q.Get("part-number-marker"); v != "" {
		if marker, err = strconv.Atoi(v); err != nil || marker < 0 {
			return nil, errInvalidArgument("part-number-marker", v, "Provided part-number-marker not an integer or within integer range")
		}
	}
	parts, err := s.uploads.parts(id)
	if err != nil {
		return nil, err
	}
	o := ownerOf(m.Owner)
	out := listPartsResult{Bucket: rq.bucket, Key: rq.key, UploadID: id, PartNumberMarker: marker, MaxParts: maxN,
		Initiator: initiator{ID: m.InitiatorARN, DisplayName: m.InitiatorARN}, Owner: o, StorageClass: "STANDARD"}
	for _, p := range parts {
		if p.Number <= marker {
			continue
		}
		if len(out.Parts) == maxN {
			out.IsTruncated = true
			break
		}
		out.Parts = append(out.Parts, partEntry{PartNumber: p.Number, LastModified: xmlTime(p.Modified), ETag: p.ETag, Size: p.Size})
		out.NextPartNumberMarker = p.Number
	}
	return xmlResult(http.StatusOK, out, rq.c.RequestID)
}
