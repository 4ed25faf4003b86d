"""boto3 against a running Cairn: the trail API. Every trail operation, shadow
trails across regions, the ListTrails paginator, GetTrailStatus timestamps,
and the main errors as boto3's modeled exception classes.
Environment: AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_DEFAULT_REGION.
The bucket "trail-api-logs" exists. Exits non-zero on the first failed check."""
import datetime
import json
import sys

import boto3
from botocore.config import Config

cfg = Config(retries={"max_attempts": 1, "mode": "standard"})
ct = boto3.client("cloudtrail", region_name="us-east-1", config=cfg)
eu = boto3.client("cloudtrail", region_name="eu-west-1", config=cfg)
BUCKET = "trail-api-logs"
ACCOUNT = boto3.client("sts", config=cfg).get_caller_identity()["Account"]
MAIN_ARN = f"arn:aws:cloudtrail:us-east-1:{ACCOUNT}:trail/org-audit"


def check(cond, msg):
    if not cond:
        print("FAIL:", msg, file=sys.stderr)
        sys.exit(1)


def raises(client, exc_name, fn, **kw):
    exc = getattr(client.exceptions, exc_name)
    try:
        fn(**kw)
    except exc as e:
        check(e.response["ResponseMetadata"]["HTTPStatusCode"] == 400, f"{exc_name}: status {e.response['ResponseMetadata']}")
        return e.response["Error"]["Message"]
    check(False, f"{fn.__name__}({kw}) did not raise {exc_name}")


# CreateTrail: response shape, optional strings omitted.
created = ct.create_trail(Name="org-audit", S3BucketName=BUCKET, IsMultiRegionTrail=True, EnableLogFileValidation=True,
                          TagsList=[{"Key": "team", "Value": "sec"}])
check(created["TrailARN"] == MAIN_ARN, created)
check(created["IsMultiRegionTrail"] and created["IncludeGlobalServiceEvents"] and created["LogFileValidationEnabled"], created)
check("S3KeyPrefix" not in created and "SnsTopicName" not in created and "KmsKeyId" not in created, created)
eu.create_trail(Name="eu-only", S3BucketName=BUCKET, S3KeyPrefix="eu")

msg = raises(ct, "TrailAlreadyExistsException", ct.create_trail, Name="org-audit", S3BucketName=BUCKET)
check(ACCOUNT in msg, msg)
msg = raises(ct, "S3BucketDoesNotExistException", ct.create_trail, Name="nobucket", S3BucketName="no-such-bucket-xyz")
check(msg == "S3 bucket no-such-bucket-xyz does not exist!", msg)
raises(ct, "InvalidTrailNameException", ct.create_trail, Name="192.168.5.4", S3BucketName=BUCKET)
raises(ct, "InvalidS3BucketNameException", ct.create_trail, Name="badbucket", S3BucketName="Bad_Bucket")
raises(ct, "InvalidS3PrefixException", ct.create_trail, Name="badprefix", S3BucketName=BUCKET, S3KeyPrefix="/x")
raises(ct, "InvalidParameterCombinationException", ct.create_trail, Name="multi", S3BucketName=BUCKET,
       IsMultiRegionTrail=True, IncludeGlobalServiceEvents=False)
raises(ct, "OrganizationsNotInUseException", ct.create_trail, Name="org", S3BucketName=BUCKET, IsOrganizationTrail=True)
raises(ct, "InvalidKmsKeyIdException", ct.create_trail, Name="kms", S3BucketName=BUCKET, KmsKeyId="not a key")
raises(ct, "KmsKeyNotFoundException", ct.create_trail, Name="kms", S3BucketName=BUCKET, KmsKeyId="alias/logs")
raises(ct, "CloudWatchLogsDeliveryUnavailableException", ct.create_trail, Name="cwl", S3BucketName=BUCKET,
       CloudWatchLogsLogGroupArn=f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:ct:*",
       CloudWatchLogsRoleArn=f"arn:aws:iam::{ACCOUNT}:role/ct")
raises(ct, "InvalidSnsTopicNameException", ct.create_trail, Name="sns", S3BucketName=BUCKET, SnsTopicName="bad topic")
raises(ct, "TagsLimitExceededException", ct.create_trail, Name="tags", S3BucketName=BUCKET,
       TagsList=[{"Key": f"k{i}", "Value": "v"} for i in range(51)])

# The quota: 5 trails per region, the multi-region trail counting everywhere.
for i in range(3):
    ct.create_trail(Name=f"extra-{i}", S3BucketName=BUCKET)
ct.create_trail(Name="extra-3", S3BucketName=BUCKET)
raises(ct, "MaximumNumberOfTrailsExceededException", ct.create_trail, Name="extra-4", S3BucketName=BUCKET)
for i in range(4):
    ct.delete_trail(Name=f"extra-{i}")

