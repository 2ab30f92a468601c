from . import test_branch_security
from . import test_retail_profile
