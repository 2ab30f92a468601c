"""Confirmed order lines summed per order and product category.

The pre-aggregated source of the ``order_lines`` report dataset
(``report_engine.ORDER_LINES_ROLLUP``): one row per order, product category
(and the line's customer, branch, salesperson and company, and the order's
sales channel, which follow the order), with the sums of the lines'
untaxed amounts, margins and quantities.
It holds the order's UTC day (``order_date``: the run's date filters) and its
day in the report time zone (``local_date``: the period grouping), so a query
groups a few million narrow rows instead of joining ten million lines to
their orders and products. The figures equal those of the lines to the cent
(numeric sums of the same numbers), and the distinct counts (orders,
customers) are exact because the order and the customer are kept.

Kept exact set-based, whatever writes the lines (the ORM, the API, SQL
imports): PostgreSQL triggers queue the orders whose confirmed lines
changed (statement-level, with transition tables: one INSERT per statement,
not per row) and the orders whose date changed or whose products changed
category; ``_refresh`` recomputes exactly the queued orders from their lines
(``DELETE ... RETURNING`` on the queue, as the customer profit does). A run
refreshes it before reading it (crm.report.run._rollup_spec), in its own
transaction, so it always sees what it would see on the lines.
"""

import logging

import psycopg2

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..lib import pg_settings
from .crm_team import SALES_CHANNELS
from .queue_job_retry import NIGHTLY_CHANNEL, retry_transient

_logger = logging.getLogger(__name__)

# advisory lock key: one refresh at a time (the number is arbitrary and stable)
REFRESH_LOCK = 7_140_318_202
# the time zone of local_date (the runs of users in another one read the lines)
ROLLUP_TZ = "Asia/Hong_Kong"
# a run refreshes at most this many queued orders itself; beyond (a bulk
# import), it reads the lines and the scheduled refresh catches up
RUN_REFRESH_MAX = 20_000
# more queued orders than this: the refresh rebuilds everything
REBUILD_ORDERS = 500_000

_TRIGGERS = """
CREATE OR REPLACE FUNCTION crm_sales_line_rollup_mark_lines() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
    IF TG_OP = 'INSERT' THEN
        -- every order (a draft's lines are left out by the refresh): the
        -- highest line id then tells lines written without this trigger
        INSERT INTO crm_sales_line_rollup_dirty (order_id)
        SELECT DISTINCT n.order_id FROM crm_new n;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO crm_sales_line_rollup_dirty (order_id)
        SELECT DISTINCT o.order_id FROM crm_old o WHERE o.state = 'sale';
    ELSE
        INSERT INTO crm_sales_line_rollup_dirty (order_id)
        SELECT DISTINCT x.order_id
          FROM crm_new n
          JOIN crm_old o ON o.id = n.id
         CROSS JOIN LATERAL (VALUES (n.order_id), (o.order_id)) AS x(order_id)
         WHERE (n.state = 'sale' OR o.state = 'sale')
           AND (n.order_id, n.state, n.display_type, n.product_id, n.price_subtotal,
                n.margin, n.product_uom_qty, n.order_partner_id, n.salesman_id,
                n.retail_branch_id, n.company_id)
               IS DISTINCT FROM
               (o.order_id, o.state, o.display_type, o.product_id, o.price_subtotal,
                o.margin, o.product_uom_qty, o.order_partner_id, o.salesman_id,
                o.retail_branch_id, o.company_id);
    END IF;
    RETURN NULL;
END
$fn$;

CREATE OR REPLACE FUNCTION crm_sales_line_rollup_mark_order() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
    INSERT INTO crm_sales_line_rollup_dirty (order_id) VALUES (NEW.id);
    RETURN NULL;
END
$fn$;

CREATE OR REPLACE FUNCTION crm_sales_line_rollup_mark_product() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
    INSERT INTO crm_sales_line_rollup_dirty (order_id)
    SELECT DISTINCT l.order_id
      FROM sale_order_line l
      JOIN product_product pp ON pp.id = l.product_id
     WHERE l.state = 'sale'
       AND (CASE WHEN TG_TABLE_NAME = 'product_template'
                 THEN pp.product_tmpl_id = NEW.id ELSE pp.id = NEW.id END);
    RETURN NULL;
END
$fn$;

DROP TRIGGER IF EXISTS crm_sales_line_rollup_ins ON sale_order_line;
CREATE TRIGGER crm_sales_line_rollup_ins AFTER INSERT ON sale_order_line
    REFERENCING NEW TABLE AS crm_new
    FOR EACH STATEMENT EXECUTE FUNCTION crm_sales_line_rollup_mark_lines();
DROP TRIGGER IF EXISTS crm_sales_line_rollup_upd ON sale_order_line;
CREATE TRIGGER crm_sales_line_rollup_upd AFTER UPDATE ON sale_order_line
    REFERENCING OLD TABLE AS crm_old NEW TABLE AS crm_new
    FOR EACH STATEMENT EXECUTE FUNCTION crm_sales_line_rollup_mark_lines();
DROP TRIGGER IF EXISTS crm_sales_line_rollup_del ON sale_order_line;
CREATE TRIGGER crm_sales_line_rollup_del AFTER DELETE ON sale_order_line
    REFERENCING OLD TABLE AS crm_old
    FOR EACH STATEMENT EXECUTE FUNCTION crm_sales_line_rollup_mark_lines();
DROP TRIGGER IF EXISTS crm_sales_line_rollup_order ON sale_order;
CREATE TRIGGER crm_sales_line_rollup_order
    AFTER UPDATE OF date_order, crm_sales_channel ON sale_order
    FOR EACH ROW WHEN ((OLD.date_order IS DISTINCT FROM NEW.date_order
                        OR OLD.crm_sales_channel IS DISTINCT FROM NEW.crm_sales_channel)
                       AND (OLD.state = 'sale' OR NEW.state = 'sale'))
    EXECUTE FUNCTION crm_sales_line_rollup_mark_order();
DROP TRIGGER IF EXISTS crm_sales_line_rollup_template ON product_template;
CREATE TRIGGER crm_sales_line_rollup_template AFTER UPDATE OF categ_id ON product_template
    FOR EACH ROW WHEN (OLD.categ_id IS DISTINCT FROM NEW.categ_id)
    EXECUTE FUNCTION crm_sales_line_rollup_mark_product();
DROP TRIGGER IF EXISTS crm_sales_line_rollup_product ON product_product;
CREATE TRIGGER crm_sales_line_rollup_product AFTER UPDATE OF product_tmpl_id ON product_product
    FOR EACH ROW WHEN (OLD.product_tmpl_id IS DISTINCT FROM NEW.product_tmpl_id)
    EXECUTE FUNCTION crm_sales_line_rollup_mark_product();
"""


