"""boto3 against a running Cairn: identities, LookupEvents by every attribute,
pagination, and every LookupEvents error as boto3's modeled exception class.
Environment: AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_DEFAULT_REGION.
Exits non-zero with a message on the first failed check."""
import datetime
import json
import sys

import boto3
from botocore.config import Config

cfg = Config(retries={"max_attempts": 1, "mode": "standard"})
iam = boto3.client("iam", config=cfg)
sts = boto3.client("sts", config=cfg)
ct = boto3.client("cloudtrail", config=cfg)


def check(cond, msg):
    if not cond:
        print("FAIL:", msg, file=sys.stderr)
        sys.exit(1)


iam.create_user(UserName="erin", Path="/ops/")
key = iam.create_access_key(UserName="erin")["AccessKey"]
erin = boto3.Session(aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"])
erin_sts = erin.client("sts", config=cfg)
ident = erin_sts.get_caller_identity()
check(ident["Arn"].endswith(":user/ops/erin"), f"erin's ARN {ident['Arn']}")
for _ in range(12):
    erin_sts.get_caller_identity()


def lookup(key_, value, **kw):
    pages = ct.get_paginator("lookup_events").paginate(
        LookupAttributes=[{"AttributeKey": key_, "AttributeValue": value}], **kw)
    return [e for p in pages for e in p["Events"]]


by_user = lookup("Username", "erin", PaginationConfig={"PageSize": 5})
check(len(by_user) == 13, f"Username=erin: {len(by_user)} events")
check(len({e["EventId"] for e in by_user}) == 13, "pagination repeated an event")
times = [e["EventTime"] for e in by_user]
check(times == sorted(times, reverse=True), "events not newest first")
for e in by_user:
    rec = json.loads(e["CloudTrailEvent"])
    check(rec["userIdentity"]["type"] == "IAMUser" and rec["userIdentity"]["userName"] == "erin", f"identity {rec['userIdentity']}")
    check(e["AccessKeyId"] == key["AccessKeyId"] and rec["userIdentity"]["accessKeyId"] == key["AccessKeyId"], "access key")
    check(rec["eventSource"] == "sts.amazonaws.com" and rec["eventName"] == "GetCallerIdentity", rec["eventName"])
    check(rec["readOnly"] is True and e["ReadOnly"] == "true", "readOnly")
    check("Boto3/" in rec["userAgent"] or "botocore" in rec["userAgent"], rec["userAgent"])
    check(isinstance(e["EventTime"], datetime.datetime), "EventTime type")

check(len(lookup("AccessKeyId", key["AccessKeyId"])) == 13, "AccessKeyId")
created = lookup("ResourceName", "erin")
check([e["EventName"] for e in created] == ["CreateAccessKey", "CreateUser"], [e["EventName"] for e in created])
check(created[1]["Resources"] == [{"ResourceType": "AWS::IAM::User", "ResourceName": "erin"}], created[1]["Resources"])
check(key["SecretAccessKey"] not in created[0]["CloudTrailEvent"], "secret recorded")
check(len(lookup("ResourceType", "AWS::IAM::User")) == 2, "ResourceType")
check([e["EventName"] for e in lookup("EventName", "CreateUser")] == ["CreateUser"], "EventName")
check(len(lookup("EventSource", "iam.amazonaws.com")) == 2, "EventSource")
check(len(lookup("EventId", created[1]["EventId"])) == 1, "EventId")
check({e["EventName"] for e in lookup("ReadOnly", "false")} == {"CreateUser", "CreateAccessKey"}, "ReadOnly")

now = datetime.datetime.now(datetime.timezone.utc)
errors = [
    ("InvalidLookupAttributesException", dict(LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "a"}, {"AttributeKey": "Username", "AttributeValue": "b"}])),
    ("InvalidTimeRangeException", dict(StartTime=now, EndTime=now - datetime.timedelta(hours=1))),
    ("InvalidMaxResultsException", dict(MaxResults=500)),
    ("InvalidNextTokenException", dict(NextToken="definitely-not-a-token")),
    ("InvalidEventCategoryException", dict(EventCategory="everything")),
]
for name, kwargs in errors:
    exc = getattr(ct.exceptions, name)
    try:
        ct.lookup_events(**kwargs)
    except exc as err:
        check(err.response["ResponseMetadata"]["HTTPStatusCode"] == 400, f"{name} status")
        continue
    check(False, f"{name} was not raised for {kwargs}")

# A token is bound to the query it came from.
first = ct.lookup_events(MaxResults=2, LookupAttributes=[{"AttributeKey": "Username", "AttributeValue": "erin"}])
try:
    ct.lookup_events(MaxResults=2, NextToken=first["NextToken"], LookupAttributes=[{"AttributeKey": "Username", "AttributeValue": "root"}])
    check(False, "token accepted for another query")
except ct.exceptions.InvalidNextTokenException:
    pass
print("boto3 scenario passed")
