-- Name: API calls by source IP address
-- Description: API calls in the last 7 days per source IP address, with how
--   many principals used each address, how many calls failed and when it was
--   first and last seen.
SELECT sourceIPAddress, count(*) AS calls, approx_distinct(userIdentity.arn) AS principals,
       count(errorCode) AS failedCalls, min(eventTime) AS firstSeen, max(eventTime) AS lastSeen
FROM $EDS_ID
WHERE eventTime > now() - interval '7' day
GROUP BY 1
ORDER BY calls DESC
LIMIT 100
