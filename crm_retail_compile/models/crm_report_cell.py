"""Report cells pre-aggregated by month and week (lib/report_cells.py
explains them).

System data: built with SQL from the sales events, the pre-aggregated order
lines and the customer profit, read by report runs (under sudo, after the
run has checked the requester's rules, see crm_report_run_cells.py) and by
administrators. Statement triggers on each source log its changed rows;
the cells follow them without a rebuild (crm_report_cell_upkeep.py), and a
run reads them only when no change is waiting.
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

# Each source's change log: its changed records' rows, old (sign -1) and new
# (sign 1), the columns the cells read. Statement triggers with transition
# tables (one INSERT per statement) write it once the cells are built; a
# TRUNCATE queues a rebuild instead (crm_report_cell_dirty), and the
# transaction that queued one logs nothing more (the rebuild reads its rows).
_LOG_FUNCTION = """
CREATE OR REPLACE FUNCTION %(function)s() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM crm_report_cell_state WHERE source = %(code)s)
       OR EXISTS (SELECT 1 FROM crm_report_cell_dirty
                   WHERE source = %(code)s AND txid = txid_current()) THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'TRUNCATE' THEN
        INSERT INTO crm_report_cell_dirty (source, txid) VALUES (%(code)s, txid_current());
    ELSIF TG_OP = 'INSERT' THEN
        INSERT INTO %(log)s (sign, %(cols)s) SELECT 1, %(new_cols)s FROM crm_new n;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO %(log)s (sign, %(cols)s) SELECT -1, %(old_cols)s FROM crm_old o;
    ELSE
        -- old rows first: a record's first row in the log is how it was
        INSERT INTO %(log)s (sign, %(cols)s)
        SELECT -1, %(old_cols)s FROM crm_old o JOIN crm_new n ON n.id = o.id
         WHERE (%(old_cols)s) IS DISTINCT FROM (%(new_cols)s);
        INSERT INTO %(log)s (sign, %(cols)s)
        SELECT 1, %(new_cols)s FROM crm_new n JOIN crm_old o ON o.id = n.id
         WHERE (%(old_cols)s) IS DISTINCT FROM (%(new_cols)s);
    END IF;
    RETURN NULL;
END
$fn$;
"""

_LOG_TRIGGERS = """
DROP TRIGGER IF EXISTS %(ins)s ON %(table)s;
CREATE TRIGGER %(ins)s AFTER INSERT ON %(table)s REFERENCING NEW TABLE AS crm_new
    FOR EACH STATEMENT EXECUTE FUNCTION %(function)s();
DROP TRIGGER IF EXISTS %(upd)s ON %(table)s;
CREATE TRIGGER %(upd)s AFTER UPDATE ON %(table)s
    REFERENCING OLD TABLE AS crm_old NEW TABLE AS crm_new
    FOR EACH STATEMENT EXECUTE FUNCTION %(function)s();
DROP TRIGGER IF EXISTS %(del)s ON %(table)s;
CREATE TRIGGER %(del)s AFTER DELETE ON %(table)s REFERENCING OLD TABLE AS crm_old
    FOR EACH STATEMENT EXECUTE FUNCTION %(function)s();
