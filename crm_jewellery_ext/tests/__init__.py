from . import test_sizes
from . import test_client_file
from . import test_service_status
from . import test_reminders
from . import test_abnormal
from . import test_reviews_clienteling
from . import test_system_fields
from . import test_branch_links
