"""Hostile authentication cases against a running Cairn (driven by
e2e/hostile_auth_test.go). Usage: hostile_auth.py setup | lookup.

setup: a GetTrail signed with host;x-amz-date only, replayed as DeleteTrail;
a presigned PUT URL used with unsigned x-amz-meta-*/x-amz-acl headers; SigV4
scopes naming bad regions; PutAuditEvents with eventTime 0001-01-01; and an
IAM user whose access key ID the Go side floods with bad signatures. Prints
one JSON object (what the Go side needs) on the last line: "calls" lists the
calls whose answer must be recorded once ({event, requestId, code, region},
code "" for success, region "" for the default one); "unrecorded" lists the request IDs of the bad-region calls,
refused before any principal is known, which must leave no record.

lookup: prints the LookupEvents results the Go side checks, as JSON.
Environment: AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_DEFAULT_REGION.
Exits non-zero on the first failed check."""
import datetime
import json
import os
import sys
import urllib.error
import urllib.request

import boto3
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

ENDPOINT = os.environ["AWS_ENDPOINT_URL"]
CREDS = Credentials(os.environ["AWS_ACCESS_KEY_ID"], os.environ["AWS_SECRET_ACCESS_KEY"])
cfg = Config(retries={"max_attempts": 1, "mode": "standard"})
TARGET = "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101."


FAILS = []  # with HOSTILE_ALL=1 every check runs (to list what an old build gets wrong)


def check(cond, msg):
    if not cond:
        print("FAIL:", msg, file=sys.stderr)
        if not os.environ.get("HOSTILE_ALL"):
            sys.exit(1)
        FAILS.append(msg)


CALLS = []  # the calls whose answers were seen, for the Go side's checkIntegrity


def ok(event, resp, region=""):
    """Notes a successful boto3 call (its response) and returns resp."""
    CALLS.append({"event": event, "requestId": resp["ResponseMetadata"]["RequestId"], "code": "", "region": region})
    return resp


def header_request_id(headers):
    return headers.get("x-amzn-RequestId") or headers.get("x-amz-request-id") or ""


def send(req):
    """Sends a prepared AWSRequest with urllib; returns (status, body, request ID)."""
    r = urllib.request.Request(req.url, data=req.body or None, method=req.method, headers=dict(req.headers))
    try:
        with urllib.request.urlopen(r, timeout=30) as resp:
            return resp.status, resp.read().decode(), header_request_id(resp.headers)
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(), header_request_id(e.headers)


def signed_only_host_date(region, body, service="cloudtrail"):
    """A cloudtrail POST signed by botocore's SigV4Auth with host;x-amz-date only:
    X-Amz-Target and Content-Type are added after signing."""
    req = AWSRequest(method="POST", url=ENDPOINT + "/", data=body.encode())
    SigV4Auth(CREDS, service, region).add_auth(req)
    authz = req.headers["Authorization"]
    check("SignedHeaders=host;x-amz-date," in authz, f"signed headers: {authz}")
    return req


