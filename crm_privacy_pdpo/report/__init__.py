from . import ir_actions_report_pdf
from . import crm_privacy_request_pdf
