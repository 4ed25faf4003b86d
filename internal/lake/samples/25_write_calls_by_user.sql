-- Name: Write API calls by user in the last day
-- Description: Management events that change resources (not read-only) in the
--   last 24 hours, per principal and action, most frequent first.
SELECT userIdentity.arn AS principal, eventSource, eventName, count(*) AS calls
FROM $EDS_ID
WHERE readOnly = false
  AND managementEvent = true
  AND eventTime > now() - interval '1' day
GROUP BY 1, 2, 3
ORDER BY calls DESC
LIMIT 100
