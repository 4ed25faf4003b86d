"""CloudTrail Lake with boto3: event data stores, queries over events recorded
by real calls, paging, cancel, hostile SQL, sample queries, and a channel
delivering PutAuditEvents events into a store."""
import base64
import datetime
import hashlib
import json
import os
import sys
import time

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

ct = boto3.client("cloudtrail")
# without client-side validation, to see the server's own checks
raw = boto3.client("cloudtrail", config=Config(parameter_validation=False))
iam = boto3.client("iam")
data = boto3.client("cloudtrail-data")
ACCOUNT = boto3.client("sts").get_caller_identity()["Account"]


def fail(msg):
    print("FAIL:", msg)
    sys.exit(1)


def expect_error(code, fn, **kw):
    try:
        fn(**kw)
    except ClientError as e:
        got = e.response["Error"]["Code"]
        if got != code:
            fail(f"{fn.__name__}: got {got}, want {code}: {e}")
        return e.response["Error"].get("Message", "")
    fail(f"{fn.__name__}({kw}) succeeded, want {code}")


def wait_query(qid, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        d = ct.describe_query(QueryId=qid)
        if d["QueryStatus"] in ("FINISHED", "FAILED", "CANCELLED", "TIMED_OUT"):
            return d
        time.sleep(0.1)
    fail(f"query {qid} did not finish")


def results(qid, page=1000):
    rows, token, pages = [], None, 0
    while True:
        kw = {"QueryId": qid, "MaxQueryResults": page}
        if token:
            kw["NextToken"] = token
        r = ct.get_query_results(**kw)
        pages += 1
        for row in r["QueryResultRows"]:
            # each row: a list of single-key maps with string values
            for cell in row:
                if len(cell) != 1 or not all(isinstance(v, str) for v in cell.values()):
                    fail(f"bad cell {cell}")
            rows.append([list(c.items())[0] for c in row])
        token = r.get("NextToken")
        if not token:
            return rows, pages


def query(sql, want_status="FINISHED"):
    qid = ct.start_query(QueryStatement=sql)["QueryId"]
    if len(qid) != 36 or qid != qid.lower():
        fail(f"query id {qid}")
    d = wait_query(qid)
    if d["QueryStatus"] != want_status:
        fail(f"{sql}: {d['QueryStatus']} {d.get('ErrorMessage')}")
    return qid, d


def eventually(fn, what, timeout=30):
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        ok, last = fn()
        if ok:
            return last
        time.sleep(0.3)
    fail(f"{what}: last {last}")


# --- server-side validation -------------------------------------------------
expect_error("InvalidParameterException", raw.create_event_data_store, Name="short", RetentionPeriod=5)
expect_error("InvalidParameterException", raw.create_event_data_store, Name="fixed-too-long",
             BillingMode="FIXED_RETENTION_PRICING", RetentionPeriod=3000)
expect_error("InvalidParameterException", raw.create_event_data_store, Name="x")
expect_error("InvalidMaxResultsException", raw.get_query_results, QueryId="00000000-0000-4000-8000-000000000000", MaxQueryResults=0)

# --- a store of management events, fed by real calls ----------------------
eds = ct.create_event_data_store(Name="boto-lake", RetentionPeriod=90, TerminationProtectionEnabled=False)
arn = eds["EventDataStoreArn"]
eid = arn.split("/")[-1]
for name in ("lake-u1", "lake-u2", "lake-u3"):
    iam.create_user(UserName=name)
for _ in range(25):
    iam.get_user(UserName="lake-u1")


def count_created():
    _, d = query(f"SELECT count(*) AS n FROM {eid} WHERE eventName = 'CreateUser'")
    rows, _ = results(d["QueryId"])
    return rows == [[("n", "3")]], rows


eventually(count_created, "3 CreateUser events in the store")

# nested JSON: dot access and element_at, with ARN as the table
qid, _ = query(f"SELECT requestParameters.userName AS u, element_at(requestParameters, 'userName') AS e "
               f"FROM {arn} WHERE eventName = 'CreateUser' ORDER BY u")
rows, _ = results(qid)
if [r[0][1] for r in rows] != ["lake-u1", "lake-u2", "lake-u3"] or [r[1][1] for r in rows] != ["lake-u1", "lake-u2", "lake-u3"]:
    fail(f"nested access rows {rows}")

# struct access, timestamps, group by
qid, d = query(f"SELECT eventName, count(*) AS calls, max(eventTime) AS last FROM {eid} "
               f"WHERE userIdentity.type = 'Root' AND eventTime > now() - interval '1' day GROUP BY eventName ORDER BY eventName")
rows, _ = results(qid)
counts = {r[0][1]: r[1][1] for r in rows}
if counts.get("GetUser") != "25" or counts.get("CreateUser") != "3":
    fail(f"group by counts {counts}")
stats = d["QueryStatistics"]
if stats["EventsScanned"] < 28 or stats["BytesScanned"] <= 0:
    fail(f"statistics {stats}")

# paging: 25 GetUser events, 10 per page
qid, _ = query(f"SELECT eventID FROM {eid} WHERE eventName = 'GetUser'")
rows, pages = results(qid, page=10)
if len(rows) != 25 or len({r[0][1] for r in rows}) != 25 or pages != 3:
    fail(f"paging: {len(rows)} rows in {pages} pages")
expect_error("InvalidNextTokenException", ct.get_query_results, QueryId=qid, NextToken="bm9wZW5vcGVub3Bl")

# query parameters
qid = ct.start_query(QueryStatement=f"SELECT count(*) AS n FROM {eid} WHERE eventName = ?",
                     QueryParameters=["GetUser"])["QueryId"]
wait_query(qid)
rows, _ = results(qid)
if rows != [[("n", "25")]]:
    fail(f"query parameters: {rows}")

# hostile and invalid statements are refused, the server stays up
for sql in [
    f"SELECT * FROM read_csv('/etc/passwd')",
    f"SELECT * FROM {eid}; DROP TABLE x",
    f"COPY (SELECT 1) TO '/tmp/x.csv'",
    f"ATTACH '/tmp/x.db' AS x",
    f"SELECT * FROM {eid} /* hidden */ ; SELECT 1",
    f"SELECT * FROM glob('/*')",
    f"SELECT * FROM query('SELECT 1')",
    f"SELECT 1 FROM {eid} WHERE",
]:
    expect_error("InvalidQueryStatementException", ct.start_query, QueryStatement=sql)
# a statement that parses but does not bind fails with DuckDB's message
qid = ct.start_query(QueryStatement=f"SELECT nope FROM {eid}")["QueryId"]
d = wait_query(qid)
if d["QueryStatus"] != "FAILED" or "nope" not in d.get("ErrorMessage", ""):
    fail(f"unbound column: {d}")
expect_error("EventDataStoreNotFoundException", ct.start_query,
             QueryStatement="SELECT * FROM 00000000-0000-4000-8000-000000000000")

# cancel a long query
qid = ct.start_query(QueryStatement=f"SELECT count(*) FROM {eid} a, {eid} b, {eid} c, {eid} d, {eid} e, {eid} f, {eid} g")["QueryId"]
eventually(lambda: (ct.describe_query(QueryId=qid)["QueryStatus"] == "RUNNING", ct.describe_query(QueryId=qid)["QueryStatus"]),
           "long query running")
c = ct.cancel_query(QueryId=qid)
if c["QueryStatus"] not in ("CANCELLED", "RUNNING"):
    fail(f"cancel {c}")
d = wait_query(qid, timeout=10)
if d["QueryStatus"] != "CANCELLED":
    fail(f"after cancel: {d['QueryStatus']}")
expect_error("InactiveQueryException", ct.cancel_query, QueryId=qid)
expect_error("QueryIdNotFoundException", ct.describe_query, QueryId="00000000-0000-4000-8000-000000000000")

listed = ct.list_queries(EventDataStore=arn)["Queries"]
if not any(q["QueryId"] == qid and q["QueryStatus"] == "CANCELLED" for q in listed):
    fail(f"list_queries does not show the cancelled query: {listed}")
ct.describe_query(QueryId=qid)  # still works

# every sample query runs
samples = {}
for phrase in ("login", "root", "iam", "s3", "trail", "access denied", "error", "key", "security group", "events", "user", "activity"):
    token = None
    while True:
        kw = {"SearchPhrase": phrase, "MaxResults": 50}
        if token:
            kw["NextToken"] = token
        r = ct.search_sample_queries(**kw)
        for s in r["SearchResults"]:
            samples[s["Name"]] = s["SQL"]
        token = r.get("NextToken")
        if not token:
            break
if len(samples) < 20:
    fail(f"only {len(samples)} sample queries found")
for name, sql in samples.items():
    sql = sql.replace("$EDS_ID", eid).replace("<EDS_ID>", eid)
    qid = ct.start_query(QueryStatement=sql)["QueryId"]
    d = wait_query(qid)
    if d["QueryStatus"] != "FINISHED":
        fail(f"sample {name!r}: {d['QueryStatus']} {d.get('ErrorMessage')}\n{sql}")

# --- a channel delivering PutAuditEvents events into a store -------------
audit = ct.create_event_data_store(
    Name="boto-audit", MultiRegionEnabled=False, TerminationProtectionEnabled=False,
    AdvancedEventSelectors=[{"Name": "audit", "FieldSelectors": [{"Field": "eventCategory", "Equals": ["ActivityAuditLog"]}]}])
aid = audit["EventDataStoreArn"].split("/")[-1]
ch = ct.create_channel(Name="boto-lake-channel", Source="Custom",
                       Destinations=[{"Type": "EVENT_DATA_STORE", "Location": audit["EventDataStoreArn"]}])
events = []
for i in range(5):
    ed = json.dumps({"version": "1.0", "userIdentity": {"type": "CustomUser", "principalId": "alice", "details": {"team": "a"}},
                     "eventSource": "app.example.com", "eventName": "Login" if i < 3 else "Logout",
                     "eventTime": (datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(hours=1, seconds=i)).strftime("%Y-%m-%dT%H:%M:%SZ"), "UID": "uid-%d" % i,
                     "requestParameters": {"user": "alice", "attempt": i}, "recipientAccountId": ACCOUNT})
    events.append({"id": "e%d" % i, "eventData": ed,
                   "eventDataChecksum": base64.b64encode(hashlib.sha256(ed.encode()).digest()).decode()})
r = data.put_audit_events(channelArn=ch["ChannelArn"], auditEvents=events)
if len(r["successful"]) != 5:
    fail(f"put_audit_events {r}")


def audit_counts():
    qid, _ = query(f"SELECT eventData.eventName AS name, count(*) AS n FROM {aid} GROUP BY 1 ORDER BY 1")
    rows, _ = results(qid)
    return rows == [[("name", "Login"), ("n", "3")], [("name", "Logout"), ("n", "2")]], rows


eventually(audit_counts, "audit events in the store")
qid, _ = query(f"SELECT eventData.requestParameters.user AS u, count(*) AS n FROM {aid} WHERE eventCategory = 'ActivityAuditLog' GROUP BY 1")
rows, _ = results(qid)
if rows != [[("u", "alice"), ("n", "5")]]:
    fail(f"audit nested access {rows}")
# an ActivityAuditLog store holds no management events, and cannot be stopped
expect_error("InvalidEventDataStoreCategoryException", ct.stop_event_data_store_ingestion, EventDataStore=aid)
# a store a channel delivers to cannot be deleted
expect_error("ChannelExistsForEDSException", ct.delete_event_data_store, EventDataStore=aid)

print("boto3 lake scenario passed")
