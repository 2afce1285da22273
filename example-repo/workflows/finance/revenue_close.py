# PyODPS 3: aggregate last month's report rows into the finance close table.
# `o` (the ODPS entry object) and `args` are provided by DataWorks at run time.
month = args["month"]  # noqa: F821
o.execute_sql(  # noqa: F821
    f"""
    INSERT OVERWRITE TABLE fin_revenue_close PARTITION (month = '{month}')
    SELECT SUM(revenue_cny), SUM(orders)
    FROM ads_sales_report
    WHERE SUBSTR(report_date, 1, 6) = '{month}'
    """
)
