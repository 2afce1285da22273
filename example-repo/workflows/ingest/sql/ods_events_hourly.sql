INSERT OVERWRITE TABLE ods_events PARTITION (hh = '${hour}')
SELECT event_id, user_id, event_type, page, ts
FROM ${ODS_PROJECT}.events_export
WHERE hh = '${hour}';
