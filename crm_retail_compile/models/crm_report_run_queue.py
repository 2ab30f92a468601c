"""crm.report.run: the background queue of large runs (customer-level
lists): the scheduled job runs queued runs, records their progress from a
separate transaction, and requeues runs interrupted by a crash."""

from odoo import api, models
from odoo.tools import SQL

from ..lib import report_workdir

# A running background run whose heartbeat is older than this was interrupted.
STALE_SECONDS = 600


class CrmReportRun(models.Model):
    _inherit = "crm.report.run"  # pylint: disable=consider-merging-classes-inherited

    def init(self):
        # progress lives outside the run row: the background job writes it from
        # a separate transaction while its own transaction holds the run
        self.env.cr.execute(
            SQL(
                """
                CREATE TABLE IF NOT EXISTS crm_report_run_progress (
                    run_id integer PRIMARY KEY,
                    rows_done integer NOT NULL DEFAULT 0,
                    heartbeat timestamp NOT NULL DEFAULT (now() AT TIME ZONE 'UTC')
                )
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

    def _report_progress(self, rows_done):
        """Record progress from a separate transaction (visible at once)."""
        if not self.env.context.get("crm_report_background"):
            return
        with self.env.registry.cursor() as cr:
            cr.execute(
                SQL(
                    """
                    INSERT INTO crm_report_run_progress (run_id, rows_done, heartbeat)
                    VALUES (%(run)s, %(rows)s, now() AT TIME ZONE 'UTC')
                    ON CONFLICT (run_id) DO UPDATE
                       SET rows_done = EXCLUDED.rows_done, heartbeat = EXCLUDED.heartbeat
                    """,
                    run=self.id,
                    rows=rows_done,
                )
            )

    # ------------------------------------------------------------------
    # Background queue
    # ------------------------------------------------------------------
    @api.model
    def _remove_orphan_temp_dirs(self, max_age=report_workdir.TMP_MAX_AGE):
        """Remove the working directories of compiles whose process died (a
        killed worker cannot clean up after itself): the process id is in
        the name; directories of live processes are kept unless older than
        ``max_age`` seconds (a reused process id). Returns their number."""
        return report_workdir.remove_orphans(max_age)

    @api.model
    def _cron_process_queue(self, limit=5):
        """Run queued reports; requeue runs interrupted by a crash, and
        remove the working files they left."""
        self._remove_orphan_temp_dirs()
        self.flush_model()
        self.env.cr.execute(
            SQL(
                """
                UPDATE crm_report_run r SET state = 'queued'
                  FROM crm_report_run_progress p
                 WHERE p.run_id = r.id AND r.state = 'running'
                   AND p.heartbeat < (now() AT TIME ZONE 'UTC') - %s * INTERVAL '1 second'
                """,
                STALE_SECONDS,
            )
        )
        self.env.cr.execute(
            SQL(
                """
                UPDATE crm_report_run r SET state = 'queued'
                 WHERE r.state = 'running' AND NOT EXISTS (
                       SELECT 1 FROM crm_report_run_progress p WHERE p.run_id = r.id)
                   AND r.write_date < (now() AT TIME ZONE 'UTC') - %s * INTERVAL '1 second'
                """,
                STALE_SECONDS,
            )
        )
        self.invalidate_model(["state"])
        done = 0
        for _i in range(limit):
            self.env.cr.execute(
                SQL(
                    "SELECT id FROM crm_report_run WHERE state = 'queued' ORDER BY id "
                    "LIMIT 1 FOR NO KEY UPDATE SKIP LOCKED"
                )
            )
            row = self.env.cr.fetchone()
            if not row:
                break
            run = self.browse(row[0]).with_context(crm_report_background=True)
            run._report_progress(0)
            run._execute()
            done += 1
        # ir.cron progress (done and remaining of this call): the scheduler
        # calls again at once while runs are still queued, and stops when the
        # queue is empty
        self.env["ir.cron"]._notify_progress(done=done, remaining=self._count_queued())
        return done

    @api.model
    def _count_queued(self):
        """Runs still waiting in the queue (whoever requested them)."""
        self.flush_model(["state"])
        return self.env.execute_query(
            SQL("SELECT COUNT(*) FROM crm_report_run WHERE state = 'queued'")
        )[0][0]
