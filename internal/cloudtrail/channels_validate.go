package cloudtrail

import (
	"cmp"
	"regexp"

	"github.com/cairn-audit/cairn/internal/api"
	"github.com/cairn-audit/cairn/internal/channel"
	"github.com/cairn-audit/cairn/internal/lake"
	"github.com/cairn-audit/cairn/internal/selector"
)

// Channel input limits from the model.
const (
	maxChannelDestinations = 200
	minLocation            = 3
	maxLocation            = 1024
	maxSource              = 256
)

var (
	channelNameShape = regexp.MustCompile(`^[a-zA-Z0-9._\-]{3,128}$`)
	locationChars    = regexp.MustCompile(`^[a-zA-Z0-9._/\-:*]+$`)
)

type destinationInput struct {
	Type     *string `json:"Type"`
	Location *string `json:"Location"`
}

func validateChannelName(name string) error {
	if !channelNameShape.MatchString(name) {
		return api.Errorf("InvalidParameterException", "Channel name %q is not valid: it must be 3 to 128 characters of letters, numbers, periods (.), underscores (_) and hyphens (-).", name)
	}
	return nil
}

// validateSource accepts the Custom source only: Cairn has no partner
// integrations, so partner source names are InvalidSourceException.
func validateSource(src *string) error {
	v := deref(src)
	switch {
	case v == "" || len(v) > maxSource:
		return api.Errorf("InvalidParameterException", "Source must be 1 to %d characters long.", maxSource)
	case v != channel.SourceCustom:
		return api.Errorf("InvalidSourceException", "The source %q is not valid: Cairn supports the Custom source only (partner sources are not available).", v)
	}
	return nil
}

// destinationsFromInput validates 1-200 destinations. An EVENT_DATA_STORE
// location must name, by ARN or ID, an event data store of the caller's
// account in the calling region that can take the channel's events (see
// checkChannelDestination). Without a Lake there are no event data stores
// to resolve: a well-formed location is then kept pending, for the Lake to
// resolve. AWS_SERVICE locations are checked for format only.
func (s *Service) destinationsFromInput(in []destinationInput, c *api.Call) ([]channel.Destination, error) {
	const code = "InvalidParameterException"
	if len(in) < 1 || len(in) > maxChannelDestinations {
		return nil, api.Errorf(code, "A channel needs 1 to %d destinations; %d were given.", maxChannelDestinations, len(in))
	}
	out := make([]channel.Destination, 0, len(in))
	seen := map[string]bool{} // type and location, or the event data store's ARN
	for _, d := range in {
		typ, loc := deref(d.Type), deref(d.Location)
		if typ != channel.DestinationEventDataStore && typ != channel.DestinationAWSService {
			return nil, api.Errorf(code, "Destination type %q is not valid: use EVENT_DATA_STORE or AWS_SERVICE.", typ)
		}
		if len(loc) < minLocation || len(loc) > maxLocation || !locationChars.MatchString(loc) {
			return nil, api.Errorf(code, "Destination location %q is not valid: it must be 3 to 1024 letters, numbers and . _ / - : * characters.", loc)
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
			return nil, api.Errorf(code, "Destination %s %s appears more than once.", typ, loc)
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
	const code = "InvalidEventDataStoreCategoryException"
	switch cats := e.Categories(); {
	case e.Status == lake.StatusPendingDeletion:
		return "", errEDSInactive(e)
	case len(cats) != 1 || cats[0] != selector.CategoryActivityAuditLog:
		return "", api.Errorf(code, "Event data store %s cannot be a channel destination: it must select %s events only (eventCategory Equals %s).", e.ARN, selector.CategoryActivityAuditLog, selector.CategoryActivityAuditLog)
	case e.OrganizationEnabled:
		return "", api.Errorf(code, "Event data store %s cannot be a channel destination: it is an organization event data store.", e.ARN)
	case e.MultiRegionEnabled:
		return "", api.Errorf(code, "Event data store %s cannot be a channel destination: it is multi-Region (create it with MultiRegionEnabled false).", e.ARN)
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
		return api.Errorf("ChannelMaxLimitExceededException", "Account %s already has %d channels in %s, the maximum.", ch.Account, s.opts.MaxChannelsPerRegion, ch.Region)
	}
	for _, o := range existing {
		switch {
		case o.ARN == ch.ARN:
		case o.Name == ch.Name:
			return api.Errorf("ChannelAlreadyExistsException", "A channel named %s already exists: %s.", ch.Name, o.ARN)
		case o.Source == ch.Source:
			return api.Errorf("ChannelAlreadyExistsException", "A channel for source %s already exists: %s. Only one channel is allowed per source.", ch.Source, o.ARN)
		}
	}
	return nil
}
