-- Data-quality gate: at least one event and no null user ids in the hour.
SELECT ASSERT_TRUE(COUNT(*) > 0 AND SUM(IF(user_id IS NULL, 1, 0)) = 0)
FROM ods_events WHERE hh = '${hour}';
