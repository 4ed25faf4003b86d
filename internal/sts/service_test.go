package sts

import (
	"context"
	"encoding/xml"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdksts "github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/cairn-audit/cairn/internal/api"
	"github.com/cairn-audit/cairn/internal/identity"
)

var (
	rootP = identity.Principal{Type: identity.TypeRoot, AccountID: "123456789012", ARN: "arn:aws:iam::123456789012:root", PrincipalID: "123456789012", AccessKeyID: "AKIAROOTROOTROOTROOT"}
	userP = identity.Principal{Type: identity.TypeIAMUser, AccountID: "123456789012", ARN: "arn:aws:iam::123456789012:user/eng/alice", PrincipalID: "AIDAABCDEFGHIJKLMNOPQ", UserName: "alice", AccessKeyID: "AKIAUSERUSERUSERUSER"}
)

func TestGetCallerIdentity(t *testing.T) {
	s := New()
	if s.SigningName() != "sts" || s.EventSource() != "sts.amazonaws.com" || !s.Global() {
		t.Fatal("service identity")
	}
	for _, p := range []identity.Principal{rootP, userP} {
		for _, c := range []*api.Call{
			{RequestID: "r1", Caller: p, Body: []byte("Action=GetCallerIdentity&Version=2011-06-15")},
			{RequestID: "r1", Caller: p, Query: url.Values{"Action": {"GetCallerIdentity"}}},
		} {
			res := s.Handle(context.Background(), c)
			var out struct {
				XMLName   xml.Name
				Arn       string `xml:"GetCallerIdentityResult>Arn"`
				UserID    string `xml:"GetCallerIdentityResult>UserId"`
				Account   string `xml:"GetCallerIdentityResult>Account"`
				RequestID string `xml:"ResponseMetadata>RequestId"`
			}
			if err := xml.Unmarshal(res.Body, &out); err != nil {
				t.Fatal(err)
			}
			if res.Status != 200 || out.XMLName.Local != "GetCallerIdentityResponse" || out.XMLName.Space != Namespace ||
				out.Arn != p.ARN || out.UserID != p.PrincipalID || out.Account != p.AccountID || out.RequestID != "r1" {
				t.Fatalf("%s: %d %+v", p.Type, res.Status, out)
			}
			if !res.ReadOnly || res.EventName != "GetCallerIdentity" || res.RequestParameters != nil || res.ResponseElements != nil || res.Commit != nil {
				t.Fatalf("event fields %+v", res)
			}
		}
	}
	for _, action := range []string{"AssumeRole", ""} {
		res := s.Handle(context.Background(), &api.Call{RequestID: "r2", Caller: rootP, Body: []byte("Action=" + action)})
		var e struct {
			Code    string `xml:"Error>Code"`
			Message string `xml:"Error>Message"`
		}
		if err := xml.Unmarshal(res.Body, &e); err != nil {
			t.Fatal(err)
		}
		if res.Status != 400 || e.Code != "InvalidAction" || res.ErrorCode != "InvalidAction" || res.EventName != action ||
			e.Message != "Could not find operation "+action+" for version 2011-06-15" {
			t.Fatalf("%q: %d %+v", action, res.Status, e)
		}
	}
}

// The response deserializes in aws-sdk-go-v2's STS client.
func TestGetCallerIdentitySDK(t *testing.T) {
	svc := New()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			t.Error(err)
		}
		res := svc.Handle(r.Context(), &api.Call{RequestID: "rid", Caller: userP, Body: []byte(r.PostForm.Encode())})
		for k, v := range res.Header {
			w.Header()[k] = v
		}
		w.WriteHeader(res.Status)
		w.Write(res.Body)
	}))
	defer srv.Close()
	cfg := aws.Config{Region: "us-east-1", RetryMaxAttempts: 1, Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
		return aws.Credentials{AccessKeyID: userP.AccessKeyID, SecretAccessKey: "x"}, nil
	})}
	client := sdksts.NewFromConfig(cfg, func(o *sdksts.Options) { o.BaseEndpoint = aws.String(srv.URL) })
	out, err := client.GetCallerIdentity(context.Background(), &sdksts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out.Arn) != userP.ARN || aws.ToString(out.UserId) != userP.PrincipalID || aws.ToString(out.Account) != userP.AccountID {
		t.Fatalf("GetCallerIdentity = %+v", out)
	}
	_, err = client.AssumeRole(context.Background(), &sdksts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::123456789012:role/r"), RoleSessionName: aws.String("s")})
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "InvalidAction" {
		t.Fatalf("AssumeRole err = %v", err)
	}
}
