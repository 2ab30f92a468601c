from . import main
from . import portal
from . import dq_request_portal
from . import rpc
from . import crm_customer_import_template
