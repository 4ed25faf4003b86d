-- Name: Access denied errors by user and hour
-- Description: Calls refused with AccessDenied or UnauthorizedOperation errors in
--   the last 7 days, counted per principal and hour, busiest first: spikes show
--   probing or a misconfigured permission.
SELECT date_trunc('hour', eventTime) AS hour, userIdentity.arn AS principal,
       count(*) AS denied, approx_distinct(eventName) AS distinctActions
FROM $EDS_ID
WHERE errorCode IN ('AccessDenied', 'AccessDeniedException', 'UnauthorizedOperation',
                    'Client.UnauthorizedOperation', 'UnauthorizedAccess')
  AND eventTime > now() - interval '7' day
GROUP BY 1, 2
ORDER BY denied DESC
LIMIT 100
