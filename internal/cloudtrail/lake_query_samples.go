package cloudtrail

import (
	"context"
	"fmt"
	"regexp"

	"github.com/cairn-audit/cairn/internal/api"
	"github.com/cairn-audit/cairn/internal/cloudtrail/cterr"
	"github.com/cairn-audit/cairn/internal/history"
	"github.com/cairn-audit/cairn/internal/lake"
)

// SearchSampleQueries limits (the model's): the phrase is 2-1000 printable
// ASCII characters (and newlines); pages hold 1-50 results, 10 by default.
const (
	minSearchPhrase       = 2
	maxSearchPhrase       = 1000
	defaultSampleResults  = 10
	maxSampleResults      = 50
	minPaginationTokenLen = 4
	maxPaginationTokenLen = 1000
)

var searchPhraseShape = regexp.MustCompile(`^[ -~\n]*$`)

type searchSampleQueriesInput struct {
	SearchPhrase *string `json:"SearchPhrase"`
	MaxResults   *int    `json:"MaxResults"`
	NextToken    *string `json:"NextToken"`
}

type sampleQueryShape struct {
	Name        string  `json:"Name"`
	Description string  `json:"Description"`
	SQL         string  `json:"SQL"`
	Relevance   float64 `json:"Relevance"`
}

type searchSampleQueriesOutput struct {
	SearchResults []sampleQueryShape `json:"SearchResults"`
	NextToken     string             `json:"NextToken,omitempty"`
}

// searchSampleQueries searches Cairn's built-in sample queries (see
// lake.SearchSamples), most relevant first. Their SQL reads from $EDS_ID:
// replace it with an event data store ID. The model lists no
// InvalidNextTokenException here, so a bad token is InvalidParameterException.
func (s *Service) searchSampleQueries(_ context.Context, c *api.Call) (*api.Result, error) {
	var in searchSampleQueriesInput
	if err := decodeInput(c.Body, &in); err != nil {
		return nil, err
	}
	phrase := deref(in.SearchPhrase)
	if len(phrase) < minSearchPhrase || len(phrase) > maxSearchPhrase || !searchPhraseShape.MatchString(phrase) {
		return nil, cterr.InvalidParameter.New("SearchPhrase must be %d to %d characters of printable ASCII.", minSearchPhrase, maxSearchPhrase)
	}
	size := defaultSampleResults
	if in.MaxResults != nil {
		if *in.MaxResults < 1 || *in.MaxResults > maxSampleResults {
			return nil, cterr.InvalidParameter.New("MaxResults must be between 1 and %d.", maxSampleResults)
		}
		size = *in.MaxResults
	}
	matches, err := lake.SearchSamples(phrase)
	if err != nil {
		return nil, fmt.Errorf("search sample queries: %w", err)
	}
	qh := queryHash("SearchSampleQueries", phrase)
	from := 0
	if in.NextToken != nil {
		tok := *in.NextToken
		cur, err := s.tokens.decode(tok, qh)
		if len(tok) < minPaginationTokenLen || len(tok) > maxPaginationTokenLen || err != nil || cur.Seq > uint64(len(matches)) {
			return nil, cterr.InvalidParameter.New("The NextToken is not valid: it is malformed or was issued for another search.")
		}
		from = int(cur.Seq)
	}
	end := min(from+size, len(matches))
	out := searchSampleQueriesOutput{SearchResults: []sampleQueryShape{}}
	for _, m := range matches[from:end] {
		out.SearchResults = append(out.SearchResults, sampleQueryShape{Name: m.Name, Description: m.Description, SQL: m.SQL, Relevance: m.Relevance})
	}
	if end < len(matches) {
		out.NextToken = s.tokens.encode(qh, history.Cursor{Seq: uint64(end)})
	}
	return s.jsonResult(c, "SearchSampleQueries", out)
}
