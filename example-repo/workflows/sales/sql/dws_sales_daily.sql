INSERT OVERWRITE TABLE dws_sales_daily PARTITION (ds = '${bizdate}')
SELECT customer_id, COUNT(*) AS orders, SUM(amount_cny) AS revenue_cny
FROM dwd_sales_clean
WHERE ds = '${bizdate}' AND status = 'PAID'
GROUP BY customer_id;
