-- One row per order: latest status wins, amounts in CNY, test customers removed.
INSERT OVERWRITE TABLE dwd_sales_clean PARTITION (ds = '${bizdate}')
SELECT o.order_id,
       o.customer_id,
       ROUND(o.amount * COALESCE(fx.rate_to_cny, 1), 2) AS amount_cny,
       o.status
FROM (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY order_id ORDER BY created_at DESC) AS rn
  FROM ods_orders WHERE ds = '${bizdate}'
) o
LEFT JOIN dim_fx_rate fx ON fx.currency = o.currency AND fx.ds = '${bizdate}'
WHERE o.rn = 1
  AND o.customer_id NOT IN (SELECT customer_id FROM dim_test_customer);
