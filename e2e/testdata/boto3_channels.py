"""boto3 against a running Cairn: a Custom channel and cloudtrail-data
PutAuditEvents. Success, checksum mismatch, oversize, duplicate ids, unknown
channel (as boto3's modeled exception classes where the model has them), and
the ingestion status GetChannel reports afterwards.
Environment: AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_DEFAULT_REGION.
Exits non-zero on the first failed check."""
import base64
import datetime
import hashlib
import json
import sys

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

cfg = Config(retries={"max_attempts": 1, "mode": "standard"})
ct = boto3.client("cloudtrail", region_name="us-east-1", config=cfg)
data = boto3.client("cloudtrail-data", region_name="us-east-1", config=cfg)
ACCOUNT = boto3.client("sts", config=cfg).get_caller_identity()["Account"]
# channels deliver to an ActivityAuditLog event data store of the account
EDS = ct.create_event_data_store(
    Name="boto3-channel-store", MultiRegionEnabled=False, TerminationProtectionEnabled=False,
    AdvancedEventSelectors=[{"Name": "audit", "FieldSelectors": [{"Field": "eventCategory", "Equals": ["ActivityAuditLog"]}]}],
)["EventDataStoreArn"]


def check(cond, msg):
    if not cond:
        print("FAIL:", msg, file=sys.stderr)
        sys.exit(1)


def raises(exc_name, fn, **kw):
    exc = getattr(data.exceptions, exc_name, None) or getattr(ct.exceptions, exc_name, None)
    try:
        fn(**kw)
    except ClientError as e:
        code = e.response["Error"]["Code"]
        check(code == exc_name, f"{fn.__name__}: got {code}, want {exc_name}")
        if exc is not None:
            check(isinstance(e, exc), f"{fn.__name__}: {type(e).__name__} is not {exc_name}")
        return e
    check(False, f"{fn.__name__} did not raise {exc_name}")


def event_data(uid, **over):
    d = {
        "version": "1.0",
        "userIdentity": {"type": "CustomUser", "principalId": "bob@example.com", "details": {"k": "v"}},
        "userAgent": "boto3-test",
        "eventSource": "app.example.com",
        "eventName": "Export",
        "eventTime": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "UID": uid,
        "requestParameters": {"what": "report"},
        "recipientAccountId": ACCOUNT,
    }
    d.update(over)
    return json.dumps(d)


def sha(s):
    return base64.b64encode(hashlib.sha256(s.encode()).digest()).decode()


ch = ct.create_channel(Name="boto3-app", Source="Custom", Destinations=[{"Type": "EVENT_DATA_STORE", "Location": EDS}])
arn = ch["ChannelArn"]
check(arn.startswith(f"arn:aws:cloudtrail:us-east-1:{ACCOUNT}:channel/"), ch)
raises("ChannelAlreadyExistsException", ct.create_channel, Name="boto3-again", Source="Custom",
       Destinations=[{"Type": "EVENT_DATA_STORE", "Location": EDS}])

# Success: with and without checksums, by ARN and by channel ID.
d1, d2 = event_data("u1"), event_data("u2", eventName="Import")
r = data.put_audit_events(channelArn=arn, auditEvents=[
    {"id": "ev-1", "eventData": d1, "eventDataChecksum": sha(d1)},
    {"id": "ev-2", "eventData": d2},
])
check([s["id"] for s in r["successful"]] == ["ev-1", "ev-2"] and r["failed"] == [], r)
check(all(len(s["eventID"]) == 36 for s in r["successful"]), r)
r = data.put_audit_events(channelArn=arn.rsplit("/", 1)[1], auditEvents=[{"id": "by-id", "eventData": d1}])
check(len(r["successful"]) == 1, r)
last_ok = r["successful"][0]["eventID"]

# Checksum mismatch and other per-event failures: the rest are accepted.
r = data.put_audit_events(channelArn=arn, auditEvents=[
    {"id": "sum", "eventData": d1, "eventDataChecksum": sha(d2)},
    {"id": "recipient", "eventData": event_data("u3", recipientAccountId="999999999999")},
    {"id": "missing", "eventData": json.dumps({"version": "1.0"})},
    {"id": "long", "eventData": event_data("u4", eventName="x" * 1025)},
    {"id": "fine", "eventData": d2, "eventDataChecksum": sha(d2)},
])
codes = {f["id"]: f["errorCode"] for f in r["failed"]}
check(codes == {"sum": "InvalidChecksum", "recipient": "InvalidRecipient", "missing": "FieldNotFound", "long": "FieldTooLong"}, r)
check([s["id"] for s in r["successful"]] == ["fine"], r)
last_ok = r["successful"][0]["eventID"]

# Whole-request errors.
raises("DuplicatedAuditEventId", data.put_audit_events, channelArn=arn,
       auditEvents=[{"id": "dup", "eventData": d1}, {"id": "dup", "eventData": d2}])
raises("ChannelNotFound", data.put_audit_events, channelArn=f"arn:aws:cloudtrail:us-east-1:{ACCOUNT}:channel/0b3c1e3a-1111-4000-8000-000000000001",
       auditEvents=[{"id": "x", "eventData": d1}])
raises("InvalidChannelARN", data.put_audit_events, channelArn="arn:aws:s3:::bucket", auditEvents=[{"id": "x", "eventData": d1}])
big = event_data("big", requestParameters={"blob": "z" * (60 << 10)})
e = raises("RequestEntityTooLarge", data.put_audit_events, channelArn=arn,
           auditEvents=[{"id": f"b{i}", "eventData": big} for i in range(20)])
check(e.response["ResponseMetadata"]["HTTPStatusCode"] == 413, e.response)
try:
    data.put_audit_events(channelArn=arn, auditEvents=[{"id": f"n{i}", "eventData": d1} for i in range(101)])
    check(False, "101 events accepted")
except ClientError as e:
    check(e.response["Error"]["Code"] == "ValidationException", e.response)

# GetChannel reports the ingestion.
st = ct.get_channel(Channel=arn)["IngestionStatus"]
check(st.get("LatestIngestionSuccessEventID") == last_ok, st)
check(st.get("LatestIngestionErrorCode") == "ValidationException", st)  # the last failed attempt
check(isinstance(st.get("LatestIngestionSuccessTime"), datetime.datetime), st)

# Cleanup.
ct.delete_channel(Channel=arn)
raises("ChannelNotFoundException", ct.get_channel, Channel=arn)
print("boto3 channels passed")
