// Package recorder turns a served call into a CloudTrail record and makes it
// durable on the event stream before the call is acknowledged.
package recorder

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"time"

	"github.com/cairn-audit/cairn/internal/api"
	"github.com/cairn-audit/cairn/internal/event"
	"github.com/cairn-audit/cairn/internal/identity"
)

// Stream is the durable, ordered event stream the recorder appends to.
type Stream interface {
	// Append returns once payload is durable, with its sequence number.
	Append(ctx context.Context, payload []byte) (uint64, error)
}

// Limits from the CloudTrail record reference.
const (
	maxUserAgent    = 1024
	maxErrorField   = 1024
	maxParamsFields = 100 * 1024 // requestParameters/responseElements above this are omitted
)

// Recorder builds records and appends them to the stream.
type Recorder struct {
	stream Stream
	now    func() time.Time
	owed   owed // markers whose append failed (settle.go)
}

// New returns a recorder appending to stream; now defaults to time.Now.
func New(stream Stream, now func() time.Time) *Recorder {
	if now == nil {
		now = time.Now
	}
	return &Recorder{stream: stream, now: now}
}

// Input is everything a record is made of.
type Input struct {
	Service   api.Service
	Caller    identity.Principal
	Region    string // signing region; global services record us-east-1
	SourceIP  string
	UserAgent string
	RequestID string
	TLS       *tls.ConnectionState
	Host      string
	Result    *api.Result
	// Account is the recipient account when it is not the caller's (an
	// Unknown caller has none); default Caller.AccountID.
	Account string
}

// Record makes the call's event durable and returns the entry as appended.
func (r *Recorder) Record(ctx context.Context, in Input) (event.Entry, error) {
	e, err := r.Build(in)
	if err != nil {
		return e, err
	}
	return r.AppendEntry(ctx, e)
}

// AppendEntry appends an entry built earlier (by Build or a failed Record)
// and returns it with its sequence number: how a call whose recording failed
// is recorded once the stream takes appends again.
func (r *Recorder) AppendEntry(ctx context.Context, e event.Entry) (event.Entry, error) {
	payload, err := e.MarshalBinary()
	if err != nil {
		return e, fmt.Errorf("encode event %s: %w", e.Meta.EventID, err)
	}
	seq, err := r.stream.Append(ctx, payload)
	if err != nil {
		return e, fmt.Errorf("record event %s: %w", e.Meta.EventID, err)
	}
	e.Seq = seq
	return e, nil
}

// Build makes the entry for a call without appending it.
func (r *Recorder) Build(in Input) (event.Entry, error) {
	res := in.Result
	now := r.now().UTC().Truncate(time.Second)
	region := in.Region
	if in.Service.Global() {
		region = "us-east-1"
	}
	category, management := event.CategoryManagement, true
	if res.DataEvent {
		category, management = event.CategoryData, false
	}
	readOnly := res.ReadOnly
	account := in.Account
	if account == "" {
		account = in.Caller.AccountID
	}
	rec := event.Record{
		EventVersion: event.Version,
		UserIdentity: event.UserIdentity{
			Type:        in.Caller.Type,
			PrincipalID: in.Caller.PrincipalID,
			ARN:         in.Caller.ARN,
			AccountID:   in.Caller.AccountID,
			AccessKeyID: in.Caller.AccessKeyID,
			UserName:    in.Caller.UserName,
		},
		EventTime:          now.Format(event.TimeFormat),
		EventSource:        in.Service.EventSource(),
		EventName:          res.EventName,
		AWSRegion:          region,
		SourceIPAddress:    in.SourceIP,
		UserAgent:          truncate(in.UserAgent, maxUserAgent),
		ErrorCode:          truncate(res.ErrorCode, maxErrorField),
		ErrorMessage:       truncate(res.ErrorMessage, maxErrorField),
		RequestID:          in.RequestID,
		EventID:            event.NewID(),
		ReadOnly:           &readOnly,
		EventType:          event.TypeAwsAPICall,
		APIVersion:         res.APIVersion,
		ManagementEvent:    &management,
		RecipientAccountID: account,
		EventCategory:      category,
	}
	var err error
	if rec.RequestParameters, err = boundedJSON(res.RequestParameters); err != nil {
		return event.Entry{}, fmt.Errorf("requestParameters of %s: %w", res.EventName, err)
	}
	if rec.ResponseElements, err = boundedJSON(res.ResponseElements); err != nil {
		return event.Entry{}, fmt.Errorf("responseElements of %s: %w", res.EventName, err)
	}
	for _, ref := range res.Resources {
		if ref.ARN != "" {
			rec.Resources = append(rec.Resources, event.Resource{ARN: ref.ARN, AccountID: account, Type: ref.Type})
		}
	}
	if in.TLS != nil {
		rec.TLSDetails = &event.TLSDetails{
			TLSVersion:               tlsVersionName(in.TLS.Version),
			CipherSuite:              tls.CipherSuiteName(in.TLS.CipherSuite),
			ClientProvidedHostHeader: in.Host,
		}
	}
	body, err := json.Marshal(&rec)
	if err != nil {
		return event.Entry{}, fmt.Errorf("marshal record %s: %w", rec.EventID, err)
	}
	return event.Entry{
		Meta: event.Meta{
			Time:        now,
			Account:     account,
			Region:      region,
			EventID:     rec.EventID,
			EventName:   rec.EventName,
			EventSource: rec.EventSource,
			Username:    in.Caller.LookupName(),
			AccessKeyID: in.Caller.AccessKeyID,
			ReadOnly:    readOnly,
			Management:  management,
			Category:    category,
			ErrorCode:   rec.ErrorCode,
			Resources:   res.Resources,
			UserARN:     in.Caller.ARN,
			EventType:   rec.EventType,
			Global:      in.Service.Global(),
			Pending:     res.Commit != nil,
		},
		Record: body,
	}, nil
}

// boundedJSON marshals v (nil → null); values over the CloudTrail size limit are
// recorded as null, as CloudTrail omits them.
func boundedJSON(v any) (json.RawMessage, error) {
	if v == nil {
		return nil, nil
	}
	if raw, ok := v.(json.RawMessage); ok {
		if len(raw) > maxParamsFields {
			return nil, nil
		}
		return raw, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	if len(b) > maxParamsFields || string(b) == "null" {
		return nil, nil
	}
	return b, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

func tlsVersionName(v uint16) string {
	switch v {
	case tls.VersionTLS13:
		return "TLSv1.3"
	case tls.VersionTLS12:
		return "TLSv1.2"
	case tls.VersionTLS11:
		return "TLSv1.1"
	case tls.VersionTLS10:
		return "TLSv1"
	}
	return fmt.Sprintf("0x%04x", v)
}
