package cloudtrail

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/cairn-audit/cairn/internal/channel"
	"github.com/cairn-audit/cairn/internal/event"
)

func TestCreateChannelResponseAndRecord(t *testing.T) {
	e := newChannelEnv(t)
	res := e.ok("us-east-1", "CreateChannel", map[string]any{"Name": "app-audit", "Source": "Custom",
		"Destinations": []map[string]string{{"Type": "EVENT_DATA_STORE", "Location": edsARN}},
		"Tags":         []map[string]string{{"Key": "team", "Value": "sec"}}}, nil)
	chs := e.channels.List(acct, "us-east-1")
	if len(chs) != 1 {
		t.Fatalf("stored %+v", chs)
	}
	ch := chs[0]
	if ch.ARN != "arn:aws:cloudtrail:us-east-1:111111111111:channel/"+ch.ID || len(ch.ID) != 36 || !ch.Destinations[0].Pending || !ch.Created.Equal(testNow) {
		t.Fatalf("stored %+v", ch)
	}
	want := fmt.Sprintf(`{"ChannelArn":%q,"Name":"app-audit","Source":"Custom","Destinations":[{"Type":"EVENT_DATA_STORE","Location":%q}],"Tags":[{"Key":"team","Value":"sec"}]}`, ch.ARN, edsARN)
	if string(res.Body) != want {
		t.Fatalf("response\n%s\nwant\n%s", res.Body, want)
	}
	if res.EventName != "CreateChannel" || res.ReadOnly || res.DataEvent || res.APIVersion != APIVersion {
		t.Fatalf("event %+v", res)
	}
	wantRP := fmt.Sprintf(`{"destinations":[{"location":%q,"type":"EVENT_DATA_STORE"}],"name":"app-audit","source":"Custom","tags":[{"key":"team","value":"sec"}]}`, edsARN)
	if got := jsonString(t, res.RequestParameters); got != wantRP {
		t.Fatalf("requestParameters\n%s\nwant\n%s", got, wantRP)
	}
	wantRE := fmt.Sprintf(`{"channelArn":%q,"name":"app-audit","source":"Custom","destinations":[{"type":"EVENT_DATA_STORE","location":%q}],"tags":[{"key":"team","value":"sec"}]}`, ch.ARN, edsARN)
	if got := jsonString(t, res.ResponseElements); got != wantRE {
		t.Fatalf("responseElements\n%s\nwant\n%s", got, wantRE)
	}
	if len(res.Resources) != 1 || res.Resources[0] != (event.ResourceRef{Type: "AWS::CloudTrail::Channel", Name: "app-audit", ARN: ch.ARN}) {
		t.Fatalf("resources %+v", res.Resources)
	}
	// An event data store ID and an AWS_SERVICE destination are accepted too.
	e.ok("eu-west-1", "CreateChannel", map[string]any{"Name": "xyz", "Source": "Custom", "Destinations": []map[string]string{
		{"Type": "EVENT_DATA_STORE", "Location": "0f3e1c5a-2222-4000-8000-000000000009"}, {"Type": "AWS_SERVICE", "Location": "config.amazonaws.com"}}}, nil)
}

func TestCreateChannelStagedUntilCommit(t *testing.T) {
	e := newChannelEnv(t)
	res := e.handle(acct, "us-east-1", "CreateChannel", map[string]any{"Name": "app", "Source": "Custom",
		"Destinations": []map[string]string{{"Type": "EVENT_DATA_STORE", "Location": "eds-id-1"}}})
	if res.ErrorCode != "" || res.Commit == nil {
		t.Fatalf("%s %s", res.ErrorCode, res.ErrorMessage)
	}
	if n := len(e.channels.List(acct, "us-east-1")); n != 0 {
		t.Fatalf("%d channels visible before the event is durable", n)
	}
	res.Abort() // the event could not be recorded
	if n := len(e.channels.List(acct, "us-east-1")); n != 0 {
		t.Fatalf("%d channels after Abort", n)
	}
	e.createChannel("us-east-1", "app") // the store's write lock was released
}