# Reads and shadows.
trails = eu.describe_trails()["trailList"]
check(sorted((t["Name"], t["HomeRegion"]) for t in trails) == [("eu-only", "eu-west-1"), ("org-audit", "us-east-1")], trails)
check([t["Name"] for t in eu.describe_trails(includeShadowTrails=False)["trailList"]] == ["eu-only"], "no shadows")
check([t["Name"] for t in ct.describe_trails(trailNameList=["org-audit", "eu-only"])["trailList"]] == ["org-audit"], "names are regional")
shadow = eu.get_trail(Name="org-audit")["Trail"]
check(shadow["HomeRegion"] == "us-east-1" and shadow["HasCustomEventSelectors"] is False and shadow["HasInsightSelectors"] is False, shadow)
check(ct.get_trail(Name=f"arn:aws:cloudtrail:eu-west-1:{ACCOUNT}:trail/eu-only")["Trail"]["S3KeyPrefix"] == "eu", "by ARN")
msg = raises(ct, "TrailNotFoundException", ct.get_trail, Name="eu-only")
check(msg == f"Unknown trail: eu-only for the user: {ACCOUNT}", msg)
raises(ct, "CloudTrailARNInvalidException", ct.get_trail, Name="arn:aws:cloudtrail:nowhere")
listed = [t for page in boto3.client("cloudtrail", region_name="ap-south-1", config=cfg).get_paginator("list_trails").paginate()
          for t in page["Trails"]]
check(sorted(t["Name"] for t in listed) == ["eu-only", "org-audit"], listed)

# UpdateTrail.
upd = ct.update_trail(Name="org-audit", S3KeyPrefix="org", EnableLogFileValidation=False)
check(upd["S3KeyPrefix"] == "org" and not upd["LogFileValidationEnabled"] and upd["IsMultiRegionTrail"], upd)
raises(eu, "InvalidHomeRegionException", eu.update_trail, Name="org-audit", S3KeyPrefix="x")
raises(ct, "TrailNotFoundException", ct.update_trail, Name="missing", S3KeyPrefix="x")

# Logging and status.
st = ct.get_trail_status(Name="org-audit")
check(st["IsLogging"] is False and "StartLoggingTime" not in st and st["TimeLoggingStarted"] == "", st)
ct.start_logging(Name="org-audit")
raises(eu, "InvalidHomeRegionException", eu.start_logging, Name=MAIN_ARN)
st = ct.get_trail_status(Name=MAIN_ARN)
check(st["IsLogging"] is True and isinstance(st["StartLoggingTime"], datetime.datetime), st)
check(abs((datetime.datetime.now(datetime.timezone.utc) - st["StartLoggingTime"]).total_seconds()) < 300, st["StartLoggingTime"])
check(st["TimeLoggingStarted"].endswith("Z") and len(st["TimeLoggingStarted"]) == 20, st)
check(eu.get_trail_status(Name=MAIN_ARN)["IsLogging"] is True, "shadow status by ARN")
raises(eu, "TrailNotFoundException", eu.get_trail_status, Name="org-audit")
ct.stop_logging(Name="org-audit")
st = ct.get_trail_status(Name="org-audit")
check(st["IsLogging"] is False and isinstance(st["StopLoggingTime"], datetime.datetime) and st["TimeLoggingStopped"] != "", st)

# Event selectors.
sel = ct.get_event_selectors(TrailName="org-audit")
check(sel["EventSelectors"] == [{"ReadWriteType": "All", "IncludeManagementEvents": True, "DataResources": [],
                                 "ExcludeManagementEventSources": []}], sel)
put = ct.put_event_selectors(TrailName="org-audit", EventSelectors=[{"ReadWriteType": "WriteOnly", "IncludeManagementEvents": True}])
check(put["TrailARN"] == MAIN_ARN and put["EventSelectors"][0]["ReadWriteType"] == "WriteOnly", put)
adv = [{"Name": "s3", "FieldSelectors": [{"Field": "eventCategory", "Equals": ["Data"]},
                                         {"Field": "resources.type", "Equals": ["AWS::S3::Object"]}]}]
ct.put_event_selectors(TrailName=MAIN_ARN, AdvancedEventSelectors=adv)
got = eu.get_event_selectors(TrailName="org-audit")
check(got.get("AdvancedEventSelectors") == adv and not got.get("EventSelectors"), got)
msg = raises(ct, "InvalidEventSelectorsException", ct.put_event_selectors, TrailName="org-audit",
             EventSelectors=[{"ReadWriteType": "All"}], AdvancedEventSelectors=adv)
