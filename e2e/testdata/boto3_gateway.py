# boto3 through Cairn's recording gateway (cairn serve --upstream <moto>):
# calls to services Cairn does not serve reach moto and show up in
# LookupEvents. Run by e2e/gateway_test.go with AWS_ENDPOINT_URL=<cairn>.
import json
import time

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

cfg = Config(retries={"max_attempts": 1, "mode": "standard"})
sqs = boto3.client("sqs", config=cfg)
sns = boto3.client("sns", config=cfg)
ddb = boto3.client("dynamodb", config=cfg)
ec2 = boto3.client("ec2", config=cfg)
ct = boto3.client("cloudtrail", config=cfg)

url = sqs.create_queue(QueueName="gw-q-boto3")["QueueUrl"]
assert url.endswith("/gw-q-boto3"), url
sqs.send_message(QueueUrl=url, MessageBody="top secret body")
try:
    sqs.get_queue_url(QueueName="gw-missing-boto3")
    raise AssertionError("get_queue_url of a missing queue succeeded")
except ClientError as e:
    print("missing queue:", e.response["Error"]["Code"])

topic = sns.create_topic(Name="gw-t-boto3")["TopicArn"]
ddb.create_table(
    TableName="gw-tb-boto3",
    AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
    KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
    BillingMode="PAY_PER_REQUEST",
)
ddb.put_item(TableName="gw-tb-boto3", Item={"pk": {"S": "k1"}, "secret": {"S": "s"}})
assert ddb.get_item(TableName="gw-tb-boto3", Key={"pk": {"S": "k1"}})["Item"]["secret"]["S"] == "s"
ec2.describe_instances()


def lookup(name, want):
    deadline = time.time() + 20
    while time.time() < deadline:
        events = ct.lookup_events(LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": name}])["Events"]
        for ev in events:
            rec = json.loads(ev["CloudTrailEvent"])
            if want(rec):
                return rec
        time.sleep(0.3)
    raise AssertionError("no %s event found" % name)


rec = lookup("CreateQueue", lambda r: (r.get("requestParameters") or {}).get("queueName") == "gw-q-boto3")
assert rec["eventSource"] == "sqs.amazonaws.com" and rec["readOnly"] is False, rec
assert rec["resources"][0]["ARN"].endswith(":gw-q-boto3"), rec
rec = lookup("SendMessage", lambda r: (r.get("requestParameters") or {}).get("queueUrl") == url)
assert "top secret" not in json.dumps(rec), rec
rec = lookup("GetQueueUrl", lambda r: (r.get("requestParameters") or {}).get("queueName") == "gw-missing-boto3")
assert rec.get("errorCode"), rec
rec = lookup("CreateTopic", lambda r: (r.get("requestParameters") or {}).get("name") == "gw-t-boto3")
assert rec["responseElements"]["topicArn"] == topic, rec
rec = lookup("CreateTable", lambda r: (r.get("requestParameters") or {}).get("tableName") == "gw-tb-boto3")
assert rec["resources"][0]["type"] == "AWS::DynamoDB::Table", rec
print("boto3 gateway passed")
