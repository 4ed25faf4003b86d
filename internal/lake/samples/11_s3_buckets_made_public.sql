-- Name: S3 buckets made public
-- Description: S3 bucket ACL and bucket policy changes in the last 30 days that
--   grant access to everyone: an ACL granting the AllUsers or
--   AuthenticatedUsers group, a public canned ACL, or a policy with a "*"
--   principal.
SELECT eventTime, eventName, element_at(requestParameters, 'bucketName') AS bucketName,
       userIdentity.arn AS principal, sourceIPAddress, errorCode
FROM $EDS_ID
WHERE eventSource = 's3.amazonaws.com'
  AND eventName IN ('PutBucketAcl', 'PutBucketPolicy')
  AND (element_at(requestParameters, 'AccessControlPolicy') LIKE '%/groups/global/AllUsers%'
    OR element_at(requestParameters, 'AccessControlPolicy') LIKE '%/groups/global/AuthenticatedUsers%'
    OR element_at(requestParameters, 'x-amz-acl') LIKE '%public-read%'
    OR replace(element_at(requestParameters, 'bucketPolicy'), ' ', '') LIKE '%"Principal":"*"%'
    OR replace(element_at(requestParameters, 'bucketPolicy'), ' ', '') LIKE '%"AWS":"*"%')
  AND eventTime > now() - interval '30' day
ORDER BY eventTime DESC
