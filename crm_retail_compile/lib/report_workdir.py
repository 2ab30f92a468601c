"""Working directories of report compiles (plain Python, no database).

A compile writes its files in a temporary directory named
``crm_report_<pid>_<random>``. A killed worker cannot clean up after itself:
``remove_orphans`` removes the directories whose process died.
"""

import logging
import os
import shutil
import tempfile
import time

_logger = logging.getLogger(__name__)

# working directories of compiles: crm_report_<pid>_<random>
TMP_PREFIX = "crm_report_"
TMP_MAX_AGE = 24 * 3600


def workdir():
    """A new working directory of this process (a context manager)."""
    return tempfile.TemporaryDirectory(prefix=f"{TMP_PREFIX}{os.getpid()}_")


def process_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True


def remove_orphans(max_age=TMP_MAX_AGE, root=None):
    """Remove the working directories of compiles whose process died (the
    process id is in the name); directories of live processes are kept
    unless older than ``max_age`` seconds (a reused process id). Returns
    their number."""
    root = root or tempfile.gettempdir()
    removed = 0
    now = time.time()
    for name in os.listdir(root):
        if not name.startswith(TMP_PREFIX):
            continue
        path = os.path.join(root, name)
        pid = name[len(TMP_PREFIX) :].split("_", 1)[0]
        try:
            alive = pid.isdigit() and process_alive(int(pid))
            if alive and (int(pid) == os.getpid() or now - os.path.getmtime(path) < max_age):
                continue
            shutil.rmtree(path)
            removed += 1
        except OSError as error:  # another worker removed it, or not ours
            _logger.debug("Report temp dir %s not removed: %s", path, error)
    return removed
