from . import test_branch_security
from . import test_retail_profile
from . import test_sales_events
from . import test_reports
from . import test_privacy_integration
from . import test_api
from . import test_dq_engine
from . import test_dq_lib
