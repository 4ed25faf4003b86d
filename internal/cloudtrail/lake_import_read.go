package cloudtrail

import (
	"context"
	"crypto/sha256"
	"slices"
	"strings"
	"time"

	"github.com/cairn-audit/cairn/internal/api"
	"github.com/cairn-audit/cairn/internal/cloudtrail/cterr"
	"github.com/cairn-audit/cairn/internal/history"
	"github.com/cairn-audit/cairn/internal/lake"
)

// Page sizes of ListImports and ListImportFailures (1-1000; the default is
// the maximum).
const (
	maxListImports        = 1000
	maxListImportFailures = 1000
)

func (s *Service) getImport(_ context.Context, c *api.Call) (*api.Result, error) {
	var in importIDInput
	if err := decodeInput(c.Body, &in); err != nil {
		return nil, err
	}
	id, err := checkImportID(in.ImportId)
	if err != nil {
		return nil, err
	}
	imp, ok := s.opts.Lake.Imports.Get(c.Caller.AccountID, c.Region, id)
	if !ok {
		return nil, importError(lake.ErrImportNotFound, id)
	}
	return s.importResult(c, "GetImport", imp, describeImport(imp, true), false)
}

type listImportsInput struct {
	MaxResults   *int    `json:"MaxResults"`
	Destination  *string `json:"Destination"`
	ImportStatus *string `json:"ImportStatus"`
	NextToken    *string `json:"NextToken"`
}

type importsListItem struct {
	ImportId         string   `json:"ImportId"`
	ImportStatus     string   `json:"ImportStatus"`
	Destinations     []string `json:"Destinations"`
	CreatedTimestamp *float64 `json:"CreatedTimestamp,omitempty"`
	UpdatedTimestamp *float64 `json:"UpdatedTimestamp,omitempty"`
}

var importStatuses = []string{lake.ImportInitializing, lake.ImportInProgress, lake.ImportFailed, lake.ImportStopped, lake.ImportCompleted}

// listImports lists the account's imports started in the calling region,
// oldest first, optionally only those into one store (by ARN or ID; a store
// that does not exist has no imports) or in one status. Tokens work as
// ListChannels' do.
func (s *Service) listImports(_ context.Context, c *api.Call) (*api.Result, error) {
	var in listImportsInput
	if err := decodeInput(c.Body, &in); err != nil {
		return nil, err
	}
	size, err := importPageSize(in.MaxResults, maxListImports)
	if err != nil {
		return nil, err
	}
	dest, status := deref(in.Destination), deref(in.ImportStatus)
	if in.Destination != nil {
		if err := checkImportDestinationFilter(dest); err != nil {
			return nil, err
		}
	}
	if in.ImportStatus != nil && !slices.Contains(importStatuses, status) {
		return nil, cterr.InvalidParameter.New("ImportStatus %q is not valid: use one of %s.", status, strings.Join(importStatuses, ", "))
	}
	var items []lake.Import
	for _, imp := range s.opts.Lake.Imports.List(c.Caller.AccountID, c.Region) {
		if in.Destination != nil && !importsInto(imp, dest) || in.ImportStatus != nil && imp.Status != status {
			continue
		}
		items = append(items, imp)
	}
	qh := importQueryHash("ListImports", c.Caller.AccountID, c.Region, dest, status)
	page, next, err := pageByCreated(s, items, func(i lake.Import) time.Time { return i.Created }, qh, in.NextToken, size)
	if err != nil {
		return nil, err
	}
	out := struct {
		Imports   []importsListItem `json:"Imports"`
		NextToken string            `json:"NextToken,omitempty"`
	}{Imports: []importsListItem{}, NextToken: next}
	for _, imp := range page {
		out.Imports = append(out.Imports, importsListItem{ImportId: imp.ID, ImportStatus: imp.Status, Destinations: imp.Destinations,
			CreatedTimestamp: epoch(imp.Created), UpdatedTimestamp: epoch(imp.Updated)})
	}
	return s.jsonResult(c, "ListImports", out)
}

