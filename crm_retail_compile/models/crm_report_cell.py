"""Monthly pre-aggregated report cells (lib/report_cells.py explains them).

System data: built with SQL from the sales events, the pre-aggregated order
lines and the customer profit, read by report runs (under sudo, after the
run has checked the requester's rules, see crm_report_run_cells.py) and by
administrators. Statement triggers on each source queue it when its rows
change: the cells of a queued source are not read until rebuilt (the hourly
order-line rollup job rebuilds them).
"""

import logging
import time

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..lib import pg_settings, report_cells

_logger = logging.getLogger(__name__)

# one rebuild at a time (arbitrary, stable)
REBUILD_LOCK = 7_140_318_203

_TRIGGER_FUNCTION = """
CREATE OR REPLACE FUNCTION crm_report_cell_mark() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
    -- one mark per transaction and built source (a rebuild removes the
    -- marks its snapshot sees: a transaction committed after it keeps its own)
    INSERT INTO crm_report_cell_dirty (source, txid)
    SELECT TG_ARGV[0], txid_current()
     WHERE EXISTS (SELECT 1 FROM crm_report_cell_state WHERE source = TG_ARGV[0])
       AND NOT EXISTS (SELECT 1 FROM crm_report_cell_dirty
                        WHERE source = TG_ARGV[0] AND txid = txid_current());
    RETURN NULL;
END
$fn$;
"""


def _selection_of(model, field):
    """The selection of a source field (labels in the reader's language)."""

    def selection(self):
        if model not in self.env or field not in self.env[model]._fields:
            return []
        return self.env[model]._fields[field]._description_selection(self.env)

    return selection


