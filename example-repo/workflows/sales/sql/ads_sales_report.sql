INSERT OVERWRITE TABLE ads_sales_report PARTITION (ds = '${bizdate}')
SELECT '${bizdate}' AS report_date,
       SUM(orders) AS orders,
       SUM(revenue_cny) AS revenue_cny,
       COUNT(DISTINCT customer_id) AS buyers
FROM dws_sales_daily
WHERE ds = '${bizdate}';
