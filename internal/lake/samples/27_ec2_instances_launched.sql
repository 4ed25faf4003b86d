-- Name: EC2 instances launched
-- Description: EC2 RunInstances calls in the last 7 days with the instance type,
--   image (AMI), region and who launched them: unexpected launches in unused
--   regions or of large instance types can mean crypto mining.
SELECT eventTime, awsRegion, element_at(requestParameters, 'instanceType') AS instanceType,
       element_at(requestParameters, 'imageId') AS imageId, userIdentity.arn AS principal,
       sourceIPAddress, errorCode
FROM $EDS_ID
WHERE eventSource = 'ec2.amazonaws.com'
  AND eventName = 'RunInstances'
  AND eventTime > now() - interval '7' day
ORDER BY eventTime DESC
