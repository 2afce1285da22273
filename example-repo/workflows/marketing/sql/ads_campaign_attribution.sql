INSERT OVERWRITE TABLE ads_campaign_attribution PARTITION (ds = '${bizdate}')
SELECT t.campaign_id, COUNT(DISTINCT s.order_id) AS orders, SUM(s.amount_cny) AS revenue_cny
FROM dwd_sales_clean s
JOIN dws_campaign_touch t ON t.user_id = s.customer_id AND t.ds = s.ds
WHERE s.ds = '${bizdate}'
GROUP BY t.campaign_id;
