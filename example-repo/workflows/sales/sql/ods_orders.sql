-- Land yesterday's orders from the OLTP replica (synced by Data Integration into ${ODS_PROJECT}).
INSERT OVERWRITE TABLE ods_orders PARTITION (ds = '${bizdate}')
SELECT order_id, customer_id, amount, currency, status, created_at
FROM ${ODS_PROJECT}.orders_replica
WHERE ds = '${bizdate}';
