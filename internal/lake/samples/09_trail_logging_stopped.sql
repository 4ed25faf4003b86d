-- Name: CloudTrail trails stopped, deleted or changed
-- Description: Calls that stop CloudTrail logging or weaken a trail in the last
--   90 days: StopLogging, DeleteTrail, UpdateTrail and event selector changes.
--   Attackers turn off audit logging to hide their tracks.
SELECT eventTime, eventName, element_at(requestParameters, 'name') AS trail,
       userIdentity.arn AS principal, sourceIPAddress, awsRegion, errorCode
FROM $EDS_ID
WHERE eventSource = 'cloudtrail.amazonaws.com'
  AND eventName IN ('StopLogging', 'DeleteTrail', 'UpdateTrail', 'PutEventSelectors', 'PutInsightSelectors')
  AND eventTime > now() - interval '90' day
ORDER BY eventTime DESC
