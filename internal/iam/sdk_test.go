package iam

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdkiam "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/smithy-go"

	"github.com/cairn-audit/cairn/internal/api"
	"github.com/cairn-audit/cairn/internal/event"
	"github.com/cairn-audit/cairn/internal/identity"
)

var credentialRe = regexp.MustCompile(`Credential=([^/]+)/`)

// frontDoor is a trivial stand-in for the real one: it takes the caller from
// the SigV4 credential's access key id without verifying the signature, and
// commits every staged change.
func frontDoor(t *testing.T, store *identity.Store, svc api.Service) *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		m := credentialRe.FindStringSubmatch(r.Header.Get("Authorization"))
		if m == nil {
			http.Error(w, "unsigned", http.StatusForbidden)
			return
		}
		k, ok := store.LookupKey(m[1])
		if !ok || !k.Active {
			http.Error(w, "unknown key", http.StatusForbidden)
			return
		}
		c := &api.Call{RequestID: event.NewID(), Time: time.Now().UTC(), Region: "us-east-1", Caller: k.Principal,
			Method: r.Method, Path: r.URL.Path, Header: r.Header, Query: r.URL.Query(), Body: body}
		res := svc.Handle(r.Context(), c)
		if res.Commit != nil {
			if err := res.Commit(); err != nil {
				t.Errorf("commit: %v", err)
			}
		}
		for k, v := range res.Header {
			w.Header()[k] = v
		}
		w.WriteHeader(res.Status)
		w.Write(res.Body)
	}))
}

func sdkClient(url string, c identity.Credentials) *sdkiam.Client {
	cfg := aws.Config{
		Region:           "us-east-1",
		RetryMaxAttempts: 1,
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey}, nil
		}),
	}
	return sdkiam.NewFromConfig(cfg, func(o *sdkiam.Options) { o.BaseEndpoint = aws.String(url) })
}

