INSERT OVERWRITE TABLE dws_sales_daily PARTITION (ds)
SELECT customer_id, COUNT(*) AS orders, SUM(amount_cny) AS revenue_cny, ds
FROM dwd_sales_clean
WHERE ds BETWEEN '${start_date}' AND '${end_date}' AND status = 'PAID'
GROUP BY customer_id, ds;
