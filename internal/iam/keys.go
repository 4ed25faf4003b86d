package iam

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/cairn-audit/cairn/internal/api"
	"github.com/cairn-audit/cairn/internal/identity"
)

// keyOwner reads and records UserName and resolves whose keys a call
// addresses: the named user, else the calling IAM user, else ("") the root
// user. It records the owner as a resource when it is an IAM user.
func (s *Service) keyOwner(c *api.Call, v *validator, p url.Values, rec *record) string {
	name, sent := v.str(p, "UserName", "userName", existingUserNameShape, false)
	if sent {
		rec.params.add("userName", name)
	} else if c.Caller.Type == identity.TypeIAMUser {
		name = c.Caller.UserName
	}
	return name
}

// ownerResource records the key owner (if an IAM user) as a resource.
func (s *Service) ownerResource(acct, owner string, rec *record) {
	if owner == "" {
		return
	}
	if u, ok := s.store.User(acct, owner); ok {
		rec.user(u.Name, u.ARN())
		return
	}
	rec.user(owner, "")
}

func (s *Service) createAccessKey(ctx context.Context, c *api.Call, p url.Values, rec *record) (*api.Result, error) {
	var v validator
	owner := s.keyOwner(c, &v, p, rec)
	if err := v.err(); err != nil {
		return nil, err
	}
	acct := c.Caller.AccountID
	s.ownerResource(acct, owner, rec)
	tx, err := s.store.Begin(ctx)
	if err != nil {
		return nil, err
	}
	k, secret, err := tx.CreateAccessKey(acct, owner, callTime(c))
	if err != nil {
		tx.Abort()
		return nil, storeError(err, owner, "")
	}
	rec.accessKey(k.ID)
	rec.response = accessKeyResponse(k) // never the secret
	out := createAccessKeyResult{xmlAccessKey{UserName: k.UserName, AccessKeyID: k.ID, Status: k.Status, SecretAccessKey: secret, CreateDate: isoDate(k.Created)}}
	return staged(s.proto.QueryResult("CreateAccessKey", out, c.RequestID), tx), nil
}

func (s *Service) listAccessKeys(_ context.Context, c *api.Call, p url.Values, rec *record) (*api.Result, error) {
	var v validator
	owner := s.keyOwner(c, &v, p, rec)
	marker, markerSent := markerParam(&v, p, rec)
	maxItems := maxItemsParam(&v, p, rec)
	if err := v.err(); err != nil {
		return nil, err
	}
	acct := c.Caller.AccountID
	s.ownerResource(acct, owner, rec)
	after := ""
	if markerSent {
		var err error
		if after, err = decodeMarker(marker); err != nil {
			return nil, err
		}
	}
	keys, err := s.store.AccessKeys(acct, owner)
	if err != nil {
		return nil, storeError(err, owner, "")
	}
	sortKey := func(i int) string { return fmt.Sprintf("%020d:%s", keys[i].Created.Unix(), keys[i].ID) }
	pg := paginate(len(keys), sortKey, after, maxItems)
	out := listAccessKeysResult{IsTruncated: pg.truncated, Marker: pg.next}
	if u, ok := s.store.User(acct, owner); ok && owner != "" {
		out.UserName = u.Name
	}
	out.AccessKeyMetadata.Member = make([]xmlAccessKeyMetadata, 0, pg.end-pg.start)
	for _, k := range keys[pg.start:pg.end] {
		out.AccessKeyMetadata.Member = append(out.AccessKeyMetadata.Member, xmlKeyMetadata(k))
	}
	return s.proto.QueryResult("ListAccessKeys", out, c.RequestID), nil
}

func (s *Service) updateAccessKey(ctx context.Context, c *api.Call, p url.Values, rec *record) (*api.Result, error) {
	var v validator
	owner := s.keyOwner(c, &v, p, rec)
	keyID, keySent := v.str(p, "AccessKeyId", "accessKeyId", accessKeyIDShape, true)
	if keySent {
		rec.params.add("accessKeyId", keyID)
	}
	status, statusSent := v.status(p)
	if statusSent {
		rec.params.add("status", status)
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	acct := c.Caller.AccountID
	s.ownerResource(acct, owner, rec)
	rec.accessKey(keyID)
	tx, err := s.store.Begin(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := tx.UpdateAccessKey(acct, owner, keyID, status); err != nil {
		tx.Abort()
		if errors.Is(err, identity.ErrInvalidStatus) {
			return nil, apiErr(codeInvalidInput, http.StatusBadRequest, "Invalid status "+status+": an access key's status can only be set to Active or Inactive.")
		}
		return nil, storeError(err, owner, keyID)
	}
	return staged(s.proto.QueryResult("UpdateAccessKey", nil, c.RequestID), tx), nil
}

func (s *Service) deleteAccessKey(ctx context.Context, c *api.Call, p url.Values, rec *record) (*api.Result, error) {
	var v validator
	owner := s.keyOwner(c, &v, p, rec)
	keyID, keySent := v.str(p, "AccessKeyId", "accessKeyId", accessKeyIDShape, true)
	if keySent {
		rec.params.add("accessKeyId", keyID)
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	acct := c.Caller.AccountID
	s.ownerResource(acct, owner, rec)
	rec.accessKey(keyID)
	tx, err := s.store.Begin(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := tx.DeleteAccessKey(acct, owner, keyID); err != nil {
		tx.Abort()
		return nil, storeError(err, owner, keyID)
	}
	return staged(s.proto.QueryResult("DeleteAccessKey", nil, c.RequestID), tx), nil
}
