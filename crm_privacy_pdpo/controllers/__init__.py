from . import main
from . import export
from . import portal
