package cloudtrail

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cairn-audit/cairn/internal/api"
	"github.com/cairn-audit/cairn/internal/cloudtrail/cterr"
	"github.com/cairn-audit/cairn/internal/digest"
)

// PublicKeySource lists a region's digest signing keys whose validity
// overlaps [start, end], oldest first (digest.Keyring). It should keep
// expired keys listed and give every region a current key, as AWS does, so
// that validate-logs never gets an empty list for a window reaching now.
type PublicKeySource interface {
	PublicKeys(region string, start, end time.Time) ([]digest.PublicKey, error)
}

type listPublicKeysInput struct {
	StartTime *Timestamp `json:"StartTime"`
	EndTime   *Timestamp `json:"EndTime"`
	NextToken *string    `json:"NextToken"`
}

type publicKeyOutput struct {
	Value             []byte  `json:"Value"` // base64 of the DER PKCS#1 RSAPublicKey
	ValidityStartTime float64 `json:"ValidityStartTime"`
	ValidityEndTime   float64 `json:"ValidityEndTime"`
	Fingerprint       string  `json:"Fingerprint"`
}

type listPublicKeysOutput struct {
	PublicKeyList []publicKeyOutput `json:"PublicKeyList"`
}

// listPublicKeys serves ListPublicKeys: the caller's region's keys whose
// validity overlaps [StartTime, EndTime]. Either time defaults to now (both
// absent: the current key). The list is a single page: NextToken is never
// returned and only an empty one is accepted.
func (s *Service) listPublicKeys(_ context.Context, c *api.Call) (*api.Result, error) {
	if s.opts.Keys == nil {
		return nil, cterr.UnsupportedOperation.New("Cairn does not support ListPublicKeys: log file validation is not configured.")
	}
	var in listPublicKeysInput
	if err := decodeInput(c.Body, &in); err != nil {
		return nil, err
	}
	if in.NextToken != nil && *in.NextToken != "" {
		return nil, cterr.InvalidToken.New("The NextToken is not valid: ListPublicKeys returns a single page.")
	}
	now := s.now().UTC()
	start, end := now, now
	if in.StartTime != nil {
		start = in.StartTime.Time
	}
	if in.EndTime != nil {
		end = in.EndTime.Time
	}
	if start.After(end) {
		return nil, cterr.InvalidTimeRange.New("StartTime %s is after EndTime %s.", start.Format(time.RFC3339), end.Format(time.RFC3339))
	}
	keys, err := s.opts.Keys.PublicKeys(c.Region, start, end)
	if errors.Is(err, digest.ErrInvalidRegion) {
		keys, err = nil, nil // no keys can exist for such a region
	}
	if err != nil {
		return nil, fmt.Errorf("list public keys: %w", err)
	}
	out := listPublicKeysOutput{PublicKeyList: []publicKeyOutput{}}
	for _, k := range keys {
		out.PublicKeyList = append(out.PublicKeyList, publicKeyOutput{
			Value:             k.Value,
			ValidityStartTime: keyEpoch(k.ValidityStart),
			ValidityEndTime:   keyEpoch(k.ValidityEnd),
			Fingerprint:       k.Fingerprint,
		})
	}
	res, err := s.proto.JSONResult("ListPublicKeys", out, c.RequestID)
	if err != nil {
		return nil, fmt.Errorf("encode ListPublicKeys response: %w", err)
	}
	return res, nil
}

// keyEpoch is a JSON 1.1 timestamp: epoch seconds with milliseconds.
func keyEpoch(t time.Time) float64 {
	return float64(t.UnixMilli()) / 1000
}
