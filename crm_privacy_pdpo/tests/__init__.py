from . import test_pdpo_rules
from . import test_classification
from . import test_consent
from . import test_mailing
from . import test_request
from . import test_retention
from . import test_export
from . import test_breach
