from . import crm_report_query
from . import crm_report_query_run
from . import crm_forecast_evaluation_wizard
from . import crm_affinity_campaign_wizard
from . import crm_dq_fix_wizard
