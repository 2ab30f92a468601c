"""Retrying the suite's scheduled jobs (OCA queue_job) after transient
database errors.

The scheduled actions only queue a job; the job does the work. A transient
error (see ``crm_report_run_job.is_transient``: serialization failure,
deadlock, lock not available, lost connection) raised by the work becomes a
``RetryableJobError``: queue_job rolls the job's transaction back and runs
it again later, after the delays of its job function's ``retry_pattern``
(data/queue_job_data.xml); past its last attempt the job fails and shows
the error in the list of jobs. Any other error fails the job at once.
"""

from contextlib import contextmanager

from odoo import _

from odoo.addons.queue_job.exception import RetryableJobError

# the channel of the hourly and nightly maintenance jobs
NIGHTLY_CHANNEL = "root.crm_nightly"
# the channel of report compiles (its own capacity: reports never starve
# the nightly jobs, nor do they wait behind them)
REPORT_CHANNEL = "root.crm_report"


@contextmanager
def retry_transient():
    """Turn a transient database error of the block into a retry."""
    # imported here: that module extends crm.report.run, which models
    # importing this one (sales events, templates) are loaded before
    from .crm_report_run_job import is_transient

    try:
        yield
    except RetryableJobError:
        raise
    except Exception as error:
        if not is_transient(error):
            raise
        raise RetryableJobError(
            _("Transient database error, retrying: %(error)s", error=error)
        ) from error
