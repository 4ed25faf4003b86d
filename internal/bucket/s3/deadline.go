package s3

import (
	"context"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go/middleware"

	"github.com/cairn-audit/cairn/internal/outbound"
)

// Deadlines of a Store's calls (see docs/DELIVERY.md, "Deadlines").
const (
	// DefaultOperationTimeout bounds one S3 operation, SDK retries included,
	// up to its response headers.
	DefaultOperationTimeout = 5 * time.Minute
	// PutFloorRate is the slowest upload rate a PutObject's deadline allows
	// for: its body adds size/PutFloorRate to the operation deadline.
	PutFloorRate = 256 << 10 // bytes per second
)

// httpClient is the outbound client of a Store: connect, TLS, response
// header and progress deadlines on every request, errors naming the S3
// operation. Object bodies are bounded by the progress deadline, not a total.
func httpClient(o outbound.Options) *http.Client {
	o.Name = "s3"
	o.Operation = outbound.SDKOperation
	o.Timeout = 0 // object bodies stream: the operation deadline below bounds the rest
	if o.Proxy == nil {
		o.Proxy = http.ProxyFromEnvironment // as the SDK's own client
	}
	o.HTTP2 = true
	return outbound.NewClient(o)
}

// operationDeadline is an SDK middleware bounding each operation, retries
// included: timeout (plus the body's time at PutFloorRate for PutObject)
// until the operation returns; for GetObject until the response headers,
// the body then being bounded by the transport's progress deadline. When it
// passes the error is an *outbound.Error in PhaseOverall.
func operationDeadline(timeout time.Duration, endpoint string) func(*middleware.Stack) error {
	return func(st *middleware.Stack) error {
		return st.Initialize.Add(middleware.InitializeMiddlewareFunc("CairnOperationDeadline",
			func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
				d := timeout
				if p, ok := in.Parameters.(*s3.PutObjectInput); ok {
					d += time.Duration(aws.ToInt64(p.ContentLength)/PutFloorRate) * time.Second
				}
				ctx, cancel := context.WithCancelCause(ctx)
				oe := &outbound.Error{Client: "s3", Op: awsmiddleware.GetOperationName(ctx), Endpoint: endpoint,
					Phase: outbound.PhaseOverall, After: d, Err: context.DeadlineExceeded}
				timer := time.AfterFunc(d, func() { cancel(oe) })
				out, md, err := next.HandleInitialize(ctx, in)
				if !timer.Stop() && context.Cause(ctx) == oe {
					if err == nil {
						err = oe
					} else {
						err = &outbound.Error{Client: oe.Client, Op: oe.Op, Endpoint: endpoint, Phase: oe.Phase, After: d, Err: err}
					}
				}
				if g, ok := out.Result.(*s3.GetObjectOutput); ok && err == nil && g.Body != nil {
					g.Body = &cancelOnClose{ReadCloser: g.Body, cancel: func() { cancel(nil) }}
					return out, md, err
				}
				cancel(nil)
				return out, md, err
			}), middleware.Before)
	}
}

// cancelOnClose ends a GetObject's context when its body is closed.
type cancelOnClose struct {
	io.ReadCloser
	once   sync.Once
	cancel func()
}

func (c *cancelOnClose) Close() error {
	err := c.ReadCloser.Close()
	c.once.Do(c.cancel)
	return err
}
