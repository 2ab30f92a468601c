from . import crm_sales_cycle_report
