-- Name: Roles assumed with STS
-- Description: AWS STS AssumeRole calls in the last 7 days per role and caller:
--   which principals take on which roles, and how often.
SELECT element_at(requestParameters, 'roleArn') AS roleArn, userIdentity.arn AS caller,
       count(*) AS calls, count(errorCode) AS failedCalls, max(eventTime) AS lastCall
FROM $EDS_ID
WHERE eventSource = 'sts.amazonaws.com'
  AND eventName IN ('AssumeRole', 'AssumeRoleWithSAML', 'AssumeRoleWithWebIdentity')
  AND eventTime > now() - interval '7' day
GROUP BY 1, 2
ORDER BY calls DESC
