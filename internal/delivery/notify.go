package delivery

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/cairn-audit/cairn/internal/event"
	"github.com/cairn-audit/cairn/internal/outbound"
	"github.com/cairn-audit/cairn/internal/trail"
)

// snsNotification is the body of an SNS HTTP(S) notification.
type snsNotification struct {
	Type             string `json:"Type"`
	MessageID        string `json:"MessageId"`
	TopicArn         string `json:"TopicArn"`
	Subject          string `json:"Subject,omitempty"`
	Message          string `json:"Message"`
	Timestamp        string `json:"Timestamp"`
	SignatureVersion string `json:"SignatureVersion"`
}

// topicName is the topic of a trail's SnsTopicName (a name or an ARN).
func topicName(s string) string {
	if strings.HasPrefix(s, "arn:") {
		return s[strings.LastIndexByte(s, ':')+1:]
	}
	return s
}

// notify announces stored log files on the trail's SNS topic, as CloudTrail
// does: Message is {"s3Bucket": ..., "s3ObjectKey": [...]}.
func (w *worker) notify(ctx context.Context, t trail.Trail, keys []string) {
	if t.SnsTopicName == "" {
		return
	}
	url, ok := w.e.opts.SNSTopics[topicName(t.SnsTopicName)]
	attempt := w.e.opts.Now().UTC()
	w.setStatus(func(s *trail.Status) { s.LatestNotificationAttemptTime = attempt })
	var err error
	if !ok {
		err = fmt.Errorf("NotFound: topic %s has no webhook configured", topicName(t.SnsTopicName))
	} else {
		err = w.post(ctx, url, t, keys)
	}
	now := w.e.opts.Now().UTC()
	w.setStatus(func(s *trail.Status) {
		if err != nil {
			s.LatestNotificationError = err.Error()
			return
		}
		s.LatestNotificationTime, s.LatestNotificationAttemptSucceeded, s.LatestNotificationError = now, now, ""
	})
	if err != nil {
		w.e.opts.Logger.Warn("trail notification failed", "trail", t.ARN, "err", err)
	}
}

func (w *worker) post(ctx context.Context, url string, t trail.Trail, keys []string) error {
	msg, err := json.Marshal(struct {
		S3Bucket    string   `json:"s3Bucket"`
		S3ObjectKey []string `json:"s3ObjectKey"`
	}{t.S3BucketName, keys})
	if err != nil {
		return err
	}
	n := snsNotification{
		Type: "Notification", MessageID: event.NewID(), TopicArn: t.SnsTopicARN,
		Message: string(msg), Timestamp: w.e.opts.Now().UTC().Format("2006-01-02T15:04:05.000Z"), SignatureVersion: "1",
	}
	body, err := json.Marshal(n)
	if err != nil {
		return err
	}
	// The client's own deadline is NotifyTimeout (a named *outbound.Error);
	// this one is a backstop for a client given in Options.
	ctx, cancel := context.WithTimeout(ctx, w.e.opts.NotifyTimeout+time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("notification request: %w", err)
	}
	req.Header.Set("Content-Type", "text/plain; charset=UTF-8")
	req.Header.Set("X-Amz-Sns-Message-Type", "Notification")
	req.Header.Set("X-Amz-Sns-Message-Id", n.MessageID)
	req.Header.Set("X-Amz-Sns-Topic-Arn", t.SnsTopicARN)
	resp, err := w.e.opts.HTTPClient.Do(req)
	if err != nil {
		var oe *outbound.Error
		if errors.As(err, &oe) {
			return fmt.Errorf("post notification: %w", oe) // names the endpoint and the deadline
		}
		return fmt.Errorf("post notification: %w", err)
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // lets the connection be reused
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("post notification: webhook answered %s", resp.Status)
	}
	return nil
}
