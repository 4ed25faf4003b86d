-- Name: Access keys created
-- Description: IAM access keys created in the last 30 days: the user the key
--   belongs to, the new access key ID and who created it. Long-term keys are a
--   common way credentials leak.
SELECT eventTime, coalesce(element_at(requestParameters, 'userName'), userIdentity.userName) AS keyOwner,
       json_extract_scalar(element_at(responseElements, 'accessKey'), '$.accessKeyId') AS accessKeyId,
       userIdentity.arn AS createdBy, sourceIPAddress
FROM $EDS_ID
WHERE eventSource = 'iam.amazonaws.com'
  AND eventName = 'CreateAccessKey'
  AND errorCode IS NULL
  AND eventTime > now() - interval '30' day
ORDER BY eventTime DESC
