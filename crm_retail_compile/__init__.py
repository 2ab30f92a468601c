from . import lib
from . import models
from . import report
from . import wizards
from . import controllers
from .hooks import post_init_hook, uninstall_hook