func TestCreateChannelErrors(t *testing.T) {
	dest := []map[string]string{{"Type": "EVENT_DATA_STORE", "Location": edsARN}}
	tags := make([]map[string]string, 51)
	for i := range tags {
		tags[i] = map[string]string{"Key": fmt.Sprintf("k%d", i)}
	}
	manyDests := make([]map[string]string, 201)
	for i := range manyDests {
		manyDests[i] = map[string]string{"Type": "AWS_SERVICE", "Location": fmt.Sprintf("svc%d", i)}
	}
	cases := []struct {
		name string
		body map[string]any
		code string
		msg  string
	}{
		{"short name", map[string]any{"Name": "ab", "Source": "Custom", "Destinations": dest}, "InvalidParameterException", "Channel name"},
		{"bad name", map[string]any{"Name": "a b c", "Source": "Custom", "Destinations": dest}, "InvalidParameterException", "Channel name"},
		{"long name", map[string]any{"Name": strings.Repeat("a", 129), "Source": "Custom", "Destinations": dest}, "InvalidParameterException", "Channel name"},
		{"no source", map[string]any{"Name": "abc", "Destinations": dest}, "InvalidParameterException", "Source"},
		{"partner source", map[string]any{"Name": "abc", "Source": "OktaPartner", "Destinations": dest}, "InvalidSourceException", "Custom source only"},
		{"no destinations", map[string]any{"Name": "abc", "Source": "Custom"}, "InvalidParameterException", "1 to 200 destinations"},
		{"201 destinations", map[string]any{"Name": "abc", "Source": "Custom", "Destinations": manyDests}, "InvalidParameterException", "1 to 200 destinations"},
		{"bad type", map[string]any{"Name": "abc", "Source": "Custom", "Destinations": []map[string]string{{"Type": "S3", "Location": "abc"}}}, "InvalidParameterException", "Destination type"},
		{"short location", map[string]any{"Name": "abc", "Source": "Custom", "Destinations": []map[string]string{{"Type": "AWS_SERVICE", "Location": "ab"}}}, "InvalidParameterException", "Destination location"},
		{"bad location chars", map[string]any{"Name": "abc", "Source": "Custom", "Destinations": []map[string]string{{"Type": "AWS_SERVICE", "Location": "a b c"}}}, "InvalidParameterException", "Destination location"},
		{"trail as eds", map[string]any{"Name": "abc", "Source": "Custom", "Destinations": []map[string]string{{"Type": "EVENT_DATA_STORE", "Location": "arn:aws:cloudtrail:us-east-1:111111111111:trail/t"}}}, "EventDataStoreARNInvalidException", ""},
		{"bad eds id", map[string]any{"Name": "abc", "Source": "Custom", "Destinations": []map[string]string{{"Type": "EVENT_DATA_STORE", "Location": "eds/with/slash"}}}, "EventDataStoreARNInvalidException", ""},
		{"eds of other account", map[string]any{"Name": "abc", "Source": "Custom", "Destinations": []map[string]string{{"Type": "EVENT_DATA_STORE", "Location": edsOther}}}, "EventDataStoreNotFoundException", "222222222222"},
		{"eds of other region", map[string]any{"Name": "abc", "Source": "Custom", "Destinations": []map[string]string{{"Type": "EVENT_DATA_STORE", "Location": edsARNEU}}}, "EventDataStoreNotFoundException", ""},
		{"duplicate destination", map[string]any{"Name": "abc", "Source": "Custom", "Destinations": append(dest, dest...)}, "InvalidParameterException", "more than once"},
		{"bad tag", map[string]any{"Name": "abc", "Source": "Custom", "Destinations": dest, "Tags": []map[string]string{{"Key": "aws:x"}}}, "InvalidTagParameterException", ""},
		{"51 tags", map[string]any{"Name": "abc", "Source": "Custom", "Destinations": dest, "Tags": tags}, "TagsLimitExceededException", ""},
	}
	e := newChannelEnv(t)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e.t = t
			if msg := e.fails("us-east-1", "CreateChannel", c.body, c.code); !strings.Contains(msg, c.msg) {
				t.Fatalf("message %q does not contain %q", msg, c.msg)
			}
		})
	}
	if n := len(e.channels.All()); n != 0 {
		t.Fatalf("%d channels stored by failed calls", n)
	}
}

func TestChannelUniquenessAndLimit(t *testing.T) {
	e := newChannelEnv(t)
	e.createChannel("us-east-1", "first")
	body := map[string]any{"Name": "second", "Source": "Custom", "Destinations": []map[string]string{{"Type": "EVENT_DATA_STORE", "Location": "eds-1"}}}
	if msg := e.fails("us-east-1", "CreateChannel", body, "ChannelAlreadyExistsException"); !strings.Contains(msg, "one channel is allowed per source") {
		t.Fatal(msg)
	}
	e.seed(acct, "us-east-1", "partner", "PartnerX", testNow)
	body["Name"] = "partner"
	e.fails("us-east-1", "CreateChannel", body, "ChannelAlreadyExistsException")
	// Other regions and accounts are separate.
	e.createChannel("eu-west-1", "first")
	e.doAs(other, "us-east-1", "CreateChannel", body)

	lim := newChannelEnv(t, func(o *Options) { o.MaxChannelsPerRegion = 1 })
	lim.createChannel("us-east-1", "only")
	body["Name"] = "more"
	lim.fails("us-east-1", "CreateChannel", body, "ChannelMaxLimitExceededException")
}

