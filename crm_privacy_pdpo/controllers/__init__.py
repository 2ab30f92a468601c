from . import main
from . import export
from . import portal
from . import sms_gateway
