// Package event defines the CloudTrail record Cairn writes for every call and
// the entry that carries it through the durable stream to its consumers.
package event

import "encoding/json"

// Version is the eventVersion Cairn writes.
const Version = "1.11"

// Event types and categories as CloudTrail names them.
const (
	TypeAwsAPICall     = "AwsApiCall"
	CategoryManagement = "Management"
	CategoryData       = "Data"
	// CategoryActivityAuditLog and TypeActivityLog mark events ingested from
	// outside AWS through a channel (cloudtrail-data PutAuditEvents).
	CategoryActivityAuditLog = "ActivityAuditLog"
	TypeActivityLog          = "ActivityLog"
)

// TimeFormat is the layout of eventTime in records.
const TimeFormat = "2006-01-02T15:04:05Z"

// Record is one CloudTrail record. Field order is the order AWS writes them;
// requestParameters and responseElements are always present (possibly null).
type Record struct {
	EventVersion        string          `json:"eventVersion"`
	UserIdentity        UserIdentity    `json:"userIdentity"`
	EventTime           string          `json:"eventTime"`
	EventSource         string          `json:"eventSource"`
	EventName           string          `json:"eventName"`
	AWSRegion           string          `json:"awsRegion"`
	SourceIPAddress     string          `json:"sourceIPAddress"`
	UserAgent           string          `json:"userAgent,omitempty"`
	ErrorCode           string          `json:"errorCode,omitempty"`
	ErrorMessage        string          `json:"errorMessage,omitempty"`
	RequestParameters   json.RawMessage `json:"requestParameters"`
	ResponseElements    json.RawMessage `json:"responseElements"`
	AdditionalEventData json.RawMessage `json:"additionalEventData,omitempty"`
	RequestID           string          `json:"requestID,omitempty"`
	EventID             string          `json:"eventID"`
	ReadOnly            *bool           `json:"readOnly,omitempty"`
	Resources           []Resource      `json:"resources,omitempty"`
	EventType           string          `json:"eventType"`
	APIVersion          string          `json:"apiVersion,omitempty"`
	ManagementEvent     *bool           `json:"managementEvent,omitempty"`
	RecipientAccountID  string          `json:"recipientAccountId,omitempty"`
	EventCategory       string          `json:"eventCategory"`
	TLSDetails          *TLSDetails     `json:"tlsDetails,omitempty"`
}

// UserIdentity is the caller as CloudTrail records it.
type UserIdentity struct {
	Type        string `json:"type"`
	PrincipalID string `json:"principalId,omitempty"`
	ARN         string `json:"arn,omitempty"`
	AccountID   string `json:"accountId,omitempty"`
	AccessKeyID string `json:"accessKeyId,omitempty"`
	UserName    string `json:"userName,omitempty"`
}

// Resource is an entry of a record's resources list (note the upper-case ARN).
type Resource struct {
	ARN       string `json:"ARN,omitempty"`
	AccountID string `json:"accountId,omitempty"`
	Type      string `json:"type,omitempty"`
}

// TLSDetails describes the TLS connection a call arrived on.
type TLSDetails struct {
	TLSVersion               string `json:"tlsVersion"`
	CipherSuite              string `json:"cipherSuite"`
	ClientProvidedHostHeader string `json:"clientProvidedHostHeader"`
}
