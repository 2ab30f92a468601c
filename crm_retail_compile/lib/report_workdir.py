"""Working directories of report compiles (plain Python, no database).

A compile writes its files in a temporary directory named after its run,
``crm_report_<run id>_<random>``. A worker killed in the middle of a
compile cannot clean up after itself; its queue job is started again
(queue_job requeues the jobs of dead workers), and the new attempt removes
what earlier attempts of the same run left (``remove_run_leftovers``): only
one job compiles a run at a time. Directories older than a day are left by
runs that never ran again (or by another host's compile) and are removed by
age alone (``remove_stale``): no compile lasts that long.
"""

import logging
import os
import shutil
import tempfile
import time

_logger = logging.getLogger(__name__)

TMP_PREFIX = "crm_report_"
TMP_MAX_AGE = 24 * 3600


def workdir(run_id=0):
    """A new working directory of the run ``run_id`` (a context manager)."""
    return tempfile.TemporaryDirectory(prefix=f"{TMP_PREFIX}{int(run_id)}_")


def _remove(root, keep):
    removed = 0
    for name in os.listdir(root):
        if not name.startswith(TMP_PREFIX):
            continue
        path = os.path.join(root, name)
        try:
            if keep(name, path):
                continue
            shutil.rmtree(path)
            removed += 1
        except OSError as error:  # removed meanwhile, or not ours
            _logger.debug("Report temp dir %s not removed: %s", path, error)
    return removed


def remove_run_leftovers(run_id, root=None):
    """Remove the working directories of earlier attempts of the run
    ``run_id``. Returns their number."""
    prefix = f"{TMP_PREFIX}{int(run_id)}_"
    return _remove(root or tempfile.gettempdir(), lambda name, _path: not name.startswith(prefix))


def remove_stale(max_age=TMP_MAX_AGE, root=None):
    """Remove the working directories older than ``max_age`` seconds.
    Returns their number."""
    now = time.time()
    return _remove(
        root or tempfile.gettempdir(),
        lambda _name, path: now - os.path.getmtime(path) < max_age,
    )
