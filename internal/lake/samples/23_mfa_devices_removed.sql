-- Name: MFA devices deactivated or deleted
-- Description: Multi-factor authentication (MFA) devices deactivated or deleted
--   in the last 90 days, and the users they protected.
SELECT eventTime, eventName, element_at(requestParameters, 'userName') AS userName,
       element_at(requestParameters, 'serialNumber') AS serialNumber,
       userIdentity.arn AS principal, errorCode
FROM $EDS_ID
WHERE eventSource = 'iam.amazonaws.com'
  AND eventName IN ('DeactivateMFADevice', 'DeleteVirtualMFADevice')
  AND eventTime > now() - interval '90' day
ORDER BY eventTime DESC
