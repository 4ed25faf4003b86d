package lake

import "github.com/cairn-audit/cairn/internal/channel"

// ChannelStoreRoutes routes PutAuditEvents events by the channel store's
// EVENT_DATA_STORE destinations.
type ChannelStoreRoutes struct{ Store *channel.Store }

// Destinations implements ChannelRoutes.
func (r ChannelStoreRoutes) Destinations(channelARN string) (string, []string, bool) {
	ch, ok := r.Store.Get(channelARN)
	if !ok {
		return "", nil, false
	}
	var out []string
	for _, d := range ch.Destinations {
		if d.Type == channel.DestinationEventDataStore {
			out = append(out, d.Location)
		}
	}
	return ch.Account, out, true
}