func TestGetChannel(t *testing.T) {
	e := newChannelEnv(t)
	arn := e.createChannel("us-east-1", "app")
	id := arn[strings.LastIndexByte(arn, '/')+1:]
	var out getChannelOutput
	e.ok("us-east-1", "GetChannel", map[string]any{"Channel": arn}, &out)
	want := fmt.Sprintf(`{"ChannelArn":%q,"Name":"app","Source":"Custom","SourceConfig":{"ApplyToAllRegions":false,"AdvancedEventSelectors":[]},"Destinations":[{"Type":"EVENT_DATA_STORE","Location":%q}],"IngestionStatus":{}}`, arn, edsARN)
	if got := jsonString(t, out); got != want {
		t.Fatalf("GetChannel\n%s\nwant\n%s", got, want)
	}
	at := testNow.Add(time.Minute)
	e.channels.UpdateIngestion(arn, func(g *channel.Ingestion) {
		g.LatestSuccessTime, g.LatestSuccessEventID, g.LatestAttemptTime, g.LatestAttemptEventID, g.LatestErrorCode = at, "e1", at, "e1", "InvalidChecksum"
	})
	res := e.ok("us-east-1", "GetChannel", map[string]any{"Channel": id}, &out) // by ID
	if !strings.Contains(string(res.Body), `"IngestionStatus":{"LatestIngestionSuccessTime":1795262460,"LatestIngestionSuccessEventID":"e1","LatestIngestionErrorCode":"InvalidChecksum","LatestIngestionAttemptTime":1795262460,"LatestIngestionAttemptEventID":"e1"}`) {
		t.Fatalf("ingestion status %s", res.Body)
	}
	if !res.ReadOnly || res.ResponseElements != nil || res.Resources[0].ARN != arn {
		t.Fatalf("event %+v", res)
	}
	for _, c := range []struct{ region, ref, code string }{
		{"us-east-1", "arn:aws:cloudtrail:us-east-1:111111111111:channel/0b3c1e3a-1111-4000-8000-000000000001", "ChannelNotFoundException"},
		{"eu-west-1", arn, "ChannelNotFoundException"},
		{"eu-west-1", id, "ChannelNotFoundException"},
		{"us-east-1", "arn:aws:cloudtrail:us-east-1:111111111111:trail/t", "ChannelARNInvalidException"},
		{"us-east-1", "arn:aws:cloudtrail:us-east-1:1111:channel/x", "ChannelARNInvalidException"},
		{"us-east-1", "not a channel", "ChannelARNInvalidException"},
		{"us-east-1", "", "ChannelARNInvalidException"},
	} {
		e.fails(c.region, "GetChannel", map[string]any{"Channel": c.ref}, c.code)
	}
	e.doAs(other, "us-east-1", "GetChannel", map[string]any{"Channel": arn})
	if res := e.doAs(other, "us-east-1", "GetChannel", map[string]any{"Channel": arn}); res.ErrorCode != "ChannelNotFoundException" {
		t.Fatalf("another account's channel: %s", res.ErrorCode)
	}
}

func TestListChannelsPages(t *testing.T) {
	e := newChannelEnv(t)
	var arns []string
	for i := 0; i < 5; i++ {
		// Three channels share a creation millisecond: tokens must not skip or repeat them.
		created := testNow.Add(time.Duration(min(i, 2)) * time.Second)
		arns = append(arns, e.seed(acct, "us-east-1", fmt.Sprintf("ch%d", i), fmt.Sprintf("src%d", i), created).ARN)
	}
	e.seed(acct, "eu-west-1", "elsewhere", "src", testNow)
	e.seed(other, "us-east-1", "theirs", "src", testNow)
	var got []string
	token := ""
	for pages := 0; ; pages++ {
		body := map[string]any{"MaxResults": 2}
		if token != "" {
			body["NextToken"] = token
		}
		var out struct {
			Channels  []channelInfo
			NextToken string
		}
		e.ok("us-east-1", "ListChannels", body, &out)
		for _, c := range out.Channels {
			got = append(got, c.ChannelArn)
		}
		if token = out.NextToken; token == "" || pages > 5 {
			break
		}
	}
	if strings.Join(got, ",") != strings.Join(e.listARNs(), ",") || len(got) != 5 {
		t.Fatalf("paged %v\nwant %v", got, arns)
	}
	var all struct{ Channels []channelInfo }
	res := e.ok("us-east-1", "ListChannels", map[string]any{}, &all)
	if len(all.Channels) != 5 || strings.Contains(string(res.Body), "NextToken") || !res.ReadOnly {
		t.Fatalf("one page: %s", res.Body)
	}
	e.fails("us-east-1", "ListChannels", map[string]any{"MaxResults": 1001}, "InvalidParameterException")
	e.fails("us-east-1", "ListChannels", map[string]any{"MaxResults": 0}, "InvalidParameterException")
	e.fails("us-east-1", "ListChannels", map[string]any{"NextToken": "garbage-token"}, "InvalidNextTokenException")
	var page struct{ NextToken string }
	e.ok("us-east-1", "ListChannels", map[string]any{"MaxResults": 1}, &page)
	e.fails("eu-west-1", "ListChannels", map[string]any{"NextToken": page.NextToken}, "InvalidNextTokenException")
}

