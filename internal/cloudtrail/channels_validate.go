package cloudtrail

import (
	"regexp"

	"github.com/cairn-audit/cairn/internal/api"
	"github.com/cairn-audit/cairn/internal/channel"
)

// Channel input limits from the model.
const (
	maxChannelDestinations = 200
	minLocation            = 3
	maxLocation            = 1024
	maxSource              = 256
	maxEventDataStoreRef   = 256
)

var (
	channelNameShape = regexp.MustCompile(`^[a-zA-Z0-9._\-]{3,128}$`)
	locationChars    = regexp.MustCompile(`^[a-zA-Z0-9._/\-:*]+$`)
	edsIDShape       = regexp.MustCompile(`^[a-zA-Z0-9._\-]+$`)
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
// location must be an event data store ARN of the caller's account and
// region, or an event data store ID; since Cairn has no event data stores
// yet (the Lake), a well-formed one is accepted and kept pending, to be
// resolved when the Lake lands. AWS_SERVICE locations are checked for
// format only.
func destinationsFromInput(in []destinationInput, c *api.Call) ([]channel.Destination, error) {
	const code = "InvalidParameterException"
	if len(in) < 1 || len(in) > maxChannelDestinations {
		return nil, api.Errorf(code, "A channel needs 1 to %d destinations; %d were given.", maxChannelDestinations, len(in))
	}
	out := make([]channel.Destination, 0, len(in))
	seen := map[channel.Destination]bool{}
	for _, d := range in {
		typ, loc := deref(d.Type), deref(d.Location)
		if typ != channel.DestinationEventDataStore && typ != channel.DestinationAWSService {
			return nil, api.Errorf(code, "Destination type %q is not valid: use EVENT_DATA_STORE or AWS_SERVICE.", typ)
		}
		if len(loc) < minLocation || len(loc) > maxLocation || !locationChars.MatchString(loc) {
			return nil, api.Errorf(code, "Destination location %q is not valid: it must be 3 to 1024 letters, numbers and . _ / - : * characters.", loc)
		}
		dst := channel.Destination{Type: typ, Location: loc}
		if typ == channel.DestinationEventDataStore {
			if err := checkEventDataStoreRef(loc, c); err != nil {
				return nil, err
			}
			dst.Pending = true
		}
		if seen[dst] {
			return nil, api.Errorf(code, "Destination %s %s appears more than once.", typ, loc)
		}
		seen[dst] = true
		out = append(out, dst)
	}
	return out, nil
}

// checkEventDataStoreRef checks an event data store ARN or ID for format.
// An ARN of another account or region cannot name one of the caller's event
// data stores: EventDataStoreNotFoundException.
func checkEventDataStoreRef(ref string, c *api.Call) error {
	invalid := api.Errorf("EventDataStoreARNInvalidException", "The specified event data store ARN %q is not valid. The format is arn:aws:cloudtrail:us-east-2:123456789012:eventdatastore/01234567-89ab-cdef-0123-456789abcdef, or the ID that ends it.", ref)
	if len(ref) > maxEventDataStoreRef {
		return invalid
	}
	if !isARN(ref) {
		if !edsIDShape.MatchString(ref) {
			return invalid
		}
		return nil
	}
	a, ok := parseCloudTrailARN(ref)
	if !ok || a.Type != typeEventDataStore || !edsIDShape.MatchString(a.ID) {
		return invalid
	}
	if a.Account != c.Caller.AccountID || a.Region != c.Region {
		return api.Errorf("EventDataStoreNotFoundException", "The event data store %s was not found in account %s, region %s.", ref, c.Caller.AccountID, c.Region)
	}
	return nil
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
