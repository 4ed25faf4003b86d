package store

import (
	"context"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/cairn-audit/cairn/internal/lake"
)

type printW struct{}

func (printW) Columns(n []string) error { fmt.Printf("  cols %q\n", n); return nil }
func (printW) Row(v []lake.Value) error { fmt.Printf("  row %v\n", v); return nil }

func TestScratch(t *testing.T) {
	l, err := OpenLake(LakeOptions{Logger: slog.New(slog.DiscardHandler), MemoryLimit: "500MB", Threads: 2, QueryConns: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	id := "6f1b2c3d-1111-4222-8333-444455556666"
	rec := `{"eventVersion":"1.11","userIdentity":{"type":"AssumedRole","principalId":"AROA:s","arn":"arn:aws:sts::1:assumed-role/R/s","accountId":"123","sessionContext":{"sessionIssuer":{"type":"Role","userName":"R"},"attributes":{"creationDate":"2024-01-01T00:00:00Z","mfaAuthenticated":"false"}}},"eventTime":"2026-11-20T10:00:00Z","eventSource":"s3.amazonaws.com","eventName":"CreateBucket","awsRegion":"us-east-1","sourceIPAddress":"1.2.3.4","requestParameters":{"bucketName":"b1","x":{"y":2}},"responseElements":null,"eventID":"e1","readOnly":false,"resources":[{"ARN":"arn:aws:s3:::b1","accountId":"123","type":"AWS::S3::Bucket"}],"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"123","eventCategory":"Management","apiVersion":"2006"}`
	now := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	if err := l.Append(context.Background(), []lake.Row{{Store: id, Time: now, EventID: "e1", Record: []byte(rec)}}, map[string]uint64{"journal": 5}); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		"SELECT eventName, count(*) FROM " + id + " GROUP BY eventName",
		"SELECT requestParameters.bucketName, element_at(requestParameters, 'x'), requestParameters['x']['y'] AS xy, userIdentity.sessionContext.sessionIssuer.userName, eventTime, readOnly, resources, apiVersion FROM " + id,
		"SELECT * FROM arn:aws:cloudtrail:us-east-1:123456789012:eventdatastore/" + id,
		"SELECT count(*) FROM " + id + " WHERE eventTime > now() - interval '7' day",
		"SELECT date_trunc('day', eventTime), date_add('day', -7, now()) < now(), current_timestamp > eventTime FROM " + id,
	} {
		fmt.Println(q)
		st, err := l.Run(context.Background(), lake.Query{SQL: q, Stores: map[string]lake.Scope{id: {}}}, printW{})
		fmt.Println("  ", st, err)
	}
}
