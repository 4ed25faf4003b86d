package cloudtrail

import (
	"context"
	"testing"
	"time"

	"github.com/cairn-audit/cairn/internal/channel"
)

const (
	edsARN    = "arn:aws:cloudtrail:us-east-1:111111111111:eventdatastore/0f3e1c5a-2222-4000-8000-000000000001"
	edsARNEU  = "arn:aws:cloudtrail:eu-west-1:111111111111:eventdatastore/0f3e1c5a-2222-4000-8000-000000000002"
	edsOther  = "arn:aws:cloudtrail:us-east-1:222222222222:eventdatastore/0f3e1c5a-2222-4000-8000-000000000003"
	customSrc = "Custom"
)

// channelEnv is a trailEnv whose service also has a channel store.
type channelEnv struct {
	*trailEnv
	channels *channel.Store
}

func newChannelEnv(t *testing.T, tweak ...func(*Options)) *channelEnv {
	t.Helper()
	st, err := channel.Open(t.TempDir(), channel.Options{FlushInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	e := &channelEnv{channels: st}
	e.trailEnv = newTrailEnv(t, append([]func(*Options){func(o *Options) { o.Channels = st }}, tweak...)...)
	return e
}

// createChannel creates the Custom channel of a region and returns its ARN.
func (e *channelEnv) createChannel(region, name string) string {
	e.t.Helper()
	var out struct{ ChannelArn string }
	loc := "0f3e1c5a-2222-4000-8000-00000000000a" // an event data store ID
	if region == "us-east-1" {
		loc = edsARN
	}
	e.ok(region, "CreateChannel", map[string]any{"Name": name, "Source": customSrc,
		"Destinations": []map[string]string{{"Type": "EVENT_DATA_STORE", "Location": loc}}}, &out)
	return out.ChannelArn
}

// seed stores a channel straight into the store (sources other than Custom
// cannot be created through the API).
func (e *channelEnv) seed(account, region, name, source string, created time.Time) channel.Channel {
	e.t.Helper()
	id := channel.NewID()
	ch := channel.Channel{ID: id, ARN: channel.ARN(region, account, id), Account: account, Region: region, Name: name, Source: source,
		Destinations: []channel.Destination{{Type: "EVENT_DATA_STORE", Location: "eds-1"}}, Created: created, Updated: created}
	tx, err := e.channels.Begin(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	if err := tx.Put(ch); err != nil {
		e.t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		e.t.Fatal(err)
	}
	return ch
}
