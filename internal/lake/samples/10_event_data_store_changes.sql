-- Name: Event data store changes
-- Description: CloudTrail Lake event data stores created, updated, deleted or
--   restored, and ingestion started or stopped, in the last 90 days.
SELECT eventTime, eventName, coalesce(element_at(requestParameters, 'eventDataStore'),
       element_at(requestParameters, 'name')) AS eventDataStore,
       userIdentity.arn AS principal, errorCode
FROM $EDS_ID
WHERE eventSource = 'cloudtrail.amazonaws.com'
  AND eventName IN ('CreateEventDataStore', 'UpdateEventDataStore', 'DeleteEventDataStore',
                    'RestoreEventDataStore', 'StartEventDataStoreIngestion', 'StopEventDataStoreIngestion')
  AND eventTime > now() - interval '90' day
ORDER BY eventTime DESC
