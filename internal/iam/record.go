package iam

import (
	"bytes"
	"encoding/json"
	"strconv"
	"time"

	"github.com/cairn-audit/cairn/internal/event"
	"github.com/cairn-audit/cairn/internal/identity"
)

// record is what a call's event records besides the response.
type record struct {
	params    orderedParams
	response  any // responseElements of a successful write
	resources []event.ResourceRef
}

// orderedParams are requestParameters: the members the caller sent, with
// lower-camel names, in the model's order.
type orderedParams []param

type param struct {
	name  string
	value any
}

func (o *orderedParams) add(name string, value any) { *o = append(*o, param{name, value}) }

// value is what the event records: null when nothing was sent.
func (o orderedParams) value() any {
	if len(o) == 0 {
		return nil
	}
	return o
}

func (o orderedParams) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, p := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(p.name)
		v, err := json.Marshal(p.value)
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// maxItemsValue records MaxItems as a number when it is one, as CloudTrail does.
func maxItemsValue(raw string) any {
	if n, err := strconv.Atoi(raw); err == nil {
		return n
	}
	return raw
}

type tagJSON struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

func tagsParam(tags []tagParam) []tagJSON {
	out := make([]tagJSON, 0, len(tags))
	for _, t := range tags {
		var j tagJSON
		if t.key != nil {
			j.Key = *t.key
		}
		if t.value != nil {
			j.Value = *t.value
		}
		out = append(out, j)
	}
	return out
}

// cloudTrailDate is how IAM's CloudTrail responseElements render dates
// ("Nov 21, 2026, 5:00:00 AM").
func cloudTrailDate(t time.Time) string { return t.UTC().Format("Jan 2, 2006, 3:04:05 PM") }

type userElements struct {
	User userJSON `json:"user"`
}

type userJSON struct {
	Path       string    `json:"path"`
	UserName   string    `json:"userName"`
	UserID     string    `json:"userId"`
	ARN        string    `json:"arn"`
	CreateDate string    `json:"createDate"`
	Tags       []tagJSON `json:"tags,omitempty"`
}

func userResponse(u identity.User) userElements {
	j := userJSON{Path: u.Path, UserName: u.Name, UserID: u.UserID, ARN: u.ARN(), CreateDate: cloudTrailDate(u.Created)}
	for _, t := range u.Tags {
		j.Tags = append(j.Tags, tagJSON(t))
	}
	return userElements{j}
}

type accessKeyElements struct {
	AccessKey accessKeyJSON `json:"accessKey"`
}

// accessKeyJSON deliberately has no secret field.
type accessKeyJSON struct {
	UserName    string `json:"userName,omitempty"`
	AccessKeyID string `json:"accessKeyId"`
	Status      string `json:"status"`
	CreateDate  string `json:"createDate"`
}

func accessKeyResponse(k identity.AccessKey) accessKeyElements {
	return accessKeyElements{accessKeyJSON{UserName: k.UserName, AccessKeyID: k.ID, Status: k.Status, CreateDate: cloudTrailDate(k.Created)}}
}

// Resource types as LookupEvents reports them.
const (
	resourceUser      = "AWS::IAM::User"
	resourceAccessKey = "AWS::IAM::AccessKey"
)

func (r *record) user(name, arn string) {
	r.resources = append(r.resources, event.ResourceRef{Type: resourceUser, Name: name, ARN: arn})
}

func (r *record) accessKey(id string) {
	r.resources = append(r.resources, event.ResourceRef{Type: resourceAccessKey, Name: id})
}

func itoa(n int) string { return strconv.Itoa(n) }
