package cloudtrail

import (
	"context"
	"time"

	"github.com/cairn-audit/cairn/internal/api"
	"github.com/cairn-audit/cairn/internal/channel"
	"github.com/cairn-audit/cairn/internal/cloudtrail/cterr"
)

type createChannelInput struct {
	Name         *string            `json:"Name"`
	Source       *string            `json:"Source"`
	Destinations []destinationInput `json:"Destinations"`
	Tags         []tagInput         `json:"Tags"`
}

type channelWriteOutput struct {
	ChannelArn   string             `json:"ChannelArn"`
	Name         string             `json:"Name"`
	Source       string             `json:"Source"`
	Destinations []destinationShape `json:"Destinations"`
	Tags         []tagShape         `json:"Tags,omitempty"`
}

func (s *Service) createChannel(ctx context.Context, c *api.Call) (*api.Result, error) {
	var in createChannelInput
	if err := decodeInput(c.Body, &in); err != nil {
		return nil, err
	}
	name := deref(in.Name)
	if err := channel.ValidateName(name); err != nil {
		return nil, err
	}
	if err := channel.ValidateSource(deref(in.Source)); err != nil {
		return nil, err
	}
	dests, err := s.destinationsFromInput(in.Destinations, c)
	if err != nil {
		return nil, err
	}
	id, now := channel.NewID(), s.callTime(c).Truncate(time.Millisecond)
	ch := channel.Channel{ID: id, ARN: channel.ARN(c.Region, c.Caller.AccountID, id), Account: c.Caller.AccountID, Region: c.Region,
		Name: name, Source: *in.Source, Destinations: dests, Created: now, Updated: now}
	if ch.Tags, err = channelTagsFromInput(in.Tags, ch.ARN); err != nil {
		return nil, err
	}
	return s.channelWrite(ctx, func(tx *channel.Tx) (*api.Result, error) {
		if err := s.checkChannelFree(tx.List(ch.Account, ch.Region), ch, true); err != nil {
			return nil, err
		}
		if err := tx.Put(ch); err != nil {
			return nil, err
		}
		out := channelWriteOutput{ChannelArn: ch.ARN, Name: ch.Name, Source: ch.Source, Destinations: destinationShapes(ch.Destinations)}
		if len(ch.Tags) > 0 {
			out.Tags = channelTagShapes(ch.Tags)
		}
		return s.channelResult(c, "CreateChannel", ch, out, true)
	})
}

type updateChannelInput struct {
	Channel      *string            `json:"Channel"`
	Destinations []destinationInput `json:"Destinations"`
	Name         *string            `json:"Name"`
}

// updateChannel renames a channel and/or replaces its destinations; the
// source cannot change. At least one of Name and Destinations is required.
func (s *Service) updateChannel(ctx context.Context, c *api.Call) (*api.Result, error) {
	var in updateChannelInput
	if err := decodeInput(c.Body, &in); err != nil {
		return nil, err
	}
	if in.Name != nil {
		if err := channel.ValidateName(*in.Name); err != nil {
			return nil, err
		}
	}
	var dests []channel.Destination
	if in.Destinations != nil {
		var err error
		if dests, err = s.destinationsFromInput(in.Destinations, c); err != nil {
			return nil, err
		}
	}
	return s.channelWrite(ctx, func(tx *channel.Tx) (*api.Result, error) {
		ch, err := findChannel(tx, c, in.Channel)
		if err != nil {
			return nil, err
		}
		if in.Name == nil && in.Destinations == nil {
			return nil, cterr.InvalidParameter.New("UpdateChannel needs a new Name or new Destinations.")
		}
		if in.Name != nil {
			ch.Name = *in.Name
		}
		if dests != nil {
			ch.Destinations = dests
		}
		ch.Updated = s.callTime(c).Truncate(time.Millisecond)
		if err := s.checkChannelFree(tx.List(ch.Account, ch.Region), ch, false); err != nil {
			return nil, err
		}
		if err := tx.Put(ch); err != nil {
			return nil, err
		}
		out := channelWriteOutput{ChannelArn: ch.ARN, Name: ch.Name, Source: ch.Source, Destinations: destinationShapes(ch.Destinations)}
		return s.channelResult(c, "UpdateChannel", ch, out, true)
	})
}

type channelRefInput struct {
	Channel *string `json:"Channel"`
}

// deleteChannel deletes a channel with its resource policy and ingestion
// status. Events it ingested stay in the event stream.
func (s *Service) deleteChannel(ctx context.Context, c *api.Call) (*api.Result, error) {
	var in channelRefInput
	if err := decodeInput(c.Body, &in); err != nil {
		return nil, err
	}
	return s.channelWrite(ctx, func(tx *channel.Tx) (*api.Result, error) {
		ch, err := findChannel(tx, c, in.Channel)
		if err != nil {
			return nil, err
		}
		if err := tx.Delete(ch.ARN); err != nil {
			return nil, err
		}
		return s.channelResult(c, "DeleteChannel", ch, struct{}{}, false)
	})
}