DROP TRIGGER IF EXISTS %(trunc)s ON %(table)s;
CREATE TRIGGER %(trunc)s AFTER TRUNCATE ON %(table)s
    FOR EACH STATEMENT EXECUTE FUNCTION %(function)s();
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
    _description = "Report Cell (pre-aggregate by month or week)"
    _order = "source, set_code, month"
    _log_access = False

    source = fields.Char(readonly=True, required=True)
    set_code = fields.Char(string="Grain", readonly=True, required=True)
    kind = fields.Char(readonly=True, required=True)
    # the pieces the units are cut in: local months, or local weeks cut at
    # month ends (lib/report_cells.FAMILIES)
    family = fields.Char(readonly=True, default="month")
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
    new_week = fields.Boolean(readonly=True)
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
                DROP INDEX IF EXISTS crm_report_cell_grain_idx;
                CREATE INDEX IF NOT EXISTS crm_report_cell_family_grain_idx
                    ON crm_report_cell (source, family, set_code, unit);
                CREATE TABLE IF NOT EXISTS crm_report_cell_dirty (source varchar NOT NULL);
                ALTER TABLE crm_report_cell_dirty ADD COLUMN IF NOT EXISTS txid bigint;
                CREATE TABLE IF NOT EXISTS crm_report_cell_state (
                    source varchar PRIMARY KEY,
                    built_at timestamp NOT NULL,
                    tz varchar NOT NULL,
                    max_utc_day date);
                ALTER TABLE crm_report_cell_state
                    ADD COLUMN IF NOT EXISTS built_rows bigint NOT NULL DEFAULT 0,
                    ADD COLUMN IF NOT EXISTS delta_rows bigint NOT NULL DEFAULT 0,
                    ADD COLUMN IF NOT EXISTS applied_at timestamp;
                DROP FUNCTION IF EXISTS crm_report_cell_mark() CASCADE;
                """
            )
        )
        for source in report_cells.CELL_SOURCES.values():
            self._install_log(source)
            # cells built before a family was added: rebuilt at the next
            # catch-up (until then, runs of that family read the rows)
            for family in source.families:
                cr.execute(
                    SQL(
                        """INSERT INTO crm_report_cell_dirty (source, txid)
                           SELECT s.source, 0 FROM crm_report_cell_state s
                            WHERE s.source = %s AND NOT EXISTS (
                                  SELECT 1 FROM crm_report_cell c
                                   WHERE c.source = s.source AND c.family = %s)""",
                        source.code,
                        family,
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

    def _source_context(self, source, cr=None):
        """(dataset, source table columns) of a cell source, or None when
        this database lacks it."""
        cr = cr or self.env.cr
        dataset = report_cells.dataset_of_model(
            self.env["crm.report.template"]._get_datasets(), source.model
        )
        if dataset is None or source.model not in self.env:
            return None
        columns = self._table_columns(source.table, cr)
        return (dataset, columns) if columns else None

    @api.model
    def _table_columns(self, table, cr=None):
        cr = cr or self.env.cr
        cr.execute(
            SQL(
                """SELECT attname FROM pg_attribute
                    WHERE attrelid = to_regclass(%s) AND attnum > 0 AND NOT attisdropped""",
                table,
            )
        )
        return {row[0] for row in cr.fetchall()}

    @staticmethod
    def _log_table(source):
        return f"crm_report_cell_log_{source.code}"

    def _log_columns(self, source, context=None):
        context = context or self._source_context(source)
        dataset, columns = context
        return report_cells.log_columns(source, dataset, self._cell_fields(), columns)

    def _install_log(self, source):
        """Create (or re-create, when the columns the cells read changed)
        the change log of ``source`` and its triggers; a re-created log
        queues a rebuild of cells already built."""
        cr = self.env.cr
        context = self._source_context(source)
        if context is None:
            return
        names = self._log_columns(source, context)
        log = self._log_table(source)
        if set(self._table_columns(log)) != {"seq", "sign", *names}:
            cr.execute(
                SQL(
                    """
                    DROP TABLE IF EXISTS %(log)s;
                    CREATE TABLE %(log)s AS
                        SELECT NULL::bigint AS seq, NULL::smallint AS sign, %(cols)s
                          FROM %(table)s WITH NO DATA;
                    CREATE SEQUENCE IF NOT EXISTS %(seq)s OWNED BY NONE;
                    ALTER TABLE %(log)s ALTER COLUMN seq SET DEFAULT nextval(%(seq_name)s),
                                        ALTER COLUMN seq SET NOT NULL;
                    INSERT INTO crm_report_cell_dirty (source, txid)
                    SELECT source, 0 FROM crm_report_cell_state WHERE source = %(code)s;
                    """,
                    log=SQL.identifier(log),
                    cols=SQL(", ").join(SQL.identifier(c) for c in names),
                    table=SQL.identifier(source.table),
                    seq=SQL.identifier(f"{log}_seq"),
                    seq_name=f"{log}_seq",
                    code=source.code,
                )
            )
        function = SQL.identifier(f"crm_report_cell_log_{source.code}_fn")
        cr.execute(
            SQL(
                _LOG_FUNCTION,
                function=function,
                code=source.code,
                log=SQL.identifier(log),
                cols=SQL(", ").join(SQL.identifier(c) for c in names),
                new_cols=SQL(", ").join(SQL.identifier("n", c) for c in names),
                old_cols=SQL(", ").join(SQL.identifier("o", c) for c in names),
            )
        )
        cr.execute(
            SQL(
                _LOG_TRIGGERS,
                **{
                    op: SQL.identifier(f"crm_report_cell_{source.code}_{op}")
                    for op in ("ins", "upd", "del", "trunc")
                },
                table=SQL.identifier(source.table),
                function=function,
            )
        )

    # ------------------------------------------------------------------
    @api.model
    def _rebuild(self, sources=None):
        """Build the cells of ``sources`` (codes; all by default) from their
        rows. Returns {code: rows}."""
        cr = self.env.cr
        cr.execute(SQL("SELECT pg_advisory_xact_lock(%s)", REBUILD_LOCK))
        built = {}
        for code in sources or list(report_cells.CELL_SOURCES):
            source = report_cells.CELL_SOURCES[code]
            context = self._source_context(source)
            if context is None:
                continue
            dataset, columns = context
            Model = self.env[source.model]
            if source.model == "crm.sales.line.rollup":
                Model._refresh()
            Model.flush_model()
            if not self._table_columns(self._log_table(source)):
                # a source created after this model's init (DDL: only then)
                self._install_log(source)
            start = time.monotonic()
            # the changes this transaction sees are in the rows it reads; those
            # committed after it started stay queued for the next catch-up
            cr.execute(
                SQL(
                    "DELETE FROM crm_report_cell_dirty WHERE source = %s; DELETE FROM %s;"
                    "DELETE FROM crm_report_cell WHERE source = %s",
                    code,
                    SQL.identifier(self._log_table(source)),
                    code,
                )
            )
            rows = 0
            with pg_settings.local_settings(cr, work_mem="256MB", jit="off"):
                for statement in report_cells.build_statements(
                    source, dataset, self._cell_fields(), columns
                ):
                    cr.execute(statement)
                    rows += cr.rowcount
                cr.execute(
                    SQL(
                        "SELECT MAX(%s) FROM %s s",
                        SQL(source.utc_day),
                        SQL.identifier(source.table),
                    )
                )
                max_day = cr.fetchone()[0]
            cr.execute(
                SQL(
                    """INSERT INTO crm_report_cell_state
                              (source, built_at, tz, max_utc_day, built_rows, delta_rows)
                       VALUES (%s, NOW() AT TIME ZONE 'UTC', %s, %s, %s, 0)
                       ON CONFLICT (source) DO UPDATE
                          SET built_at = EXCLUDED.built_at, tz = EXCLUDED.tz,
                              max_utc_day = EXCLUDED.max_utc_day,
                              built_rows = EXCLUDED.built_rows, delta_rows = 0""",
                    code,
                    report_cells.CELL_TZ,
                    max_day,
                    rows,
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
        ``cr`` sees them: current when they hold every change of the source
        (no rebuild queued, no change waiting in its log)."""
        cr = cr or self.env.cr
        source = report_cells.CELL_SOURCES[code]
        log = self._log_table(source)
        cr.execute(SQL("SELECT to_regclass(%s)", log))
        if not cr.fetchone()[0]:
            return False, False, None, None
        cr.execute(
            SQL(
                """SELECT s.max_utc_day, s.tz,
                          NOT EXISTS (SELECT 1 FROM crm_report_cell_dirty d
                                       WHERE d.source = s.source)
                          AND NOT EXISTS (SELECT 1 FROM %s)
                     FROM crm_report_cell_state s WHERE s.source = %s""",
                SQL.identifier(log),
                code,
            )
        )
        row = cr.fetchone()
        if not row:
            return False, False, None, None
        return True, row[2], row[0], row[1]
