package gateway

import "strings"

// hidden stands in for a sensitive value, as AWS records it.
const hidden = "HIDDEN_DUE_TO_SECURITY_REASONS"

// secretNames are the member names (lower-case) hidden wherever they appear,
// whether or not a model marks them sensitive: secrets, and message and
// item payloads.
var secretNames = map[string]bool{
	"password": true, "newpassword": true, "oldpassword": true, "masteruserpassword": true,
	"secretaccesskey": true, "sessiontoken": true, "secretstring": true, "secretbinary": true,
	"privatekey": true, "plaintext": true, "clientsecret": true, "accesstoken": true, "refreshtoken": true,
	"authtoken": true, "messagebody": true, "secrettoauthenticateinitiator": true, "secrettoauthenticatetarget": true,
}

// payloadNames are, per service, members that carry the customer's data and
// are hidden (DynamoDB items and expression values, SNS messages).
var payloadNames = map[string]map[string]bool{
	"dynamodb": {"item": true, "expressionattributevalues": true, "requestitems": true, "transactitems": true, "attributeupdates": true, "exclusivestartkey": true, "statement": true, "parameters": true},
	"sns":      {"message": true, "messageattributes": true},
	"sqs":      {"messageattributes": true, "entries": true},
	"lambda":   {"payload": true, "environment": true},
	"kinesis":  {"data": true, "records": true},
	"firehose": {"record": true, "records": true},
}

// redact hides secrets and payloads in requestParameters or responseElements.
func redact(service string, m map[string]any) map[string]any {
	pay := payloadNames[service]
	for k, v := range m {
		lk := strings.ToLower(k)
		switch {
		case secretNames[lk] || pay[lk]:
			m[k] = hidden
		default:
			m[k] = redactValue(v)
		}
	}
	return m
}

func redactValue(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, x := range t {
			if secretNames[strings.ToLower(k)] {
				t[k] = hidden
			} else {
				t[k] = redactValue(x)
			}
		}
	case []any:
		for i, x := range t {
			t[i] = redactValue(x)
		}
	}
	return v
}
