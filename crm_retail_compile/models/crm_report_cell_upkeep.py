"""crm.report.cell: upkeep. The cells follow their sources' changes as they
come, without rebuilding: each source's change log (crm_report_cell.py)
holds its changed records' rows as they were and are; ``_apply_log``
appends the signed cell rows that turn the cells of the old rows into those
of the new ones (lib/report_cells.delta_statements). A run on the primary
applies the waiting changes itself before reading the cells (up to
``RUN_APPLY_MAX``); a job queued every few minutes applies the rest, and
rebuilds a source whose appended rows outgrew its built ones.
"""

import logging
import time

import psycopg2

from odoo import _, api, models
from odoo.tools import SQL

from ..lib import pg_settings, report_cells
from .queue_job_retry import NIGHTLY_CHANNEL, retry_transient

_logger = logging.getLogger(__name__)

# the changes a run brings into the cells itself, at most (with the month
# and week families, 100 new sales steps take about 0.5 s on 1M customers,
# 1,000 about 4 s: longer than reading the rows); beyond, it reads the rows
# and the catch-up job, queued every five minutes, applies them
RUN_APPLY_MAX = 300


class CrmReportCell(models.Model):
    _inherit = "crm.report.cell"  # pylint: disable=consider-merging-classes-inherited

    @api.model
    def _apply_log(self, code, limit=None):
        """Bring the cells of ``code`` up to the rows this transaction sees,
        from the changes in its log: signed rows appended, nothing rebuilt.
        Returns the number of changed records, 0 when there was none, None
        when it cannot be done here (never built or a rebuild queued, another
        transaction applying or applied since this one started, more than
        ``limit`` changes, a read-only transaction, or the log lacks a
        column the cells read).

        Each change is applied once: the state row is locked (NOWAIT) and
        updated, so a transaction whose snapshot predates another's apply
        fails to lock it (serialisation) rather than applying again."""
        cr = self.env.cr
        source = report_cells.CELL_SOURCES[code]
        if source.model not in self.env:
            return None
        self.env[source.model].flush_model()
        log = self._log_table(source)
        cr.execute(SQL("SELECT to_regclass(%s)", log))
        if not cr.fetchone()[0]:
            return None
        cr.execute(
            SQL(
                """SELECT EXISTS (SELECT 1 FROM %s),
                          EXISTS (SELECT 1 FROM crm_report_cell_dirty WHERE source = %s)""",
                SQL.identifier(log),
                code,
            )
        )
        waiting, rebuild = cr.fetchone()
        if rebuild:
            return None
        if not waiting:
            return 0  # nothing waiting (the most common case: one query)
        context = self._source_context(source)
        if context is None:
            return None
        dataset, columns = context
        if not set(self._log_columns(source, context)) <= self._table_columns(log):
            return None
        try:
            with cr.savepoint(flush=False):
                cr.execute(
                    SQL(
                        """SELECT 1 FROM crm_report_cell_state
                            WHERE source = %s
                              AND NOT EXISTS (SELECT 1 FROM crm_report_cell_dirty
                                               WHERE source = %s)
                              FOR UPDATE NOWAIT""",
                        code,
                        code,
                    )
                )
                if not cr.fetchone():
                    return None
                cr.execute(
                    SQL(
                        "SELECT COUNT(*) FROM (SELECT 1 FROM %s LIMIT %s) q",
                        SQL.identifier(log),
                        (limit or 0) + 1 if limit is not None else 1,
                    )
                )
                pending = cr.fetchone()[0]
                if not pending:
                    return 0
                if limit is not None and pending > limit:
                    return None
                return self._apply_taken(source, dataset, columns)
        except (
            psycopg2.errors.SerializationFailure,
            psycopg2.errors.LockNotAvailable,
            psycopg2.errors.ReadOnlySqlTransaction,  # a read-only request
        ):
            return None

    def _apply_taken(self, source, dataset, columns):
        cr = self.env.cr
        start = time.monotonic()
        log = SQL.identifier(self._log_table(source))
        # each changed record once: its first row in the log (how it was
        # before, or sign 1 when it is new)
        cr.execute(
            SQL(
                """
                CREATE TEMP TABLE crm_report_cell_delta ON COMMIT DROP AS
                WITH taken AS (DELETE FROM %s RETURNING *)
                SELECT DISTINCT ON (id) * FROM taken ORDER BY id, seq
                """,
                log,
            )
        )
        changed = cr.rowcount
        cr.execute(SQL("ANALYZE crm_report_cell_delta"))
        rows = 0
        delta = report_cells.delta_statements(
            source, dataset, self._cell_fields(), "crm_report_cell_delta", columns
        )
        with pg_settings.local_settings(cr, work_mem="64MB", jit="off"):
            for statement in delta.prepare:
                cr.execute(statement)
            for statement in delta.inserts:
                cr.execute(statement)
                rows += cr.rowcount
        for name in delta.temps:
            cr.execute(SQL("DROP TABLE %s", SQL.identifier(name)))
        cr.execute(
            SQL(
                """UPDATE crm_report_cell_state
                      SET applied_at = NOW() AT TIME ZONE 'UTC',
                          delta_rows = delta_rows + %(rows)s,
                          max_utc_day = GREATEST(max_utc_day, (
                              SELECT MAX(%(utc)s) FROM %(table)s s
                               WHERE s.id IN (SELECT id FROM crm_report_cell_delta)))
                    WHERE source = %(code)s""",
                rows=rows,
                utc=SQL(source.utc_day),
                table=SQL.identifier(source.table),
                code=source.code,
            )
        )
        cr.execute(SQL("DROP TABLE crm_report_cell_delta"))
        self.invalidate_model()
        _logger.info(
            "Report cells of %s: %s changed records applied, %s rows in %.2fs",
            source.code,
            changed,
            rows,
            time.monotonic() - start,
        )
        return changed

    @api.model
    def _catch_up(self):
        """Bring every source's cells up to date (the scheduled job): build
        those never built and those whose rebuild is queued, or whose
        appended rows outgrew the built ones (compaction); apply the logged
        changes of the others. Returns {code: rows built or records applied}."""
        cr = self.env.cr
        cr.execute(
            SQL(
                """SELECT s.source, s.delta_rows > GREATEST(s.built_rows, 10000)
                          OR EXISTS (SELECT 1 FROM crm_report_cell_dirty d
                                      WHERE d.source = s.source)
                     FROM crm_report_cell_state s"""
            )
        )
        state = dict(cr.fetchall())
        stale = [code for code in report_cells.CELL_SOURCES if state.get(code, True)]
        done = self._rebuild(stale) if stale else {}
        for code in report_cells.CELL_SOURCES:
            if code not in stale:
                applied = self._apply_log(code)
                if applied:
                    done[code] = applied
        return done

    @api.model
    def _cron_catch_up(self):
        """Scheduled job (every few minutes): queues the catch-up (a queue
        job on the nightly channel) when a source has changes waiting; one
        already waiting is not queued twice."""
        cr = self.env.cr
        pending = []
        for source in report_cells.CELL_SOURCES.values():
            built, current, _max_day, _tz = self._state(source.code)
            if built and not current:
                pending.append(source.code)
        cr.execute(SQL("SELECT to_regclass('crm_sales_line_rollup_dirty')"))
        if cr.fetchone()[0]:
            cr.execute(SQL("SELECT 1 FROM crm_sales_line_rollup_dirty LIMIT 1"))
            if cr.fetchone():
                pending.append("lines")
        if not pending:
            return False
        return self.with_delay(
            channel=NIGHTLY_CHANNEL,
            identity_key="crm.report.cell.catch_up",
            description=_("Report cells catch-up"),
        )._job_catch_up()

    @api.model
    def _job_catch_up(self):
        """The queue job: the order-line rollup brought up to date, then the
        cells. Safe to run twice; a transient database error retries it."""
        with retry_transient():
            if "crm.sales.line.rollup" in self.env:
                self.env["crm.sales.line.rollup"].sudo()._refresh()
            done = self.sudo()._catch_up()
        return _("Report cells up to date: %(done)s", done=done or "-")
