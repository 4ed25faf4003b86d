-- Name: Top error codes
-- Description: The most frequent API error codes in the last 7 days per service
--   (event source), with a sample error message and how many principals
--   received each.
SELECT errorCode, eventSource, count(*) AS errors, approx_distinct(userIdentity.arn) AS principals,
       max(errorMessage) AS sampleMessage
FROM $EDS_ID
WHERE errorCode IS NOT NULL
  AND eventTime > now() - interval '7' day
GROUP BY 1, 2
ORDER BY errors DESC
LIMIT 50
