-- Name: Failed console sign-ins
-- Description: Failed AWS Management Console sign-in attempts (ConsoleLogin
--   failures) in the last 7 days by user and source IP address, most attempts
--   first: a sign of password guessing.
SELECT coalesce(userIdentity.userName, userIdentity.arn, userIdentity.principalId) AS userName,
       sourceIPAddress, count(*) AS failures, min(eventTime) AS firstAttempt, max(eventTime) AS lastAttempt
FROM $EDS_ID
WHERE eventName = 'ConsoleLogin'
  AND (errorMessage IS NOT NULL OR element_at(responseElements, 'ConsoleLogin') = 'Failure')
  AND eventTime > now() - interval '7' day
GROUP BY 1, 2
ORDER BY failures DESC
