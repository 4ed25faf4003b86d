-- Name: API calls by user agent
-- Description: API calls in the last 7 days per user agent (the AWS CLI, SDKs,
--   the console or other tools), with the principals using each: an unusual
--   agent can reveal attack tooling.
SELECT userAgent, count(*) AS calls, approx_distinct(userIdentity.arn) AS principals,
       min(eventTime) AS firstSeen, max(eventTime) AS lastSeen
FROM $EDS_ID
WHERE eventTime > now() - interval '7' day
GROUP BY 1
ORDER BY calls DESC
LIMIT 50
