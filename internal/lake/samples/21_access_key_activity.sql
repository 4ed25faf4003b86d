-- Name: Activity of one access key
-- Description: Every call made with one access key ID in the last 30 days,
--   newest first: replace AKIAIOSFODNN7EXAMPLE with the key to investigate, for
--   example a key that was exposed.
SELECT eventTime, eventSource, eventName, awsRegion, sourceIPAddress, userAgent,
       userIdentity.arn AS principal, errorCode
FROM $EDS_ID
WHERE userIdentity.accessKeyId = 'AKIAIOSFODNN7EXAMPLE'
  AND eventTime > now() - interval '30' day
ORDER BY eventTime DESC
