package server

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/cairn-audit/cairn/internal/api"
	"github.com/cairn-audit/cairn/internal/auth"
	"github.com/cairn-audit/cairn/internal/event"
	"github.com/cairn-audit/cairn/internal/iam"
	"github.com/cairn-audit/cairn/internal/identity"
	"github.com/cairn-audit/cairn/internal/recorder"
	"github.com/cairn-audit/cairn/internal/sts"
)

const (
	account = "123456789012"
	akid    = "AKIASERVERTEST000001"
	secret  = "serverTestSecret000000000000000000000000"
)

// stream is an in-memory event stream that can be made to fail.
type stream struct {
	mu      sync.Mutex
	fail    bool
	entries []event.Entry
	markers []event.Marker // settle markers, kept apart (settle_test.go)
	seq     uint64
}

func (s *stream) Append(_ context.Context, payload []byte) (uint64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail {
		return 0, errors.New("disk on fire")
	}
	if event.KindOf(payload) == event.KindMarker {
		var m event.Marker
		if err := m.UnmarshalBinary(payload); err != nil {
			return 0, err
		}
		s.markers = append(s.markers, m)
		s.seq++
		return s.seq, nil
	}
	var e event.Entry
	if err := e.UnmarshalBinary(payload); err != nil {
		return 0, err
	}
	s.entries = append(s.entries, e)
	s.seq++
	return s.seq, nil
}

func setup(t *testing.T) (*httptest.Server, *stream, *identity.Store) {
	t.Helper()
	return setupWith(t, func(s api.Service) api.Service { return s })
}

// setupWith is setup with the IAM service wrapped by wrap.
func setupWith(t *testing.T, wrap func(api.Service) api.Service) (*httptest.Server, *stream, *identity.Store) {
	t.Helper()
	ids, err := identity.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ids.Close() })
	if _, _, err := ids.Bootstrap(account, akid, secret); err != nil {
		t.Fatal(err)
	}
	st := &stream{}
	front := New(Options{
		Verifier: auth.NewVerifier(auth.FromIdentity(ids), auth.DefaultOptions()),
		Recorder: recorder.New(st, nil),
		Services: []api.Service{wrap(iam.New(ids)), sts.New()},
	})
	srv := httptest.NewServer(front)
	t.Cleanup(srv.Close)
	return srv, st, ids
}

func signedForm(t *testing.T, srv *httptest.Server, service, form string) *http.Request {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/", strings.NewReader(form))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	sum := sha256.Sum256([]byte(form))
	if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: akid, SecretAccessKey: secret},
		req, hex.EncodeToString(sum[:]), service, "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	return req
}

func do(t *testing.T, req *http.Request) (int, string) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestCallIsRecordedBeforeItIsAnswered(t *testing.T) {
	srv, st, ids := setup(t)
	status, body := do(t, signedForm(t, srv, "iam", "Action=CreateUser&Version=2010-05-08&UserName=alice"))
	if status != 200 || !strings.Contains(body, "<UserName>alice</UserName>") {
		t.Fatalf("CreateUser: %d %s", status, body)
	}
	if _, ok := ids.User(account, "alice"); !ok {
		t.Fatal("acknowledged user does not exist")
	}
	if len(st.entries) != 1 {
		t.Fatalf("%d events recorded", len(st.entries))
	}
	m := st.entries[0].Meta
	if m.EventName != "CreateUser" || m.Region != "us-east-1" || m.Username != "root" || m.AccessKeyID != akid || !m.Management || m.ReadOnly {
		t.Fatalf("event meta %+v", m)
	}
}

func TestFailClosedWhenTheEventCannotBeStored(t *testing.T) {
	srv, st, ids := setup(t)
	st.fail = true
	status, body := do(t, signedForm(t, srv, "iam", "Action=CreateUser&Version=2010-05-08&UserName=mallory"))
	if status != 500 || !strings.Contains(body, "<Code>InternalFailure</Code>") {
		t.Fatalf("unrecordable CreateUser answered %d %s", status, body)
	}
	if _, ok := ids.User(account, "mallory"); ok {
		t.Fatal("the effect of an unrecorded call took place")
	}
	// The staged transaction was released: once the stream recovers, writes work.
	st.fail = false
	if status, body := do(t, signedForm(t, srv, "iam", "Action=CreateUser&Version=2010-05-08&UserName=mallory")); status != 200 {
		t.Fatalf("after recovery: %d %s", status, body)
	}
	if len(st.entries) != 1 {
		t.Fatalf("%d events, want exactly the recorded one", len(st.entries))
	}
}

func TestAuthFailureOfKnownKeyIsRecorded(t *testing.T) {
	srv, st, _ := setup(t)
	req := signedForm(t, srv, "sts", "Action=GetCallerIdentity&Version=2011-06-15")
	req.Header.Set("Authorization", strings.Replace(req.Header.Get("Authorization"), "Signature=", "Signature=00", 1))
	status, body := do(t, req)
	if status != 403 || !strings.Contains(body, "<Code>SignatureDoesNotMatch</Code>") {
		t.Fatalf("bad signature: %d %s", status, body)
	}
	if len(st.entries) != 1 || st.entries[0].Meta.ErrorCode != "SignatureDoesNotMatch" || st.entries[0].Meta.EventName != "GetCallerIdentity" {
		t.Fatalf("recorded %+v", st.entries)
	}
	// An unknown key is refused and not recorded (no account to record it in).
	unknown := signedForm(t, srv, "sts", "Action=GetCallerIdentity&Version=2011-06-15")
	unknown.Header.Set("Authorization", strings.Replace(unknown.Header.Get("Authorization"), akid, "AKIANOBODY0000000000", 1))
	if status, body := do(t, unknown); status != 403 || !strings.Contains(body, "InvalidClientTokenId") {
		t.Fatalf("unknown key: %d %s", status, body)
	}
	if len(st.entries) != 1 {
		t.Fatalf("unknown-key call recorded")
	}
}

func TestUnknownServiceAndUnsigned(t *testing.T) {
	srv, st, _ := setup(t)
	status, body := do(t, signedForm(t, srv, "sqs", "Action=ListQueues"))
	if status != 400 || !strings.Contains(body, "UnknownServiceException") || !strings.Contains(body, "iam, sts") {
		t.Fatalf("unknown service: %d %s", status, body)
	}
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/", strings.NewReader("Action=GetCallerIdentity"))
	if status, body := do(t, req); status != 403 || !strings.Contains(body, "MissingAuthenticationToken") {
		t.Fatalf("unsigned: %d %s", status, body)
	}
	if len(st.entries) != 0 {
		t.Fatalf("refused requests were recorded: %d", len(st.entries))
	}
}
