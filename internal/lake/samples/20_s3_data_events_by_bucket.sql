-- Name: S3 data events by bucket
-- Description: S3 object-level (data event) activity in the last 7 days per
--   bucket and action, such as GetObject and PutObject, with how many
--   principals made the calls.
SELECT element_at(requestParameters, 'bucketName') AS bucketName, eventName, count(*) AS calls,
       approx_distinct(userIdentity.arn) AS principals
FROM $EDS_ID
WHERE eventCategory = 'Data'
  AND eventSource = 's3.amazonaws.com'
  AND eventTime > now() - interval '7' day
GROUP BY 1, 2
ORDER BY calls DESC