class CrmReportCell(models.Model):
    _name = "crm.report.cell"
    _inherit = ["crm.branch.mixin"]
    _description = "Report Cell (monthly pre-aggregate)"
    _order = "source, set_code, month"
    _log_access = False

    source = fields.Char(readonly=True, required=True)
    set_code = fields.Char(string="Grain", readonly=True, required=True)
    kind = fields.Char(readonly=True, required=True)
    company_id = fields.Many2one("res.company", readonly=True)
    retail_branch_id = fields.Many2one(readonly=True)
    categ_id = fields.Many2one("product.category", string="Product Category", readonly=True)
    salesman_id = fields.Many2one("res.users", string="Salesperson", readonly=True)
    user_id = fields.Many2one("res.users", string="Event Salesperson", readonly=True)
    team_id = fields.Many2one("crm.team", string="Sales Team", readonly=True)
    membership_tier_id = fields.Many2one("crm.membership.tier", string="Tier", readonly=True)
    home_branch_id = fields.Many2one("crm.retail.branch", readonly=True)
    district_id = fields.Many2one("crm.hk.district", readonly=True)
    event_type = fields.Selection(_selection_of("crm.sales.event", "event_type"), readonly=True)
    sales_channel = fields.Selection(
        _selection_of("crm.sales.event", "sales_channel"), readonly=True
    )
    retail_channel = fields.Selection(
        _selection_of("crm.customer.profit", "retail_channel"), readonly=True
    )
    residency = fields.Selection(_selection_of("crm.customer.profit", "residency"), readonly=True)
    month = fields.Date(readonly=True)
    unit = fields.Date(readonly=True)
    prev_unit = fields.Date(string="Previous Unit", readonly=True)
    new_month = fields.Boolean(readonly=True)
    new_quarter = fields.Boolean(readonly=True)
    new_year = fields.Boolean(readonly=True)
    revenue = fields.Float(digits=(16, 2), readonly=True)
    cost = fields.Float(digits=(16, 2), readonly=True)
    profit = fields.Float(digits=(16, 2), readonly=True)
    quantity = fields.Float(digits=(16, 3), readonly=True)
    revenue_store = fields.Float(digits=(16, 2), readonly=True)
    revenue_online = fields.Float(digits=(16, 2), readonly=True)
    revenue_wholesale = fields.Float(digits=(16, 2), readonly=True)
    revenue_phone = fields.Float(digits=(16, 2), readonly=True)
    orders = fields.Integer(readonly=True)
    returns = fields.Integer(readonly=True)
    customers = fields.Integer(readonly=True)
    events = fields.Integer(readonly=True)
    leads = fields.Integer(readonly=True)
    won = fields.Integer(readonly=True)

    def init(self):
        cr = self.env.cr
        cr.execute(
            SQL(
                """
                CREATE INDEX IF NOT EXISTS crm_report_cell_grain_idx
                    ON crm_report_cell (source, set_code, unit);
                CREATE TABLE IF NOT EXISTS crm_report_cell_dirty (source varchar NOT NULL);
                ALTER TABLE crm_report_cell_dirty ADD COLUMN IF NOT EXISTS txid bigint;
                CREATE TABLE IF NOT EXISTS crm_report_cell_state (
                    source varchar PRIMARY KEY,
                    built_at timestamp NOT NULL,
                    tz varchar NOT NULL,
                    max_utc_day date);
                """
            )
        )
        cr.execute(SQL(_TRIGGER_FUNCTION))
        for source in report_cells.CELL_SOURCES.values():
            cr.execute(SQL("SELECT to_regclass(%s)", source.table))
            if not cr.fetchone()[0]:
                continue
            trigger = SQL.identifier(f"crm_report_cell_{source.code}_mark")
            cr.execute(
                SQL(
                    """
                    DROP TRIGGER IF EXISTS %(trigger)s ON %(table)s;
                    CREATE TRIGGER %(trigger)s
                        AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON %(table)s
                        FOR EACH STATEMENT EXECUTE FUNCTION crm_report_cell_mark(%(code)s);
                    """,
                    trigger=trigger,
                    table=SQL.identifier(source.table),
                    code=SQL(source.code),
                )
            )

    # system data: written with SQL only
    @api.model_create_multi
    def create(self, vals_list):  # pylint: disable=method-required-super
        raise UserError(_("Report cells are computed from the report sources."))

    def write(self, vals):  # pylint: disable=method-required-super
        raise UserError(_("Report cells are computed from the report sources."))

    # ------------------------------------------------------------------
    def _cell_fields(self):
        return set(self._fields)

    @api.model
    def _rebuild(self, sources=None):
        """Build the cells of ``sources`` (codes; all by default) from their
        rows. Returns {code: rows}."""
        cr = self.env.cr
        cr.execute(SQL("SELECT pg_advisory_xact_lock(%s)", REBUILD_LOCK))
        datasets = self.env["crm.report.template"]._get_datasets()
        codes = sources or list(report_cells.CELL_SOURCES)
        built = {}
        for code in codes:
            source = report_cells.CELL_SOURCES[code]
            dataset = report_cells.dataset_of_model(datasets, source.model)
            if dataset is None or source.model not in self.env:
                continue
            Model = self.env[source.model]
            if source.model == "crm.sales.line.rollup":
                Model._refresh()
            Model.flush_model()
            start = time.monotonic()
            cr.execute(SQL("DELETE FROM crm_report_cell_dirty WHERE source = %s", code))
            cr.execute(SQL("DELETE FROM crm_report_cell WHERE source = %s", code))
            rows = 0
            cr.execute(
                SQL(
                    "SELECT column_name FROM information_schema.columns WHERE table_name = %s",
                    source.table,
                )
            )
            columns = {row[0] for row in cr.fetchall()}
            with pg_settings.local_settings(cr, work_mem="256MB", jit="off"):
                for statement in report_cells.build_statements(
                    source, dataset, self._cell_fields(), columns
                ):
                    cr.execute(statement)
                    rows += cr.rowcount
                cr.execute(
                    SQL(
                        "SELECT MAX(%s) FROM %s s WHERE %s",
                        SQL(source.utc_day),
                        SQL.identifier(source.table),
                        SQL(source.where),
                    )
                )
                max_day = cr.fetchone()[0]
            cr.execute(
                SQL(
                    """INSERT INTO crm_report_cell_state (source, built_at, tz, max_utc_day)
                       VALUES (%s, NOW() AT TIME ZONE 'UTC', %s, %s)
                       ON CONFLICT (source) DO UPDATE
                          SET built_at = EXCLUDED.built_at, tz = EXCLUDED.tz,
                              max_utc_day = EXCLUDED.max_utc_day""",
                    code,
                    report_cells.CELL_TZ,
                    max_day,
                )
            )
            built[code] = rows
            _logger.info(
                "Report cells of %s rebuilt: %s rows in %.1fs", code, rows, time.monotonic() - start
            )
        cr.execute(SQL("ANALYZE crm_report_cell"))
        self.invalidate_model()
        return built

    @api.model
    def _state(self, code, cr=None):
        """(built, current, max_utc_day, tz) of the cells of ``code`` as
        ``cr`` sees them: current when nothing changed in the source since
        the build."""
        cr = cr or self.env.cr
        cr.execute(
            SQL(
                """SELECT s.max_utc_day, s.tz,
                          NOT EXISTS (SELECT 1 FROM crm_report_cell_dirty d
                                       WHERE d.source = s.source)
                     FROM crm_report_cell_state s WHERE s.source = %s""",
                code,
            )
        )
        row = cr.fetchone()
        if not row:
            return False, False, None, None
        return True, row[2], row[0], row[1]

    @api.model
    def _rebuild_stale(self):
        """Build the sources never built and rebuild those whose rows
        changed (the hourly order-line rollup job)."""
        self.env.cr.execute(
            SQL(
                """SELECT s.source FROM crm_report_cell_state s
                    WHERE NOT EXISTS (SELECT 1 FROM crm_report_cell_dirty d
                                       WHERE d.source = s.source)"""
            )
        )
        current = {row[0] for row in self.env.cr.fetchall()}
        stale = [code for code in report_cells.CELL_SOURCES if code not in current]
        return self._rebuild(stale) if stale else {}