check("not both" in msg, msg)
raises(ct, "InvalidEventSelectorsException", ct.put_event_selectors, TrailName="org-audit", EventSelectors=[{}] * 6)
raises(eu, "InvalidHomeRegionException", eu.put_event_selectors, TrailName="org-audit", EventSelectors=[{}])
check(ct.get_trail(Name="org-audit")["Trail"]["HasCustomEventSelectors"] is True, "HasCustomEventSelectors")

# Insights: the trail logs only S3 data events now, so call-rate Insights on management events fail.
raises(ct, "InvalidInsightSelectorsException", ct.put_insight_selectors, TrailName="org-audit",
       InsightSelectors=[{"InsightType": "ApiCallRateInsight"}])
ct.put_event_selectors(TrailName="org-audit", EventSelectors=[{"ReadWriteType": "All"}])
msg = raises(ct, "InsightNotEnabledException", ct.get_insight_selectors, TrailName="org-audit")
check(MAIN_ARN in msg, msg)
ins = ct.put_insight_selectors(TrailName="org-audit", InsightSelectors=[{"InsightType": "ApiErrorRateInsight"}])
check(ins["InsightSelectors"] == [{"InsightType": "ApiErrorRateInsight"}], ins)
check(eu.get_insight_selectors(TrailName=MAIN_ARN)["InsightSelectors"] == [{"InsightType": "ApiErrorRateInsight"}], "get insights")
raises(ct, "InvalidInsightSelectorsException", ct.put_insight_selectors, TrailName="org-audit",
       InsightSelectors=[{"InsightType": "ApiLatencyInsight"}])
check(ct.get_trail(Name="org-audit")["Trail"]["HasInsightSelectors"] is True, "HasInsightSelectors")
ct.put_insight_selectors(TrailName="org-audit", InsightSelectors=[])
raises(ct, "InsightNotEnabledException", ct.get_insight_selectors, TrailName="org-audit")

# Tags.
ct.add_tags(ResourceId=MAIN_ARN, TagsList=[{"Key": "env", "Value": "prod"}, {"Key": "team", "Value": "ops"}])
tags = ct.list_tags(ResourceIdList=[MAIN_ARN])["ResourceTagList"]
check(tags == [{"ResourceId": MAIN_ARN, "TagsList": [{"Key": "team", "Value": "ops"}, {"Key": "env", "Value": "prod"}]}], tags)
ct.remove_tags(ResourceId=MAIN_ARN, TagsList=[{"Key": "team"}])
check(ct.list_tags(ResourceIdList=[MAIN_ARN])["ResourceTagList"][0]["TagsList"] == [{"Key": "env", "Value": "prod"}], "remove")
raises(ct, "TagsLimitExceededException", ct.add_tags, ResourceId=MAIN_ARN, TagsList=[{"Key": f"k{i}", "Value": "v"} for i in range(50)])
raises(ct, "ResourceNotFoundException", ct.add_tags, ResourceId=f"arn:aws:cloudtrail:us-east-1:{ACCOUNT}:trail/gone",
       TagsList=[{"Key": "a", "Value": "b"}])
raises(ct, "InvalidTagParameterException", ct.add_tags, ResourceId=MAIN_ARN, TagsList=[{"Key": "aws:reserved", "Value": "b"}])

# DeleteTrail.
raises(eu, "InvalidHomeRegionException", eu.delete_trail, Name="org-audit")
ct.delete_trail(Name="org-audit")
raises(ct, "TrailNotFoundException", ct.get_trail, Name="org-audit")
check([t["Name"] for t in eu.describe_trails()["trailList"]] == ["eu-only"], "after delete")

# Recorded as CloudTrail records them.
events = ct.lookup_events(LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "UpdateTrail"}])["Events"]
ok = [json.loads(e["CloudTrailEvent"]) for e in events]
ok = [r for r in ok if "errorCode" not in r]
check(len(ok) == 1, [e["EventName"] for e in events])
rec = ok[0]
check(rec["requestParameters"] == {"name": "org-audit", "s3KeyPrefix": "org", "enableLogFileValidation": False}, rec["requestParameters"])
check(rec["responseElements"]["trailARN"] == MAIN_ARN and rec["responseElements"]["s3KeyPrefix"] == "org", rec["responseElements"])
check(rec["resources"][0]["type"] == "AWS::CloudTrail::Trail" and rec["resources"][0]["ARN"] == MAIN_ARN, rec.get("resources"))
stop = ct.lookup_events(LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "StopLogging"}])["Events"]
check(json.loads(stop[0]["CloudTrailEvent"])["responseElements"] is None, stop[0]["CloudTrailEvent"])

print("boto3 trails scenario passed")
