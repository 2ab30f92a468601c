from . import main
from . import rpc
