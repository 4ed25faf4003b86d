package iam

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/cairn-audit/cairn/internal/api"
	"github.com/cairn-audit/cairn/internal/identity"
)

// callTime is when the call arrived, the creation time of what it creates.
func callTime(c *api.Call) time.Time {
	if c.Time.IsZero() {
		return time.Now().UTC()
	}
	return c.Time
}

// staged finishes a write: the result commits or aborts tx.
func staged(res *api.Result, tx *identity.Tx) *api.Result {
	res.Commit = func() error { return tx.CommitAt(res.Seq) }
	res.Abort = tx.Abort
	return res
}

func (s *Service) createUser(ctx context.Context, c *api.Call, p url.Values, rec *record) (*api.Result, error) {
	var v validator
	name, _ := v.str(p, "UserName", "userName", userNameShape, true)
	path, pathSent := v.str(p, "Path", "path", pathShape, false)
	boundary, boundarySent := v.str(p, "PermissionsBoundary", "permissionsBoundary", arnShape, false)
	tags, tagsSent := v.tags(p)
	if _, ok := p["UserName"]; ok {
		rec.params.add("userName", name)
	}
	if pathSent {
		rec.params.add("path", path)
	}
	if boundarySent {
		rec.params.add("permissionsBoundary", boundary)
	}
	if tagsSent {
		rec.params.add("tags", tagsParam(tags))
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	acct := c.Caller.AccountID
	rec.user(name, identity.UserARN(acct, path, name))
	if err := duplicateTagKeys(tags); err != nil {
		return nil, err
	}
	if boundarySent {
		// No managed policies exist (yet), so no boundary can be attached.
		return nil, apiErr(codeNoSuchEntity, http.StatusNotFound, "Scope ARN: "+boundary+" does not exist or is not attachable.")
	}
	idTags := make([]identity.Tag, len(tags))
	for i, t := range tags {
		idTags[i] = identity.Tag{Key: *t.key, Value: *t.value}
	}
	tx, err := s.store.Begin(ctx)
	if err != nil {
		return nil, err
	}
	u, err := tx.CreateUser(acct, name, path, idTags, callTime(c))
	if err != nil {
		tx.Abort()
		return nil, storeError(err, name, "")
	}
	rec.response = userResponse(u)
	return staged(s.proto.QueryResult("CreateUser", userResult{xmlUserOf(u, true)}, c.RequestID), tx), nil
}

func duplicateTagKeys(tags []tagParam) error {
	seen := map[string]bool{}
	for _, t := range tags {
		k := strings.ToLower(*t.key)
		if seen[k] {
			return apiErr(codeInvalidInput, http.StatusBadRequest, "Duplicate tag keys found. Please note that Tag keys are case insensitive.")
		}
		seen[k] = true
	}
	return nil
}

func (s *Service) getUser(_ context.Context, c *api.Call, p url.Values, rec *record) (*api.Result, error) {
	var v validator
	name, sent := v.str(p, "UserName", "userName", existingUserNameShape, false)
	if sent {
		rec.params.add("userName", name)
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	acct := c.Caller.AccountID
	if !sent {
		if c.Caller.Type != identity.TypeIAMUser {
			a, ok := s.store.Account(acct)
			if !ok {
				return nil, identity.ErrNoSuchAccount
			}
			return s.proto.QueryResult("GetUser", userResult{xmlRootUser(a)}, c.RequestID), nil
		}
		name = c.Caller.UserName
	}
	u, ok := s.store.User(acct, name)
	if !ok {
		rec.user(name, "")
		return nil, noSuchUser(name)
	}
	rec.user(u.Name, u.ARN())
	return s.proto.QueryResult("GetUser", userResult{xmlUserOf(u, true)}, c.RequestID), nil
}

func (s *Service) listUsers(_ context.Context, c *api.Call, p url.Values, rec *record) (*api.Result, error) {
	var v validator
	prefix, prefixSent := v.str(p, "PathPrefix", "pathPrefix", pathPrefixShape, false)
	if prefixSent {
		rec.params.add("pathPrefix", prefix)
	}
	marker, markerSent := markerParam(&v, p, rec)
	maxItems := maxItemsParam(&v, p, rec)
	if err := v.err(); err != nil {
		return nil, err
	}
	after := ""
	if markerSent {
		var err error
		if after, err = decodeMarker(marker); err != nil {
			return nil, err
		}
	}
	users := s.store.Users(c.Caller.AccountID, prefix)
	pg := paginate(len(users), func(i int) string { return strings.ToLower(users[i].Name) }, after, maxItems)
	out := listUsersResult{IsTruncated: pg.truncated, Marker: pg.next}
	out.Users.Member = make([]xmlUser, 0, pg.end-pg.start)
	for _, u := range users[pg.start:pg.end] {
		out.Users.Member = append(out.Users.Member, xmlUserOf(u, false))
	}
	return s.proto.QueryResult("ListUsers", out, c.RequestID), nil
}

func (s *Service) deleteUser(ctx context.Context, c *api.Call, p url.Values, rec *record) (*api.Result, error) {
	var v validator
	name, sent := v.str(p, "UserName", "userName", existingUserNameShape, true)
	if sent {
		rec.params.add("userName", name)
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	acct := c.Caller.AccountID
	tx, err := s.store.Begin(ctx)
	if err != nil {
		return nil, err
	}
	u, err := tx.DeleteUser(acct, name)
	if u.Name != "" {
		rec.user(u.Name, u.ARN())
	} else {
		rec.user(name, "")
	}
	if err != nil {
		tx.Abort()
		return nil, storeError(err, name, "")
	}
	return staged(s.proto.QueryResult("DeleteUser", nil, c.RequestID), tx), nil
}
