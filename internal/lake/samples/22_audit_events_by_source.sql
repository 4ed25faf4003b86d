-- Name: Integration (PutAuditEvents) events by source
-- Description: Activity events from outside AWS sent with PutAuditEvents
--   through a channel (event category ActivityAuditLog) in the last 7 days,
--   counted per event source and event name.
SELECT eventData.eventSource AS eventSource, eventData.eventName AS eventName, count(*) AS events,
       approx_distinct(eventData.userIdentity.principalId) AS principals, max(eventTime) AS lastEvent
FROM $EDS_ID
WHERE eventCategory = 'ActivityAuditLog'
  AND eventTime > now() - interval '7' day
GROUP BY 1, 2
ORDER BY events DESC
