-- Name: Console sign-ins without MFA
-- Description: Successful AWS Management Console sign-ins (ConsoleLogin) in the
--   last 30 days where the user did not use multi-factor authentication (MFA):
--   who signed in, from which IP address and when.
SELECT eventTime, userIdentity.type AS identityType, userIdentity.arn AS principal,
       sourceIPAddress, userAgent
FROM $EDS_ID
WHERE eventName = 'ConsoleLogin'
  AND element_at(additionalEventData, 'MFAUsed') = 'No'
  AND element_at(responseElements, 'ConsoleLogin') = 'Success'
  AND eventTime > now() - interval '30' day
ORDER BY eventTime DESC
