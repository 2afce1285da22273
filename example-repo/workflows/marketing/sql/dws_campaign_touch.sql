INSERT OVERWRITE TABLE dws_campaign_touch PARTITION (ds = '${bizdate}')
SELECT user_id, campaign_id, MAX(ts) AS last_touch
FROM ods_events
WHERE SUBSTR(hh, 1, 8) = '${bizdate}' AND campaign_id IS NOT NULL
GROUP BY user_id, campaign_id;
