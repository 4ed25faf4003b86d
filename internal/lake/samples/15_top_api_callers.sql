-- Name: Top API callers
-- Description: The principals (users and roles) that made the most API calls in
--   the last 7 days, with how many of their calls failed and how many distinct
--   actions they used.
SELECT userIdentity.arn AS principal, userIdentity.type AS identityType, count(*) AS calls,
       count(errorCode) AS failedCalls, approx_distinct(eventName) AS distinctActions
FROM $EDS_ID
WHERE eventTime > now() - interval '7' day
GROUP BY 1, 2
ORDER BY calls DESC
LIMIT 25
