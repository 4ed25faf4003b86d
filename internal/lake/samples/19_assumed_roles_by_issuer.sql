-- Name: Assumed role sessions by session issuer
-- Description: Activity of assumed-role sessions in the last 7 days grouped by
--   the role that issued them (session issuer): calls, distinct sessions and
--   source IP addresses.
SELECT userIdentity.sessionContext.sessionIssuer.userName AS roleName,
       userIdentity.sessionContext.sessionIssuer.arn AS roleArn,
       count(*) AS calls, approx_distinct(userIdentity.arn) AS sessions,
       approx_distinct(sourceIPAddress) AS sourceIPs
FROM $EDS_ID
WHERE userIdentity.type = 'AssumedRole'
  AND eventTime > now() - interval '7' day
GROUP BY 1, 2
ORDER BY calls DESC
