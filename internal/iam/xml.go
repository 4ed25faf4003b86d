package iam

import (
	"time"

	"github.com/cairn-audit/cairn/internal/event"
	"github.com/cairn-audit/cairn/internal/identity"
)

// XML response shapes (botocore's IAM model). Lists are <Name><member>…
// wrappers that are always present, even when empty.

type members[T any] struct {
	Member []T `xml:"member"`
}

type xmlTag struct {
	Key   string `xml:"Key"`
	Value string `xml:"Value"`
}

type xmlUser struct {
	Path       string           `xml:"Path,omitempty"`
	UserName   string           `xml:"UserName,omitempty"`
	UserID     string           `xml:"UserId"`
	ARN        string           `xml:"Arn"`
	CreateDate string           `xml:"CreateDate"`
	Tags       *members[xmlTag] `xml:"Tags,omitempty"`
}

type xmlAccessKey struct {
	UserName        string `xml:"UserName,omitempty"`
	AccessKeyID     string `xml:"AccessKeyId"`
	Status          string `xml:"Status"`
	SecretAccessKey string `xml:"SecretAccessKey"`
	CreateDate      string `xml:"CreateDate"`
}

type xmlAccessKeyMetadata struct {
	UserName    string `xml:"UserName,omitempty"`
	AccessKeyID string `xml:"AccessKeyId"`
	Status      string `xml:"Status"`
	CreateDate  string `xml:"CreateDate"`
}

type userResult struct {
	User xmlUser `xml:"User"`
}

type listUsersResult struct {
	Users       members[xmlUser] `xml:"Users"`
	IsTruncated bool             `xml:"IsTruncated"`
	Marker      string           `xml:"Marker,omitempty"`
}

type createAccessKeyResult struct {
	AccessKey xmlAccessKey `xml:"AccessKey"`
}

type listAccessKeysResult struct {
	UserName          string                        `xml:"UserName,omitempty"`
	AccessKeyMetadata members[xmlAccessKeyMetadata] `xml:"AccessKeyMetadata"`
	IsTruncated       bool                          `xml:"IsTruncated"`
	Marker            string                        `xml:"Marker,omitempty"`
}

func isoDate(t time.Time) string { return t.UTC().Format(event.TimeFormat) }

// xmlUserOf renders a user; tags only where AWS returns them (not in ListUsers).
func xmlUserOf(u identity.User, withTags bool) xmlUser {
	x := xmlUser{Path: u.Path, UserName: u.Name, UserID: u.UserID, ARN: u.ARN(), CreateDate: isoDate(u.Created)}
	if withTags && len(u.Tags) > 0 {
		x.Tags = &members[xmlTag]{}
		for _, t := range u.Tags {
			x.Tags.Member = append(x.Tags.Member, xmlTag(t))
		}
	}
	return x
}

// xmlRootUser is GetUser's answer for the root user: no path, no name, the
// account id as user id.
func xmlRootUser(a identity.Account) xmlUser {
	return xmlUser{UserID: a.ID, ARN: identity.RootARN(a.ID), CreateDate: isoDate(a.Created)}
}

func xmlKeyMetadata(k identity.AccessKey) xmlAccessKeyMetadata {
	return xmlAccessKeyMetadata{UserName: k.UserName, AccessKeyID: k.ID, Status: k.Status, CreateDate: isoDate(k.Created)}
}
