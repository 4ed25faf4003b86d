-- Name: New regions in use
-- Description: AWS Regions whose first recorded activity in the event data
--   store is in the last 7 days: activity in a region nobody used before can
--   mean compromised credentials (for example crypto mining).
SELECT awsRegion, min(eventTime) AS firstSeen, count(*) AS calls,
       approx_distinct(userIdentity.arn) AS principals
FROM $EDS_ID
GROUP BY awsRegion
HAVING min(eventTime) > now() - interval '7' day
ORDER BY firstSeen DESC
