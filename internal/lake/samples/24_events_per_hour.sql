-- Name: Event volume per hour
-- Description: How many events were recorded each hour of the last 2 days,
--   with how many were errors and how many were read-only: a baseline to spot
--   bursts of activity.
SELECT date_trunc('hour', eventTime) AS hour, count(*) AS events, count(errorCode) AS errors,
       count_if(readOnly) AS readOnlyEvents
FROM $EDS_ID
WHERE eventTime > now() - interval '2' day
GROUP BY 1
ORDER BY 1
