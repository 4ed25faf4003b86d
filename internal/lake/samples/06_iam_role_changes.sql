-- Name: IAM role changes
-- Description: IAM roles created, deleted or changed in the last 30 days,
--   including trust policy (assume role policy) updates and policies attached to
--   or detached from roles.
SELECT eventTime, eventName, element_at(requestParameters, 'roleName') AS roleName,
       element_at(requestParameters, 'policyArn') AS policyArn,
       userIdentity.arn AS changedBy, errorCode
FROM $EDS_ID
WHERE eventSource = 'iam.amazonaws.com'
  AND eventName IN ('CreateRole', 'DeleteRole', 'UpdateRole', 'UpdateAssumeRolePolicy', 'AttachRolePolicy',
                    'DetachRolePolicy', 'PutRolePolicy', 'DeleteRolePolicy')
  AND eventTime > now() - interval '30' day
ORDER BY eventTime DESC
