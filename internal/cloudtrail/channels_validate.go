package cloudtrail

import (
	"cmp"

	"github.com/cairn-audit/cairn/internal/api"
	"github.com/cairn-audit/cairn/internal/channel"
	"github.com/cairn-audit/cairn/internal/cloudtrail/cterr"
)

type destinationInput struct {
	Type     *string `json:"Type"`
	Location *string `json:"Location"`
}

// destinationsFromInput validates 1-200 destinations. An EVENT_DATA_STORE
// location must name, by ARN or ID, an event data store of the caller's
// account in the calling region that can take the channel's events (see
// checkChannelDestination). Without a Lake there are no event data stores
// to resolve: a well-formed location is then kept pending, for the Lake to
// resolve. AWS_SERVICE locations are checked for format only.
func (s *Service) destinationsFromInput(in []destinationInput, c *api.Call) ([]channel.Destination, error) {
	if err := channel.CheckDestinationCount(len(in)); err != nil {
		return nil, err
	}
	out := make([]channel.Destination, 0, len(in))
	seen := map[string]bool{} // type and location, or the event data store's ARN
	for _, d := range in {
		typ, loc := deref(d.Type), deref(d.Location)
		if err := channel.CheckDestination(typ, loc); err != nil {
			return nil, err
		}
		dst, key := channel.Destination{Type: typ, Location: loc}, typ+"\x00"+loc
		if typ == channel.DestinationEventDataStore {
			arn, err := s.checkChannelDestination(loc, c)
			if err != nil {
				return nil, err
			}
			dst.Pending, key = arn == "", cmp.Or(arn, key)
		}
		if seen[key] {
			return nil, channel.ErrDuplicateDestination(typ, loc)
		}
		seen[key] = true
		out = append(out, dst)
	}
	return out, nil
}

// checkChannelDestination resolves an EVENT_DATA_STORE location and
// returns the store's ARN. The store must be active, single-region, not an
// organization store, and select ActivityAuditLog events only
// (InvalidEventDataStoreCategoryException otherwise). Without a Lake the
// location is checked for format only and "" is returned.
func (s *Service) checkChannelDestination(ref string, c *api.Call) (string, error) {
	if s.opts.Lake == nil || s.opts.Lake.Stores == nil {
		return "", checkEDSRef(ref, c)
	}
	e, err := findEventDataStore(s.opts.Lake.Stores, c, ref)
	if err != nil {
		return "", err
	}
	if err := e.CheckChannelDestination(); err != nil {
		return "", err
	}
	return e.ARN, nil
}

// channelTagsFromInput validates a TagsList (at most 50 tags).
func channelTagsFromInput(in []tagInput, arn string) ([]channel.Tag, error) {
	tags, err := tagsFromInput(in)
	if err != nil {
		return nil, err
	}
	if len(tags) > maxTagsPerResource {
		return nil, errTagsLimit(arn)
	}
	out := make([]channel.Tag, 0, len(tags))
	for _, t := range tags {
		out = append(out, channel.Tag{Key: t.Key, Value: t.Value})
	}
	return out, nil
}

// checkChannelFree refuses ch when another channel of its account and
// region has its name, or its source (one channel per source), and enforces
// the channels-per-region quota for a new channel.
func (s *Service) checkChannelFree(existing []channel.Channel, ch channel.Channel, isNew bool) error {
	if isNew && len(existing) >= s.opts.MaxChannelsPerRegion {
		return cterr.ChannelMaxLimitExceeded.New("Account %s already has %d channels in %s, the maximum.", ch.Account, s.opts.MaxChannelsPerRegion, ch.Region)
	}
	for _, o := range existing {
		switch {
		case o.ARN == ch.ARN:
		case o.Name == ch.Name:
			return cterr.ChannelAlreadyExists.New("A channel named %s already exists: %s.", ch.Name, o.ARN)
		case o.Source == ch.Source:
			return cterr.ChannelAlreadyExists.New("A channel for source %s already exists: %s. Only one channel is allowed per source.", ch.Source, o.ARN)
		}
	}
	return nil
}
