from . import lib
from . import models
from . import controllers
from .hooks import uninstall_hook
