package cloudtrail

import (
	"errors"
	"regexp"
	"strings"

	"github.com/cairn-audit/cairn/internal/api"
	"github.com/cairn-audit/cairn/internal/cloudtrail/cterr"
	"github.com/cairn-audit/cairn/internal/event"
	"github.com/cairn-audit/cairn/internal/lake"
)

// withImports serves h only when the Lake runs imports into store definitions.
func withImports(h lakeHandler) lakeHandler {
	return requireLake("runs no Lake imports", func(l *lake.Lake) bool { return l.Imports != nil && l.Stores != nil }, h)
}

// importIDShape is the model's UUID shape of an ImportId.
var importIDShape = regexp.MustCompile(`^[a-f0-9\-]{36}$`)

// checkImportID checks an ImportId member (required where checked).
func checkImportID(id *string) (string, error) {
	v := deref(id)
	if !importIDShape.MatchString(v) {
		return "", cterr.InvalidParameter.New("ImportId %q is not valid: it must be the 36-character ID StartImport returned.", v)
	}
	return v, nil
}

// importError turns an error of lake.Imports into the API's.
func importError(err error, id string) error {
	msg := strings.TrimPrefix(err.Error(), "lake: ")
	msg = strings.ToUpper(msg[:1]) + msg[1:] + "."
	switch {
	case errors.Is(err, lake.ErrImportNotFound):
		return cterr.ImportNotFound.New("The import %s was not found.", id)
	case errors.Is(err, lake.ErrAccountHasOngoingImport):
		return cterr.AccountHasOngoingImport.New("%s Stop it or wait for it to finish first.", msg)
	case errors.Is(err, lake.ErrImportNotRestartable), errors.Is(err, lake.ErrImportNotStoppable):
		return cterr.OperationNotPermitted.New("%s", msg)
	case errors.Is(err, lake.ErrInvalidImport):
		return cterr.InvalidParameter.New("%s", msg)
	}
	return err
}

type s3ImportSourceShape struct {
	S3LocationUri         string `json:"S3LocationUri"`
	S3BucketRegion        string `json:"S3BucketRegion"`
	S3BucketAccessRoleArn string `json:"S3BucketAccessRoleArn"`
}

type importSourceShape struct {
	S3 s3ImportSourceShape `json:"S3"`
}

type importStatisticsShape struct {
	PrefixesFound     int64 `json:"PrefixesFound"`
	PrefixesCompleted int64 `json:"PrefixesCompleted"`
	FilesCompleted    int64 `json:"FilesCompleted"`
	EventsCompleted   int64 `json:"EventsCompleted"`
	FailedEntries     int64 `json:"FailedEntries"`
}

// importShape is the StartImport, GetImport and StopImport response:
// ImportStatistics is left out of StartImport's.
type importShape struct {
	ImportId         string                 `json:"ImportId"`
	Destinations     []string               `json:"Destinations"`
	ImportSource     importSourceShape      `json:"ImportSource"`
	StartEventTime   *float64               `json:"StartEventTime,omitempty"`
	EndEventTime     *float64               `json:"EndEventTime,omitempty"`
	ImportStatus     string                 `json:"ImportStatus"`
	CreatedTimestamp *float64               `json:"CreatedTimestamp,omitempty"`
	UpdatedTimestamp *float64               `json:"UpdatedTimestamp,omitempty"`
	ImportStatistics *importStatisticsShape `json:"ImportStatistics,omitempty"`
}

func describeImport(imp lake.Import, withStats bool) importShape {
	out := importShape{
		ImportId: imp.ID, Destinations: imp.Destinations, ImportStatus: imp.Status,
		ImportSource: importSourceShape{S3: s3ImportSourceShape{S3LocationUri: imp.Source.S3LocationURI,
			S3BucketRegion: imp.Source.S3BucketRegion, S3BucketAccessRoleArn: imp.Source.S3BucketAccessRoleARN}},
		StartEventTime: epoch(imp.StartEventTime), EndEventTime: epoch(imp.EndEventTime),
		CreatedTimestamp: epoch(imp.Created), UpdatedTimestamp: epoch(imp.Updated),
	}
	if withStats {
		st := imp.Stats
		out.ImportStatistics = &importStatisticsShape{PrefixesFound: st.PrefixesFound, PrefixesCompleted: st.PrefixesCompleted,
			FilesCompleted: st.FilesCompleted, EventsCompleted: st.EventsCompleted, FailedEntries: st.FailedEntries}
	}
	return out
}

// importResult renders out as op's response about imp; write operations
// also record out as responseElements. The record's resources are the
// import's destinations that still exist.
func (s *Service) importResult(c *api.Call, op string, imp lake.Import, out any, write bool) (*api.Result, error) {
	res, err := s.jsonResult(c, op, out)
	if err != nil {
		return nil, err
	}
	if write {
		if res.ResponseElements, err = responseElements(out); err != nil {
			return nil, err
		}
	}
	for _, d := range imp.Destinations {
		if e, ok := s.opts.Lake.Stores.Get(d); ok {
			res.Resources = append(res.Resources, event.ResourceRef{Type: eventDataStoreResourceType, Name: e.Name, ARN: e.ARN})
		}
	}
	return res, nil
}
