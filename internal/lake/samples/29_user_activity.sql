-- Name: Recent activity of one IAM user
-- Description: Every call an IAM user made in the last 7 days, newest first:
--   replace alice with the user name to investigate.
SELECT eventTime, eventSource, eventName, awsRegion, sourceIPAddress,
       userIdentity.accessKeyId AS accessKeyId, errorCode
FROM $EDS_ID
WHERE userIdentity.type = 'IAMUser'
  AND userIdentity.userName = 'alice'
  AND eventTime > now() - interval '7' day
ORDER BY eventTime DESC
