from . import crm_jewellery_status_lookup_line
from . import crm_jewellery_status_lookup
from . import crm_jewellery_caller_lookup_line
from . import crm_jewellery_caller_lookup
