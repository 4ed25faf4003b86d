-- Name: Root user activity
-- Description: API calls and console actions made with the AWS account root user
--   credentials in the last 30 days (calls AWS services make on the root
--   user's behalf are left out). The root user should rarely be used.
SELECT eventTime, eventSource, eventName, awsRegion, sourceIPAddress, userAgent, errorCode
FROM $EDS_ID
WHERE userIdentity.type = 'Root'
  AND userIdentity.invokedBy IS NULL
  AND eventType <> 'AwsServiceEvent'
  AND eventTime > now() - interval '30' day
ORDER BY eventTime DESC
