from . import crm_sales_cycle_report
from . import crm_report_run_pdf
