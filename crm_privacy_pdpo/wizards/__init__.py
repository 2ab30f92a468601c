from . import crm_privacy_retention_dryrun
from . import crm_privacy_retention_dryrun_line
from . import crm_privacy_call_list_wizard
from . import sms_composer
