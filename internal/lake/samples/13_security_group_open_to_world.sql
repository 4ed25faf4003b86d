-- Name: Security groups opened to the internet
-- Description: EC2 security group ingress rules added in the last 30 days that
--   allow traffic from anywhere (0.0.0.0/0 or ::/0), with the group, who
--   added the rule and the rule itself.
SELECT eventTime, element_at(requestParameters, 'groupId') AS groupId,
       userIdentity.arn AS principal, sourceIPAddress,
       element_at(requestParameters, 'ipPermissions') AS ipPermissions, errorCode
FROM $EDS_ID
WHERE eventSource = 'ec2.amazonaws.com'
  AND eventName = 'AuthorizeSecurityGroupIngress'
  AND (element_at(requestParameters, 'ipPermissions') LIKE '%0.0.0.0/0%'
    OR element_at(requestParameters, 'ipPermissions') LIKE '%::/0%'
    OR element_at(requestParameters, 'cidrIp') = '0.0.0.0/0')
  AND eventTime > now() - interval '30' day
ORDER BY eventTime DESC