func TestSDKRoundTrip(t *testing.T) {
	f := newFixture(t)
	srv := frontDoor(t, f.store, f.svc)
	defer srv.Close()
	ctx := context.Background()
	root := sdkClient(srv.URL, f.root)
	start := time.Now().Add(-time.Second)

	cu, err := root.CreateUser(ctx, &sdkiam.CreateUserInput{UserName: aws.String("alice"), Path: aws.String("/eng/"),
		Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("core")}}})
	if err != nil {
		t.Fatal(err)
	}
	u := cu.User
	if aws.ToString(u.UserName) != "alice" || aws.ToString(u.Arn) != "arn:aws:iam::123456789012:user/eng/alice" || len(u.Tags) != 1 ||
		u.CreateDate == nil || u.CreateDate.Before(start) || u.CreateDate.After(time.Now()) {
		t.Fatalf("CreateUser = %+v", u)
	}

	_, err = root.CreateUser(ctx, &sdkiam.CreateUserInput{UserName: aws.String("Alice")})
	var exists *types.EntityAlreadyExistsException
	if !errors.As(err, &exists) || exists.ErrorMessage() != "User with name Alice already exists." {
		t.Fatalf("duplicate CreateUser err = %v", err)
	}

	me, err := root.GetUser(ctx, &sdkiam.GetUserInput{})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(me.User.UserId) != "123456789012" || aws.ToString(me.User.Arn) != "arn:aws:iam::123456789012:root" || me.User.UserName != nil {
		t.Fatalf("root GetUser = %+v", me.User)
	}

	for _, n := range []string{"bob", "carol", "dave"} {
		if _, err := root.CreateUser(ctx, &sdkiam.CreateUserInput{UserName: aws.String(n)}); err != nil {
			t.Fatal(err)
		}
	}
	var names []string
	pages := 0
	pager := sdkiam.NewListUsersPaginator(root, &sdkiam.ListUsersInput{MaxItems: aws.Int32(3)})
	for pager.HasMorePages() {
		p, err := pager.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, u := range p.Users {
			names = append(names, aws.ToString(u.UserName))
		}
	}
	if pages != 2 || len(names) != 4 || names[0] != "alice" || names[3] != "dave" {
		t.Fatalf("ListUsers paged %v in %d pages", names, pages)
	}
	empty, err := root.ListUsers(ctx, &sdkiam.ListUsersInput{PathPrefix: aws.String("/nobody/")})
	if err != nil || empty.Users == nil || len(empty.Users) != 0 || empty.IsTruncated {
		t.Fatalf("empty ListUsers = %+v, %v", empty, err)
	}

	ck, err := root.CreateAccessKey(ctx, &sdkiam.CreateAccessKeyInput{UserName: aws.String("alice")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(ck.AccessKey.UserName) != "alice" || ck.AccessKey.Status != types.StatusTypeActive || len(aws.ToString(ck.AccessKey.SecretAccessKey)) != 40 {
		t.Fatalf("CreateAccessKey = %+v", ck.AccessKey)
	}

	// Alice signs with her new key: the caller is alice.
	alice := sdkClient(srv.URL, identity.Credentials{AccountID: f.acct, AccessKeyID: *ck.AccessKey.AccessKeyId, SecretAccessKey: *ck.AccessKey.SecretAccessKey})
	self, err := alice.GetUser(ctx, &sdkiam.GetUserInput{})
	if err != nil || aws.ToString(self.User.UserName) != "alice" || aws.ToString(self.User.Path) != "/eng/" {
		t.Fatalf("alice GetUser = %+v, %v", self, err)
	}
	lk, err := alice.ListAccessKeys(ctx, &sdkiam.ListAccessKeysInput{})
	if err != nil || len(lk.AccessKeyMetadata) != 1 || aws.ToString(lk.AccessKeyMetadata[0].AccessKeyId) != *ck.AccessKey.AccessKeyId || lk.AccessKeyMetadata[0].CreateDate == nil {
		t.Fatalf("ListAccessKeys = %+v, %v", lk, err)
	}
	if _, err := root.CreateAccessKey(ctx, &sdkiam.CreateAccessKeyInput{UserName: aws.String("alice")}); err != nil {
		t.Fatal(err)
	}
	_, err = alice.CreateAccessKey(ctx, &sdkiam.CreateAccessKeyInput{})
	var limit *types.LimitExceededException
	if !errors.As(err, &limit) {
		t.Fatalf("third key err = %v", err)
	}

	_, err = root.DeleteUser(ctx, &sdkiam.DeleteUserInput{UserName: aws.String("alice")})
	var conflict *types.DeleteConflictException
	if !errors.As(err, &conflict) {
		t.Fatalf("DeleteUser with keys err = %v", err)
	}
	if _, err := root.UpdateAccessKey(ctx, &sdkiam.UpdateAccessKeyInput{UserName: aws.String("alice"), AccessKeyId: ck.AccessKey.AccessKeyId, Status: types.StatusTypeInactive}); err != nil {
		t.Fatal(err)
	}
	if _, err := alice.GetUser(ctx, &sdkiam.GetUserInput{}); err == nil {
		t.Fatal("inactive key still accepted")
	}
	all, err := root.ListAccessKeys(ctx, &sdkiam.ListAccessKeysInput{UserName: aws.String("alice")})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range all.AccessKeyMetadata {
		if _, err := root.DeleteAccessKey(ctx, &sdkiam.DeleteAccessKeyInput{UserName: aws.String("alice"), AccessKeyId: k.AccessKeyId}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := root.DeleteUser(ctx, &sdkiam.DeleteUserInput{UserName: aws.String("alice")}); err != nil {
		t.Fatal(err)
	}
	_, err = root.GetUser(ctx, &sdkiam.GetUserInput{UserName: aws.String("alice")})
	var missing *types.NoSuchEntityException
	if !errors.As(err, &missing) || missing.ErrorMessage() != "The user with name alice cannot be found." {
		t.Fatalf("GetUser deleted err = %v", err)
	}
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "NoSuchEntity" || ae.ErrorFault() != smithy.FaultClient {
		t.Fatalf("api error %v", err)
	}
}