// listARNs is the account's us-east-1 channels in ListChannels order.
func (e *channelEnv) listARNs() []string {
	var out []string
	for _, c := range e.channels.List(acct, "us-east-1") {
		out = append(out, c.ARN)
	}
	return out
}

func TestUpdateChannel(t *testing.T) {
	e := newChannelEnv(t)
	arn := e.createChannel("us-east-1", "app")
	res := e.ok("us-east-1", "UpdateChannel", map[string]any{"Channel": arn, "Name": "renamed",
		"Destinations": []map[string]string{{"Type": "EVENT_DATA_STORE", "Location": "eds-2"}, {"Type": "AWS_SERVICE", "Location": "config.amazonaws.com"}}}, nil)
	want := fmt.Sprintf(`{"ChannelArn":%q,"Name":"renamed","Source":"Custom","Destinations":[{"Type":"EVENT_DATA_STORE","Location":"eds-2"},{"Type":"AWS_SERVICE","Location":"config.amazonaws.com"}]}`, arn)
	if string(res.Body) != want || res.ResponseElements == nil {
		t.Fatalf("UpdateChannel %s", res.Body)
	}
	ch, _ := e.channels.Get(arn)
	if ch.Name != "renamed" || len(ch.Destinations) != 2 || !ch.Destinations[0].Pending || ch.Destinations[1].Pending {
		t.Fatalf("stored %+v", ch)
	}
	e.ok("us-east-1", "UpdateChannel", map[string]any{"Channel": arn, "Name": "again"}, nil)
	if ch, _ := e.channels.Get(arn); ch.Name != "again" || len(ch.Destinations) != 2 {
		t.Fatalf("rename kept destinations? %+v", ch)
	}
	e.seed(acct, "us-east-1", "taken", "PartnerX", testNow)
	e.fails("us-east-1", "UpdateChannel", map[string]any{"Channel": arn, "Name": "taken"}, "ChannelAlreadyExistsException")
	e.fails("us-east-1", "UpdateChannel", map[string]any{"Channel": arn}, "InvalidParameterException")
	e.fails("us-east-1", "UpdateChannel", map[string]any{"Channel": arn, "Name": "x"}, "InvalidParameterException")
	e.fails("us-east-1", "UpdateChannel", map[string]any{"Channel": arn, "Destinations": []map[string]string{}}, "InvalidParameterException")
	e.fails("us-east-1", "UpdateChannel", map[string]any{"Channel": arn, "Destinations": []map[string]string{{"Type": "EVENT_DATA_STORE", "Location": edsOther}}}, "EventDataStoreNotFoundException")
	e.fails("eu-west-1", "UpdateChannel", map[string]any{"Channel": arn, "Name": "other"}, "ChannelNotFoundException")
	if ch, _ := e.channels.Get(arn); ch.Name != "again" {
		t.Fatalf("failed updates changed the channel: %+v", ch)
	}
}

func TestDeleteChannel(t *testing.T) {
	e := newChannelEnv(t)
	arn := e.createChannel("us-east-1", "app")
	e.channels.UpdateIngestion(arn, func(g *channel.Ingestion) { g.LatestErrorCode = "InvalidData" })
	e.fails("eu-west-1", "DeleteChannel", map[string]any{"Channel": arn}, "ChannelNotFoundException")
	res := e.ok("us-east-1", "DeleteChannel", map[string]any{"Channel": arn}, nil)
	if string(res.Body) != "{}" || res.ResponseElements != nil || res.Resources[0].ARN != arn || res.ReadOnly {
		t.Fatalf("DeleteChannel %s %+v", res.Body, res)
	}
	e.fails("us-east-1", "GetChannel", map[string]any{"Channel": arn}, "ChannelNotFoundException")
	e.fails("us-east-1", "DeleteChannel", map[string]any{"Channel": arn}, "ChannelNotFoundException")
	if g := e.channels.Ingestion(arn); g != (channel.Ingestion{}) {
		t.Fatalf("ingestion status left: %+v", g)
	}
	e.createChannel("us-east-1", "app") // the source is free again
}

func TestChannelOperationsWithoutStore(t *testing.T) {
	e := newTrailEnv(t)
	for _, op := range []string{"CreateChannel", "GetChannel", "ListChannels", "PutResourcePolicy"} {
		e.fails("us-east-1", op, map[string]any{}, "UnsupportedOperationException")
	}
}
