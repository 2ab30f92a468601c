"""crm.report.run: background compiles as OCA queue_job jobs.

A large run (customer-level lists) is compiled by a job on the channel
``root.crm_report`` (its capacity is set in the ``[queue_job]`` section of
the configuration, apart from the nightly channels). queue_job runs it on
any Odoo node, restarts the jobs of killed workers and keeps the one list
of jobs administrators see (Settings > Technical > Queue Jobs). The run
keeps what users see: its state, the rows written so far (committed from a
separate transaction while the job's own holds the run) and the chatter
message when it is ready.

A job is idempotent: a run that is not queued any more (done, failed) is
left alone. Transient database errors (serialization failure, lock not
available, deadlock, lost connection) make the job retry later with
back-off (``RETRY_PATTERN``); the last attempt fails the run with the
error.
"""

import psycopg2
import psycopg2.errorcodes

from odoo import _, fields, models
from odoo.tools import SQL

from odoo.addons.queue_job.exception import RetryableJobError

from ..lib import report_workdir

CHANNEL = "root.crm_report"
MAX_RETRIES = 5
# attempts -> seconds before the next one (queue.job.function retry_pattern)
RETRY_PATTERN = {1: 10, 2: 30, 3: 120, 4: 600}
TRANSIENT_PGCODES = {
    psycopg2.errorcodes.SERIALIZATION_FAILURE,
    psycopg2.errorcodes.DEADLOCK_DETECTED,
    psycopg2.errorcodes.LOCK_NOT_AVAILABLE,
    psycopg2.errorcodes.ADMIN_SHUTDOWN,
    psycopg2.errorcodes.CANNOT_CONNECT_NOW,
}
# the run's state as users see it, from its job's
JOB_STATES = {
    "wait_dependencies": "queued",
    "pending": "queued",
    "enqueued": "queued",
    "started": "running",
    "done": "done",
    "failed": "failed",
    "cancelled": "failed",
}


def is_transient(error):
    """Whether ``error`` is a database error worth retrying later."""
    if isinstance(error, psycopg2.InterfaceError):
        return True  # the connection was closed
    if isinstance(error, psycopg2.OperationalError):
        # a lost connection has no code; a cancelled or conflicting query has one
        return error.pgcode is None or error.pgcode in TRANSIENT_PGCODES
    return False


class CrmReportRun(models.Model):
    _inherit = "crm.report.run"  # pylint: disable=consider-merging-classes-inherited

    job_id = fields.Many2one(
        "queue.job",
        readonly=True,
        crm_system=True,
        ondelete="set null",
        groups="queue_job.group_queue_job_manager",
        copy=False,
    )
    job_state = fields.Selection(
        [
            ("queued", "Waiting"),
            ("running", "Compiling"),
            ("done", "Done"),
            ("failed", "Failed"),
        ],
        string="Background Job",
        compute="_compute_job_state",
        help="The state of the background job compiling the run.",
    )

    def init(self):
        # rows written so far live outside the run row: the job writes them
        # from a separate transaction while its own transaction holds the run
        self.env.cr.execute(
            SQL(
                """
                CREATE TABLE IF NOT EXISTS crm_report_run_progress (
                    run_id integer PRIMARY KEY,
                    rows_done integer NOT NULL DEFAULT 0
                );
                ALTER TABLE crm_report_run_progress DROP COLUMN IF EXISTS heartbeat
                """
            )
        )

    def _compute_progress(self):
        rows = (
            dict(
                self.env.execute_query(
                    SQL(
                        "SELECT run_id, rows_done FROM crm_report_run_progress "
                        "WHERE run_id = ANY(%s)",
                        self.ids,
                    )
                )
            )
            if self.ids
            else {}
        )
        for run in self:
            run.progress = run.row_count if run.state == "done" else rows.get(run.id, 0)

    def _compute_job_state(self):
        # the job itself is for administrators (its arguments); users see
        # its state through their run
        self.flush_recordset(["job_id"])
        self.env["queue.job"].flush_model(["state"])
        jobs = dict(
            self.env.execute_query(
                SQL(
                    "SELECT r.id, j.state FROM crm_report_run r "
                    "JOIN queue_job j ON j.id = r.job_id WHERE r.id = ANY(%s)",
                    self.ids,
                )
            )
            if self.ids
            else []
        )
        for run in self:
            run.job_state = JOB_STATES.get(jobs.get(run.id)) or False

    def _report_progress(self, rows_done):
        """Record progress from a separate transaction (visible at once)."""
        if not self.env.context.get("crm_report_background"):
            return
        with self.env.registry.cursor() as cr:
            cr.execute(
                SQL(
                    """
                    INSERT INTO crm_report_run_progress (run_id, rows_done)
                    VALUES (%(run)s, %(rows)s)
                    ON CONFLICT (run_id) DO UPDATE SET rows_done = EXCLUDED.rows_done
                    """,
                    run=self.id,
                    rows=rows_done,
                )
            )

    # ------------------------------------------------------------------
    # Enqueueing
    # ------------------------------------------------------------------
    def _enqueue_compile(self):
        """Queue the compile of each run as a job (one per run: a run
        already waiting for its job is not queued twice). The caller has
        checked the user's access to the runs."""
        for run in self:
            run._crm_system_write().write({"state": "queued", "error": False})
            job = run.with_delay(
                channel=CHANNEL,
                max_retries=MAX_RETRIES,
                identity_key=f"crm.report.run,{run.id}",
                description=_("Compile report: %(name)s", name=run.name),
            )._job_compile()
            # the new job, or the one already waiting with the same identity
            record = job if isinstance(job, models.BaseModel) else None
            if job is not None and record is None:
                record = job.db_record()
            if record:
                run.sudo()._crm_system_write().write({"job_id": record.id})
        return True

    # ------------------------------------------------------------------
    # The job
    # ------------------------------------------------------------------
    def _current_attempt(self):
        """(attempt, max_retries) of the job running now."""
        uuid = self.env.context.get("job_uuid")
        job = uuid and self.env["queue.job"].sudo().search([("uuid", "=", uuid)], limit=1)
        if not job:
            return 1, MAX_RETRIES
        return job.retry + 1, job.max_retries or MAX_RETRIES

    def _job_compile(self):
        """Compile a queued run (the queue job). Idempotent: a run already
        done or failed is left as it is."""
        self.ensure_one()
        run = self.sudo().with_context(crm_report_background=True)
        if not run.exists() or run.state not in ("queued", "running"):
            return _("Nothing to do: the run is not waiting to be compiled.")
        # the working files an earlier, killed attempt of this run left
        report_workdir.remove_run_leftovers(run.id)
        report_workdir.remove_stale()
        run._report_progress(0)
        try:
            done = run._execute(raise_transient=True)
        except Exception as error:
            if not is_transient(error):
                raise
            attempt, max_retries = self._current_attempt()
            if attempt < max_retries:
                raise RetryableJobError(
                    _("Transient database error, retrying: %(error)s", error=error)
                ) from error
            run._crm_system_write().write(
                {
                    "state": "failed",
                    "error": _(
                        "Failed after %(count)s attempts: %(error)s",
                        count=attempt,
                        error=error,
                    ),
                    "finished": fields.Datetime.now(),
                }
            )
            return _("Failed after %(count)s attempts.", count=attempt)
        return _("Done.") if done else _("The report failed: %(error)s", error=run.error)