// checkImportDestinationFilter checks the shape of ListImports'
// Destination: an event data store ARN or ID.
func checkImportDestinationFilter(ref string) error {
	if len(ref) < minEventDataStoreRef || len(ref) > maxEventDataStoreRef || !edsRefChars.MatchString(ref) {
		return errEDSARNInvalid(ref)
	}
	if !isARN(ref) {
		if !edsIDShape.MatchString(ref) {
			return errEDSARNInvalid(ref)
		}
		return nil
	}
	if a, ok := parseCloudTrailARN(ref); !ok || a.Type != typeEventDataStore || !edsIDShape.MatchString(a.ID) {
		return errEDSARNInvalid(ref)
	}
	return nil
}

// importsInto reports whether imp's destination is the store ref (ARN or ID).
func importsInto(imp lake.Import, ref string) bool {
	for _, d := range imp.Destinations {
		if d == ref || strings.EqualFold(d[strings.LastIndexByte(d, '/')+1:], ref) {
			return true
		}
	}
	return false
}

type listImportFailuresInput struct {
	ImportId   *string `json:"ImportId"`
	MaxResults *int    `json:"MaxResults"`
	NextToken  *string `json:"NextToken"`
}

type importFailureListItem struct {
	Location        string   `json:"Location"`
	Status          string   `json:"Status"`
	ErrorType       string   `json:"ErrorType"`
	ErrorMessage    string   `json:"ErrorMessage"`
	LastUpdatedTime *float64 `json:"LastUpdatedTime,omitempty"`
}

// listImportFailures lists an import's failures in the order they first
// happened. Entries are never removed (a retry updates them in place), so
// a page token is the position of the next entry.
func (s *Service) listImportFailures(_ context.Context, c *api.Call) (*api.Result, error) {
	var in listImportFailuresInput
	if err := decodeInput(c.Body, &in); err != nil {
		return nil, err
	}
	id, err := checkImportID(in.ImportId)
	if err != nil {
		return nil, err
	}
	size, err := importPageSize(in.MaxResults, maxListImportFailures)
	if err != nil {
		return nil, err
	}
	failures, ok := s.opts.Lake.Imports.Failures(c.Caller.AccountID, c.Region, id)
	if !ok {
		return nil, importError(lake.ErrImportNotFound, id)
	}
	qh := importQueryHash("ListImportFailures", c.Caller.AccountID, c.Region, id)
	from := 0
	if in.NextToken != nil {
		cur, err := s.tokens.decode(*in.NextToken, qh)
		if err != nil || cur.Seq > uint64(len(failures)) {
			return nil, cterr.InvalidNextToken.New("The NextToken is not valid: it is malformed or was issued for another request.")
		}
		from = int(cur.Seq)
	}
	to := min(from+size, len(failures))
	out := struct {
		Failures  []importFailureListItem `json:"Failures"`
		NextToken string                  `json:"NextToken,omitempty"`
	}{Failures: []importFailureListItem{}}
	for _, f := range failures[from:to] {
		out.Failures = append(out.Failures, importFailureListItem{Location: f.Location, Status: f.Status, ErrorType: f.ErrorType,
			ErrorMessage: f.ErrorMessage, LastUpdatedTime: epoch(f.LastUpdated)})
	}
	if to < len(failures) {
		out.NextToken = s.tokens.encode(qh, history.Cursor{Time: time.Unix(0, 0), Seq: uint64(to)})
	}
	return s.jsonResult(c, "ListImportFailures", out)
}

// importPageSize validates a MaxResults member of 1..max (default max).
func importPageSize(v *int, max int) (int, error) {
	if v == nil {
		return max, nil
	}
	if *v < 1 || *v > max {
		return 0, cterr.InvalidParameter.New("MaxResults must be between 1 and %d.", max)
	}
	return *v, nil
}

// importQueryHash binds page tokens to an operation and its parameters.
func importQueryHash(parts ...string) [16]byte {
	h := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	var out [16]byte
	copy(out[:], h[:])
	return out
}