class CrmSalesLineRollup(models.Model):
    _name = "crm.sales.line.rollup"
    _inherit = ["crm.branch.mixin"]
    _description = "Order Lines by Order and Category"
    _order = "order_date desc, id desc"
    _rec_name = "order_id"
    _log_access = False
    # the table is made in init(): no foreign keys to check on a bulk
    # rebuild of millions of rows (they follow the lines, which have them)
    _auto = False

    order_id = fields.Many2one("sale.order", readonly=True)
    categ_id = fields.Many2one("product.category", string="Product Category", readonly=True)
    order_partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    retail_branch_id = fields.Many2one(readonly=True)
    salesman_id = fields.Many2one("res.users", string="Salesperson", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    # the order's sales channel (sale.order.crm_sales_channel)
    sales_channel = fields.Selection(SALES_CHANNELS, readonly=True)
    order_date = fields.Date(string="Order Day (UTC)", readonly=True)
    local_date = fields.Date(string="Order Day", readonly=True)
    price_subtotal = fields.Float(string="Revenue", digits=(16, 2), readonly=True)
    margin = fields.Float(string="Profit", digits=(16, 2), readonly=True)
    product_uom_qty = fields.Float(string="Quantity", digits=(16, 3), readonly=True)
    line_count = fields.Integer(string="Lines", readonly=True)

    def init(self):
        cr = self.env.cr
        # numeric sums: exactly those of the lines
        cr.execute(
            SQL(
                """
                CREATE TABLE IF NOT EXISTS crm_sales_line_rollup (
                    id serial PRIMARY KEY,
                    order_id integer NOT NULL,
                    categ_id integer,
                    order_partner_id integer,
                    retail_branch_id integer,
                    salesman_id integer,
                    company_id integer,
                    order_date date NOT NULL,
                    local_date date NOT NULL,
                    price_subtotal numeric,
                    margin numeric,
                    product_uom_qty numeric,
                    line_count integer,
                    sales_channel varchar
                );
                CREATE INDEX IF NOT EXISTS crm_sales_line_rollup_order_idx
                    ON crm_sales_line_rollup (order_id);
                CREATE INDEX IF NOT EXISTS crm_sales_line_rollup_date_idx
                    ON crm_sales_line_rollup (order_date);
                -- the report cells' upkeep reads a changed customer's rows
                CREATE INDEX IF NOT EXISTS crm_sales_line_rollup_partner_idx
                    ON crm_sales_line_rollup (order_partner_id);
                CREATE TABLE IF NOT EXISTS crm_sales_line_rollup_dirty (
                    order_id integer NOT NULL);
                CREATE TABLE IF NOT EXISTS crm_sales_line_rollup_state (
                    id integer PRIMARY KEY DEFAULT 1 CHECK (id = 1),
                    built_at timestamp,
                    tz varchar NOT NULL);
                ALTER TABLE crm_sales_line_rollup_state
                    ADD COLUMN IF NOT EXISTS line_max_id integer;
                UPDATE crm_sales_line_rollup_state
                   SET line_max_id = (SELECT COALESCE(MAX(id), 0) FROM sale_order_line)
                 WHERE line_max_id IS NULL;
                """
            )
        )
        # the order's channel joined the grain (18.0.1.7.0): rebuilt once
        cr.execute(
            SQL(
                """SELECT 1 FROM information_schema.columns
                    WHERE table_name = 'crm_sales_line_rollup' AND column_name = 'sales_channel'"""
            )
        )
        channel_added = not cr.fetchone()
        if channel_added:
            cr.execute(SQL("ALTER TABLE crm_sales_line_rollup ADD COLUMN sales_channel varchar"))
        cr.execute(SQL(_TRIGGERS))
        cr.execute(SQL("SELECT built_at FROM crm_sales_line_rollup_state"))
        if not cr.fetchone() or channel_added:
            self._rebuild()

    # append-only for users: internal code writes these with SQL
    @api.model_create_multi
    def create(self, vals_list):  # pylint: disable=method-required-super
        raise UserError(_("These rows are computed from the order lines."))

    def write(self, vals):  # pylint: disable=method-required-super
        raise UserError(_("These rows are computed from the order lines."))

    # ------------------------------------------------------------------
    @staticmethod
    def _source(orders=None):
        """SELECT of the rows of the confirmed lines (of the orders in the
        table ``orders`` when given)."""
        join = (
            SQL("JOIN %s t ON t.order_id = l.order_id", SQL.identifier(orders))
            if orders
            else SQL("")
        )
        return SQL(
            """
            SELECT l.order_id, pt.categ_id, l.order_partner_id, l.retail_branch_id,
                   l.salesman_id, l.company_id,
                   so.date_order::date,
                   timezone(%(tz)s, timezone('UTC', so.date_order))::date,
                   SUM(l.price_subtotal), SUM(l.margin), SUM(l.product_uom_qty), COUNT(*),
                   so.crm_sales_channel
              FROM sale_order_line l
              %(join)s
              JOIN sale_order so ON so.id = l.order_id
              LEFT JOIN product_product pp ON pp.id = l.product_id
              LEFT JOIN product_template pt ON pt.id = pp.product_tmpl_id
             WHERE l.state = 'sale' AND l.display_type IS NULL
             GROUP BY l.order_id, pt.categ_id, l.order_partner_id, l.retail_branch_id,
                      l.salesman_id, l.company_id, so.date_order, so.crm_sales_channel
            """,
            tz=ROLLUP_TZ,
            join=join,
        )

    def _insert(self, source):
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO crm_sales_line_rollup (
                    order_id, categ_id, order_partner_id, retail_branch_id, salesman_id,
                    company_id, order_date, local_date, price_subtotal, margin,
                    product_uom_qty, line_count, sales_channel)
                %s
                """,
                source,
            )
        )
        return self.env.cr.rowcount

    @api.model
    def _rebuild(self):
        """Every row from the lines (install, or after a bulk change)."""
        cr = self.env.cr
        cr.execute(SQL("SELECT pg_advisory_xact_lock(%s)", REFRESH_LOCK))
        self.env["sale.order.line"].flush_model()
        self.env["sale.order"].flush_model(["date_order", "crm_sales_channel"])
        cr.execute(SQL("DELETE FROM crm_sales_line_rollup_dirty"))
        cr.execute(SQL("TRUNCATE crm_sales_line_rollup"))
        # ten million lines grouped in memory, and no JIT for one scan
        with pg_settings.local_settings(cr, work_mem="256MB", jit="off"):
            rows = self._insert(self._source())
        cr.execute(
            SQL(
                """INSERT INTO crm_sales_line_rollup_state (id, built_at, tz, line_max_id)
                   VALUES (1, NOW() AT TIME ZONE 'UTC', %s,
                           (SELECT COALESCE(MAX(id), 0) FROM sale_order_line))
                   ON CONFLICT (id) DO UPDATE SET built_at = EXCLUDED.built_at,
                                                  tz = EXCLUDED.tz,
                                                  line_max_id = EXCLUDED.line_max_id""",
                ROLLUP_TZ,
            )
        )
        cr.execute(SQL("ANALYZE crm_sales_line_rollup"))
        self.invalidate_model()
        _logger.info("Order-line rollup rebuilt: %s rows", rows)
        return rows

    @api.model
    def _is_current(self, cr):
        """Whether the rows read through ``cr`` (e.g. the read replica's
        cursor) match the lines ``cr`` sees: built, nothing queued, no line
        written behind the triggers' back."""
        cr.execute(
            SQL(
                """
                SELECT s.line_max_id >= (SELECT COALESCE(MAX(id), 0) FROM sale_order_line)
                       AND NOT EXISTS (SELECT 1 FROM crm_sales_line_rollup_dirty)
                  FROM crm_sales_line_rollup_state s
                 WHERE s.built_at IS NOT NULL
                """
            )
        )
        row = cr.fetchone()
        return bool(row and row[0])

    @api.model
    def _refresh(self, limit=None):
        """Recompute the queued orders. Returns the number of orders
        recomputed, or None when the rows cannot be brought up to date now
        (not built, another refresh under way, more than ``limit`` queued
        orders, or lines written without the triggers, e.g. by a bulk SQL
        import with ``session_replication_role = replica``): the caller then
        reads the lines. Without ``limit`` (the scheduled job) a bulk change
        is caught up by a rebuild."""
        cr = self.env.cr
        self.env["sale.order.line"].flush_model()
        self.env["sale.order"].flush_model(["date_order", "crm_sales_channel"])
        cr.execute(
            SQL("SELECT line_max_id FROM crm_sales_line_rollup_state WHERE built_at IS NOT NULL")
        )
        state = cr.fetchone()
        if not state:
            return None
        cr.execute(SQL("SELECT 1 FROM crm_sales_line_rollup_dirty LIMIT 1"))
        if not cr.fetchone():
            # nothing queued in this transaction's view: up to date, unless
            # lines were added behind the triggers' back
            cr.execute(SQL("SELECT COALESCE(MAX(id), 0) FROM sale_order_line"))
            if cr.fetchone()[0] <= (state[0] or 0):
                return 0
            if limit is not None:
                return None
            _logger.info("Order lines written without the rollup triggers: rebuilding")
            return self._rebuild()
        if limit is not None:
            cr.execute(
                SQL(
                    "SELECT COUNT(*) FROM (SELECT 1 FROM crm_sales_line_rollup_dirty LIMIT %s) q",
                    limit + 1,
                )
            )
            if cr.fetchone()[0] > limit:
                return None
        try:
            with cr.savepoint():
                cr.execute(SQL("SELECT pg_try_advisory_xact_lock(%s)", REFRESH_LOCK))
                if not cr.fetchone()[0]:
                    return None
                return self._refresh_queued()
        except (psycopg2.errors.SerializationFailure, psycopg2.errors.LockNotAvailable):
            # another transaction took the same queued orders since this one
            # started: its rows are not visible here yet
            return None

    def _refresh_queued(self):
        cr = self.env.cr
        cr.execute(
            SQL(
                """
                CREATE TEMP TABLE crm_rollup_orders ON COMMIT DROP AS
                WITH taken AS (DELETE FROM crm_sales_line_rollup_dirty RETURNING order_id)
                SELECT DISTINCT order_id FROM taken
                """
            )
        )
        count = cr.rowcount
        if count > REBUILD_ORDERS:
            # a bulk import: one pass over the lines beats a lookup per order
            cr.execute(SQL("DROP TABLE crm_rollup_orders"))
            self._rebuild()
            return count
        cr.execute(SQL("ANALYZE crm_rollup_orders"))
        cr.execute(
            SQL(
                """DELETE FROM crm_sales_line_rollup r USING crm_rollup_orders t
                    WHERE r.order_id = t.order_id"""
            )
        )
        with pg_settings.local_settings(cr, jit="off"):
            self._insert(self._source("crm_rollup_orders"))
        cr.execute(SQL("DROP TABLE crm_rollup_orders"))
        # the lines added since were queued by the triggers (lines written
        # behind their back meanwhile are not told apart: a known limit)
        cr.execute(
            SQL(
                """UPDATE crm_sales_line_rollup_state
                      SET line_max_id = (SELECT COALESCE(MAX(id), 0) FROM sale_order_line)"""
            )
        )
        self.invalidate_model()
        return count

    @api.model
    def _cron_refresh(self):
        """Scheduled job (hourly): only queues the refresh (a queue job on
        the nightly channel, OCA queue_job); one already waiting is not
        queued twice."""
        return self._enqueue_refresh()

    @api.model
    def _enqueue_refresh(self):
        return self.with_delay(
            channel=NIGHTLY_CHANNEL,
            identity_key="crm.sales.line.rollup.refresh",
            description=_("Order-line rollup refresh"),
        )._job_refresh()

    @api.model
    def _job_refresh(self):
        """The queue job: catch up after bulk changes that runs left to the
        schedule. Safe to run twice: it recomputes the queued orders only,
        and nothing is queued after a refresh; a transient database error
        retries it later."""
        with retry_transient():
            count = self.sudo()._refresh()
            # the monthly report cells of the sources that changed
            self.env["crm.report.cell"].sudo()._catch_up()
        if count is None:
            return _("Not refreshed now: not built yet, or another refresh is under way.")
        return _("%(count)s orders refreshed.", count=count)
