INSERT OVERWRITE TABLE dwd_sales_clean PARTITION (ds)
SELECT order_id, customer_id, amount_cny, status, ds
FROM dwd_sales_rebuild
WHERE ds BETWEEN '${start_date}' AND '${end_date}';
