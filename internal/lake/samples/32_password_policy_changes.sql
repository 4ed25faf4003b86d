-- Name: Account password policy changes
-- Description: Changes to the IAM account password policy in the last 90 days,
--   such as a shorter minimum length or no expiry, and who made them.
SELECT eventTime, eventName, userIdentity.arn AS principal, sourceIPAddress,
       element_at(requestParameters, 'minimumPasswordLength') AS minimumPasswordLength, errorCode
FROM $EDS_ID
WHERE eventSource = 'iam.amazonaws.com'
  AND eventName IN ('UpdateAccountPasswordPolicy', 'DeleteAccountPasswordPolicy')
  AND eventTime > now() - interval '90' day
ORDER BY eventTime DESC
