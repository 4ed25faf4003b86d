package cloudtrail

import (
	"context"
	"crypto/sha256"
	"time"

	"github.com/cairn-audit/cairn/internal/api"
	"github.com/cairn-audit/cairn/internal/channel"
	"github.com/cairn-audit/cairn/internal/cloudtrail/cterr"
)

// ListChannels page sizes (MaxResults 1-1000; the default is the maximum).
const maxListChannels = 1000

type sourceConfigShape struct {
	ApplyToAllRegions      bool  `json:"ApplyToAllRegions"`
	AdvancedEventSelectors []any `json:"AdvancedEventSelectors"`
}

type ingestionStatusShape struct {
	LatestIngestionSuccessTime    *float64 `json:"LatestIngestionSuccessTime,omitempty"`
	LatestIngestionSuccessEventID string   `json:"LatestIngestionSuccessEventID,omitempty"`
	LatestIngestionErrorCode      string   `json:"LatestIngestionErrorCode,omitempty"`
	LatestIngestionAttemptTime    *float64 `json:"LatestIngestionAttemptTime,omitempty"`
	LatestIngestionAttemptEventID string   `json:"LatestIngestionAttemptEventID,omitempty"`
}

type getChannelOutput struct {
	ChannelArn      string               `json:"ChannelArn"`
	Name            string               `json:"Name"`
	Source          string               `json:"Source"`
	SourceConfig    sourceConfigShape    `json:"SourceConfig"`
	Destinations    []destinationShape   `json:"Destinations"`
	IngestionStatus ingestionStatusShape `json:"IngestionStatus"`
}

// getChannel describes a channel and its ingestion status. A Custom
// channel ingests in its own region and has no selectors.
func (s *Service) getChannel(_ context.Context, c *api.Call) (*api.Result, error) {
	var in channelRefInput
	if err := decodeInput(c.Body, &in); err != nil {
		return nil, err
	}
	ch, err := findChannel(s.opts.Channels, c, in.Channel)
	if err != nil {
		return nil, err
	}
	g := s.opts.Channels.Ingestion(ch.ARN)
	out := getChannelOutput{
		ChannelArn: ch.ARN, Name: ch.Name, Source: ch.Source,
		SourceConfig: sourceConfigShape{AdvancedEventSelectors: []any{}},
		Destinations: destinationShapes(ch.Destinations),
		IngestionStatus: ingestionStatusShape{
			LatestIngestionSuccessTime: epoch(g.LatestSuccessTime), LatestIngestionSuccessEventID: g.LatestSuccessEventID,
			LatestIngestionErrorCode:   g.LatestErrorCode,
			LatestIngestionAttemptTime: epoch(g.LatestAttemptTime), LatestIngestionAttemptEventID: g.LatestAttemptEventID,
		},
	}
	return s.channelResult(c, "GetChannel", ch, out, false)
}

type listChannelsInput struct {
	MaxResults *int    `json:"MaxResults"`
	NextToken  *string `json:"NextToken"`
}

type channelInfo struct {
	ChannelArn string `json:"ChannelArn"`
	Name       string `json:"Name"`
}

// listChannels lists the channels of the account in the calling region,
// oldest first. Page tokens work as ListTrails' do: the creation time of the
// last channel returned and how many channels created at that millisecond
// were returned, so pages stay consistent while channels come and go.
func (s *Service) listChannels(_ context.Context, c *api.Call) (*api.Result, error) {
	var in listChannelsInput
	if err := decodeInput(c.Body, &in); err != nil {
		return nil, err
	}
	size := maxListChannels
	if in.MaxResults != nil {
		if *in.MaxResults < 1 || *in.MaxResults > maxListChannels {
			return nil, cterr.InvalidParameter.New("MaxResults must be between 1 and %d.", maxListChannels)
		}
		size = *in.MaxResults
	}
	chans := s.opts.Channels.List(c.Caller.AccountID, c.Region)
	qh := listChannelsHash(c.Caller.AccountID, c.Region)
	page, next, err := pageByCreated(s, chans, func(ch channel.Channel) time.Time { return ch.Created }, qh, in.NextToken, size)
	if err != nil {
		return nil, err
	}
	out := struct {
		Channels  []channelInfo `json:"Channels"`
		NextToken string        `json:"NextToken,omitempty"`
	}{Channels: []channelInfo{}, NextToken: next}
	for _, ch := range page {
		out.Channels = append(out.Channels, channelInfo{ChannelArn: ch.ARN, Name: ch.Name})
	}
	return s.jsonResult(c, "ListChannels", out)
}

func listChannelsHash(account, region string) [16]byte {
	h := sha256.Sum256([]byte("ListChannels\x00" + account + "\x00" + region))
	var out [16]byte
	copy(out[:], h[:])
	return out
}

var _ channelView = (*channel.Store)(nil)
var _ channelView = (*channel.Tx)(nil)
