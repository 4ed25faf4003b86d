-- Name: CloudTrail Lake queries run
-- Description: CloudTrail Lake queries started or cancelled in the last 7 days:
--   who queried the audit log and the SQL they ran.
SELECT eventTime, eventName, userIdentity.arn AS principal,
       element_at(requestParameters, 'queryStatement') AS queryStatement,
       element_at(responseElements, 'queryId') AS queryId, errorCode
FROM $EDS_ID
WHERE eventSource = 'cloudtrail.amazonaws.com'
  AND eventName IN ('StartQuery', 'CancelQuery')
  AND eventTime > now() - interval '7' day
ORDER BY eventTime DESC