def setup():
    ct = boto3.client("cloudtrail", config=cfg)
    s3 = boto3.client("s3", config=cfg)
    ok("CreateBucket", s3.create_bucket(Bucket="hostile-auth"))
    ok("CreateTrail", ct.create_trail(Name="replayed", S3BucketName="hostile-auth"))

    # 1. The captured GetTrail, replayed as DeleteTrail.
    body = json.dumps({"Name": "replayed"})
    for op in ("GetTrail", "DeleteTrail"):
        req = signed_only_host_date("us-east-1", body)
        req.headers["X-Amz-Target"] = TARGET + op
        req.headers["Content-Type"] = "application/x-amz-json-1.1"
        status, text, rid = send(req)
        check(status == 403 and rid, f"{op} with unsigned X-Amz-Target: {status} {rid!r} {text}")
        if op == "GetTrail":
            # The first AccessDeniedException of this key and source in the
            # window has its own record; the DeleteTrail after it is only
            # counted into a summary, so it is no per-call record.
            CALLS.append({"event": op, "requestId": rid, "code": "AccessDeniedException"})
        err = json.loads(text)
        check(err.get("__type", "").endswith("AccessDeniedException"), f"{op}: {text}")
        msg = err.get("message") or err.get("Message")
        check(msg == "There were headers present in the request which were not signed: content-type,x-amz-target", f"{op}: {text}")
    trails = [t["Name"] for t in ok("DescribeTrails", ct.describe_trails())["trailList"]]
    check(trails == ["replayed"], f"trail gone after the replay: {trails}")

    # 2. A presigned PUT URL with unsigned x-amz-meta-* / x-amz-acl headers.
    # SigV4 (for us-east-1 botocore would presign with SigV2 by default)
    s3v4 = boto3.client("s3", config=cfg.merge(Config(signature_version="s3v4")))
    url = s3v4.generate_presigned_url("put_object", Params={"Bucket": "hostile-auth", "Key": "k"}, ExpiresIn=300)
    for hdrs, names in (({"x-amz-meta-owner": "mallory"}, "x-amz-meta-owner"),
                        ({"x-amz-acl": "public-read"}, "x-amz-acl"),
                        ({"x-amz-acl": "public-read", "x-amz-meta-a": "1"}, "x-amz-acl,x-amz-meta-a")):
        r = urllib.request.Request(url, data=b"tampered", method="PUT", headers=hdrs)
        try:
            urllib.request.urlopen(r, timeout=30)
            check(False, f"presigned PUT with {hdrs} accepted")
        except urllib.error.HTTPError as e:
            text = e.read().decode()
            check(e.code == 403 and "<Code>AccessDenied</Code>" in text
                  and "<Message>There were headers present in the request which were not signed</Message>" in text
                  and f"<HeadersNotSigned>{names}</HeadersNotSigned>" in text, f"presigned PUT with {hdrs}: {e.code} {text}")
    try:
        s3.head_object(Bucket="hostile-auth", Key="k")
        check(False, "a refused presigned PUT stored the object")
    except ClientError as e:
        check(e.response["Error"]["Code"] in ("404", "NoSuchKey"), f"head_object: {e}")
    r = urllib.request.Request(url, data=b"fine", method="PUT", headers={"Content-Type": "text/plain"})
    with urllib.request.urlopen(r, timeout=30) as resp:
        check(resp.status == 200, f"presigned PUT: {resp.status}")
    check(s3.get_object(Bucket="hostile-auth", Key="k")["Body"].read() == b"fine", "presigned PUT body")

    # 3. Bad regions in the scope. botocore refuses '..', a trailing space and
    # 300 characters itself, so those are signed by hand; 'US-EAST-1' goes
    # through boto3.
    unrecorded = []
    for region in ("..", "us-east-1 ", "x" * 300, "US-EAST-1"):
        body = json.dumps({"Name": "bad-region", "S3BucketName": "hostile-auth"})
        req = AWSRequest(method="POST", url=ENDPOINT + "/", data=body.encode(),
                         headers={"X-Amz-Target": TARGET + "CreateTrail", "Content-Type": "application/x-amz-json-1.1"})
        SigV4Auth(CREDS, "cloudtrail", region).add_auth(req)
        status, text, rid = send(req)
        check(status == 403 and "InvalidSignatureException" in text and "Credential should be scoped to a valid region" in text,
              f"region {region[:20]!r}: {status} {text}")
        unrecorded.append(rid)
    try:
        boto3.client("cloudtrail", region_name="US-EAST-1", config=cfg).create_trail(Name="bad-region", S3BucketName="hostile-auth")
        check(False, "CreateTrail in US-EAST-1 accepted")
    except ClientError as e:
        check(e.response["Error"]["Code"] == "InvalidSignatureException"
              and "Credential should be scoped to a valid region" in e.response["Error"]["Message"], f"US-EAST-1: {e}")
        unrecorded.append(e.response["ResponseMetadata"].get("RequestId", ""))
    check(all(unrecorded), f"bad-region answers without a request ID: {unrecorded}")
    # A configured region (--regions onprem-1) and a partition's are accepted.
    for region in ("onprem-1", "eu-west-1"):
        ok("DescribeTrails", boto3.client("cloudtrail", region_name=region, config=cfg).describe_trails(), region)
    check([t["Name"] for t in ok("DescribeTrails", ct.describe_trails())["trailList"]] == ["replayed"], "a trail was created in a bad region")

    # 4. PutAuditEvents with eventTime 0001-01-01: refused in failed[].
    eds = ok("CreateEventDataStore", ct.create_event_data_store(
        Name="hostile-auth-store", MultiRegionEnabled=False, TerminationProtectionEnabled=False,
        AdvancedEventSelectors=[{"Name": "audit", "FieldSelectors": [{"Field": "eventCategory", "Equals": ["ActivityAuditLog"]}]}],
    ))["EventDataStoreArn"]
    channel = ok("CreateChannel", ct.create_channel(Name="hostile-auth", Source="Custom",
                                                    Destinations=[{"Type": "EVENT_DATA_STORE", "Location": eds}]))["ChannelArn"]
    account = ok("GetCallerIdentity", boto3.client("sts", config=cfg).get_caller_identity())["Account"]

    def event_data(uid, t):
        return json.dumps({"version": "1.0", "userIdentity": {"type": "CustomUser", "principalId": "bob"},
                           "eventSource": "app.example.com", "eventName": "Export", "eventTime": t,
                           "UID": uid, "recipientAccountId": account})
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    out = boto3.client("cloudtrail-data", config=cfg).put_audit_events(channelArn=channel, auditEvents=[
        {"id": "good", "eventData": event_data("good", now)},
        {"id": "year1", "eventData": event_data("year1", "0001-01-01T00:00:00Z")},
    ])
    check([s["id"] for s in out["successful"]] == ["good"], f"successful: {out}")
    check(len(out["failed"]) == 1 and out["failed"][0]["id"] == "year1" and out["failed"][0]["errorCode"] == "InvalidData"
          and "retention period" in out["failed"][0]["errorMessage"], f"failed: {out}")

    # 5. A user whose access key ID is flooded with bad signatures.
    iam = boto3.client("iam", config=cfg)
    ok("CreateUser", iam.create_user(UserName="flooded"))
    key = ok("CreateAccessKey", iam.create_access_key(UserName="flooded"))["AccessKey"]["AccessKeyId"]
    print(json.dumps({"floodKey": key, "goodEventID": out["successful"][0]["eventID"],
                      "calls": CALLS, "unrecorded": unrecorded}))


def lookup():
    ct = boto3.client("cloudtrail", config=cfg)
    out = {}
    for name in ("ListTrails", "CreateTrail", "DeleteTrail", "GetTrail", "CreateChannel", "CreateEventDataStore", "CreateUser", "CreateAccessKey"):
        events = []
        for page in ct.get_paginator("lookup_events").paginate(LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": name}]):
            events += [json.loads(e["CloudTrailEvent"]) for e in page["Events"]]
        out[name] = events
    print(json.dumps(out))


{"setup": setup, "lookup": lookup}[sys.argv[1]]()
if FAILS:
    sys.exit(1)
