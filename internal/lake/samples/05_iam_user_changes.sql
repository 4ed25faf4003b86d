-- Name: IAM user changes
-- Description: IAM users created, deleted or changed in the last 30 days:
--   new and removed users, console passwords (login profiles) and group
--   membership, with who made the change.
SELECT eventTime, eventName, element_at(requestParameters, 'userName') AS targetUser,
       element_at(requestParameters, 'groupName') AS groupName,
       userIdentity.arn AS changedBy, sourceIPAddress, errorCode
FROM $EDS_ID
WHERE eventSource = 'iam.amazonaws.com'
  AND eventName IN ('CreateUser', 'DeleteUser', 'UpdateUser', 'CreateLoginProfile', 'UpdateLoginProfile',
                    'DeleteLoginProfile', 'AddUserToGroup', 'RemoveUserFromGroup')
  AND eventTime > now() - interval '30' day
ORDER BY eventTime DESC
