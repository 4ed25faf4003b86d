-- Name: KMS key deletion scheduled or keys disabled
-- Description: AWS KMS keys scheduled for deletion or disabled in the last 30
--   days: data encrypted under a deleted key is lost for good.
SELECT eventTime, eventName, element_at(requestParameters, 'keyId') AS keyId,
       element_at(requestParameters, 'pendingWindowInDays') AS pendingWindowInDays,
       userIdentity.arn AS principal, errorCode
FROM $EDS_ID
WHERE eventSource = 'kms.amazonaws.com'
  AND eventName IN ('ScheduleKeyDeletion', 'DisableKey')
  AND eventTime > now() - interval '30' day
ORDER BY eventTime DESC
