-- Name: IAM policy changes
-- Description: IAM managed and inline policy changes in the last 30 days:
--   policies and policy versions created or deleted, and policies attached to or
--   detached from users and groups.
SELECT eventTime, eventName, element_at(requestParameters, 'policyArn') AS policyArn,
       element_at(requestParameters, 'policyName') AS policyName,
       coalesce(element_at(requestParameters, 'userName'), element_at(requestParameters, 'groupName')) AS attachedTo,
       userIdentity.arn AS changedBy, errorCode
FROM $EDS_ID
WHERE eventSource = 'iam.amazonaws.com'
  AND eventName IN ('CreatePolicy', 'DeletePolicy', 'CreatePolicyVersion', 'DeletePolicyVersion',
                    'SetDefaultPolicyVersion', 'AttachUserPolicy', 'DetachUserPolicy', 'PutUserPolicy',
                    'DeleteUserPolicy', 'AttachGroupPolicy', 'DetachGroupPolicy', 'PutGroupPolicy',
                    'DeleteGroupPolicy')
  AND eventTime > now() - interval '30' day
ORDER BY eventTime DESC
