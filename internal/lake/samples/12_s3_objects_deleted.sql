-- Name: S3 objects deleted by user
-- Description: S3 object deletions (DeleteObject and DeleteObjects data events)
--   in the last 7 days, counted per principal and bucket, most first: mass
--   deletion can be ransomware or a mistake.
SELECT userIdentity.arn AS principal, element_at(requestParameters, 'bucketName') AS bucketName,
       count(*) AS deleteCalls, min(eventTime) AS firstDelete, max(eventTime) AS lastDelete
FROM $EDS_ID
WHERE eventSource = 's3.amazonaws.com'
  AND eventName IN ('DeleteObject', 'DeleteObjects')
  AND eventTime > now() - interval '7' day
GROUP BY 1, 2
ORDER BY deleteCalls DESC
