package e2e

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmw "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// callLog records every call an aws-sdk-go-v2 client made whose answer it
// saw (one entry per HTTP attempt), as ackedCalls for checkIntegrity: the
// operation name as the event name, the request ID of the answer, and the
// error code the client saw ("" for success). Attempts that got no HTTP
// answer (connection cut) are not recorded.
type callLog struct {
	mu    sync.Mutex
	calls []ackedCall
}

// config returns cfg with the log attached to every client made from it.
func (l *callLog) config(cfg aws.Config) aws.Config {
	cfg.APIOptions = append(append([]func(*middleware.Stack) error{}, cfg.APIOptions...), l.attach)
	return cfg
}

// attach adds the recording middleware first in the Deserialize step, which
// runs once per attempt (retries are in Finalize), so that it sees the
// answer after the request-ID and response-error middleware.
func (l *callLog) attach(st *middleware.Stack) error {
	return st.Deserialize.Add(middleware.DeserializeMiddlewareFunc("e2eCallLog",
		func(ctx context.Context, in middleware.DeserializeInput, next middleware.DeserializeHandler) (middleware.DeserializeOutput, middleware.Metadata, error) {
			out, md, err := next.HandleDeserialize(ctx, in)
			if resp, ok := out.RawResponse.(*smithyhttp.Response); !ok || resp == nil {
				return out, md, err // no answer seen
			}
			c := ackedCall{Event: middleware.GetOperationName(ctx), Answered: true}
			if err == nil {
				c.RequestID, _ = awsmw.GetRequestIDMetadata(md)
			} else {
				var re interface{ ServiceRequestID() string }
				if errors.As(err, &re) {
					c.RequestID = re.ServiceRequestID()
				}
				c.Code = apiCode(err)
			}
			l.mu.Lock()
			l.calls = append(l.calls, c)
			l.mu.Unlock()
			return out, md, err
		}), middleware.Before)
}

// acked returns the calls recorded so far.
func (l *callLog) acked() []ackedCall {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]ackedCall(nil), l.calls...)
}

// checkLoggedIntegrity runs checkIntegrity over every call in l, first
// failing the test for an answer that carried no request ID.
func checkLoggedIntegrity(t *testing.T, s *server, l *callLog) {
	t.Helper()
	calls := l.acked()
	events := map[string]int{}
	for _, c := range calls {
		if c.RequestID == "" {
			t.Errorf("integrity: the answer to %s (%q) carried no request ID", c.Event, c.Code)
		}
		events[c.Event]++
	}
	began := time.Now()
	checkIntegrity(t, s, calls)
	t.Logf("integrity: checked %d acknowledged calls %v in %v", len(calls), events, time.Since(began).Round(time.Millisecond))
}
