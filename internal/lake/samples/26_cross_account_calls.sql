-- Name: Cross-account API calls
-- Description: Calls in the last 7 days made by principals of another AWS
--   account than the one that recorded the event (recipient account), per
--   calling account and action.
SELECT userIdentity.accountId AS callerAccount, recipientAccountId, eventSource, eventName, count(*) AS calls
FROM $EDS_ID
WHERE userIdentity.accountId IS NOT NULL
  AND userIdentity.accountId <> recipientAccountId
  AND eventTime > now() - interval '7' day
GROUP BY 1, 2, 3, 4
ORDER BY calls DESC
