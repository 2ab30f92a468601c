"""Customer profit per month and branch, pre-calculated from the sales events.

The table is a materialised aggregate of ``crm.sales.event``. Recording an
event also queues its (customer, month, branch) cell in
``crm_customer_profit_dirty``, in the same transaction; a refresh takes the
queued cells (``DELETE ... RETURNING``, so concurrent refreshes and events
committed late are never lost) and recomputes exactly those cells from all
their events. It is incremental, idempotent, and always equal to the events.
"""

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from .crm_sales_event import RETURN_TYPES, profit_event
from .crm_team import SALES_CHANNEL_CODES, SALES_CHANNELS

# advisory lock key: one refresh at a time (the number is arbitrary and stable)
REFRESH_LOCK = 7_140_318_201
# segment columns of the profit records: column -> customer field it copies
DIMENSIONS = {
    "membership_tier_id": "membership_tier_id",
    "home_branch_id": "retail_branch_id",
    "district_id": "district_id",
    "retail_channel": "retail_channel",
    "residency": "residency",
}
DIMENSION_FIELDS = tuple(DIMENSIONS.values())
# the revenue of each sales channel (crm.sales.event.sales_channel)
CHANNEL_COLUMNS = {code: f"revenue_{code}" for code in SALES_CHANNEL_CODES}


def _main_channel_sql(alias):
    """SQL of the channel with the most revenue among the channel columns of
    ``alias`` (the first in SALES_CHANNELS on a tie; none without a positive
    revenue)."""
    columns = [SQL.identifier(alias, column) for column in CHANNEL_COLUMNS.values()]
    best = SQL("GREATEST(%s)", SQL(", ").join(columns))
    return SQL(
        "CASE WHEN %(best)s > 0 THEN CASE %(whens)s END END",
        best=best,
        whens=SQL(" ").join(
            SQL("WHEN %s = %s THEN %s", column, best, code)
            for code, column in zip(CHANNEL_COLUMNS, columns, strict=True)
        ),
    )


def _dimension_sql(template, separator):
    """``template`` (with %(col)s, %(field)s) for every segment column."""
    return SQL(separator).join(
        SQL(template, col=SQL.identifier(col), field=SQL.identifier(field))
        for col, field in DIMENSIONS.items()
    )


class CrmCustomerProfit(models.Model):
    _name = "crm.customer.profit"
    _inherit = ["crm.branch.mixin"]
    _description = "Customer Profit by Month"
    _order = "month desc, revenue desc"
    _rec_name = "partner_id"

    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True, index=True)
    month = fields.Date(readonly=True, index=True)
    retail_branch_id = fields.Many2one(readonly=True)
    revenue = fields.Monetary(readonly=True)
    cost = fields.Monetary(readonly=True)
    profit = fields.Monetary(readonly=True)
    margin_percent = fields.Float(
        string="Margin %", readonly=True, aggregator="avg", digits=(16, 2)
    )
    order_count = fields.Integer(string="Orders", readonly=True)
    return_count = fields.Integer(string="Returns", readonly=True)
    membership_tier_id = fields.Many2one("crm.membership.tier", string="Tier", readonly=True)
    home_branch_id = fields.Many2one("crm.retail.branch", readonly=True)
    district_id = fields.Many2one("crm.hk.district", readonly=True)
    retail_channel = fields.Selection(
        [("store", "In Store"), ("online", "Online"), ("both", "In Store and Online")],
        string="Channel",
        readonly=True,
    )
    residency = fields.Selection(
        [("resident", "Hong Kong Resident"), ("visitor", "Visitor")], readonly=True
    )
    # the cell's revenue per sales channel (where each sale was made)
    revenue_store = fields.Monetary(string="Revenue In Store", readonly=True)
    revenue_online = fields.Monetary(readonly=True)
    revenue_wholesale = fields.Monetary(readonly=True)
    revenue_phone = fields.Monetary(string="Revenue by Telephone", readonly=True)
    sales_channel = fields.Selection(
        SALES_CHANNELS,
        string="Main Sales Channel",
        readonly=True,
        index=True,
        help="The sales channel with the most revenue in this customer's month and branch.",
    )
    currency_id = fields.Many2one("res.currency", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)

    _sql_constraints = [
        (
            "cell_uniq",
            "unique(partner_id, month, retail_branch_id, company_id)",
            "One profit record per customer, month and branch.",
        ),
    ]

    def init(self):
        self.env.cr.execute(
            SQL(
                """
                CREATE TABLE IF NOT EXISTS crm_customer_profit_dirty (
                    partner_id integer NOT NULL,
                    month date NOT NULL,
                    retail_branch_id integer,
                    company_id integer NOT NULL
                )
                """
            )
        )
        # customers whose segment columns (tier, district...) changed
        self.env.cr.execute(
            SQL(
                """
                CREATE TABLE IF NOT EXISTS crm_customer_profit_dirty_partner (
                    partner_id integer PRIMARY KEY
                )
                """
            )
        )

    @api.model
    def _queue_dimension_changes(self, partner_ids):
        """Customers whose tier, home branch, district, channel or residency
        changed (same transaction as the change)."""
        if partner_ids:
            self.env.cr.execute(
                SQL(
                    """INSERT INTO crm_customer_profit_dirty_partner (partner_id)
                       SELECT unnest(%s::int[]) ON CONFLICT DO NOTHING""",
                    list(partner_ids),
                )
            )

    # append-only: users never create, change or delete these (internal code
    # writes them with SQL), so the ORM methods refuse without calling super
    @api.model_create_multi
    def create(self, vals_list):  # pylint: disable=method-required-super
        raise UserError(_("Profit records are computed from the sales events."))

    def write(self, vals):  # pylint: disable=method-required-super
        raise UserError(_("Profit records are computed from the sales events."))

    @api.model
    def _refresh(self, full=False):
        """Bring the table up to date with the events; returns the number of
        cells recomputed. ``full`` recomputes everything."""
        cr = self.env.cr
        cr.execute(SQL("SELECT pg_try_advisory_xact_lock(%s)", REFRESH_LOCK))
        if not cr.fetchone()[0]:
            return 0  # another transaction is refreshing
        self.env["crm.sales.event"].flush_model()
        if full:
            cells = self._rebuild_all()
        else:
            cells = self._refresh_dirty_cells()
        self._refresh_dimensions(full=full)
        self.invalidate_model()
        return cells

    def _insert_cells(self, source):
        """Insert the profit records of ``source``, which selects partner_id,
        month, retail_branch_id, company_id, revenue, cost, orders, returns
        and the revenue per channel (``_cell_figures``)."""
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO crm_customer_profit (
                    partner_id, month, retail_branch_id, company_id, currency_id,
                    revenue, cost, profit, margin_percent, order_count, return_count,
                    %(channel_columns)s, sales_channel,
                    %(dimension_columns)s,
                    create_uid, create_date, write_uid, write_date)
                SELECT a.partner_id, a.month, a.retail_branch_id, a.company_id,
                       co.currency_id, a.revenue, a.cost, a.revenue - a.cost,
                       CASE WHEN a.revenue <> 0
                            THEN ROUND(100 * (a.revenue - a.cost) / a.revenue, 2) END,
                       a.orders, a.returns,
                       %(channel_values)s, %(main_channel)s,
                       %(dimension_values)s,
                       %(uid)s, NOW() AT TIME ZONE 'UTC', %(uid)s, NOW() AT TIME ZONE 'UTC'
                  FROM (%(source)s) a
                  JOIN res_company co ON co.id = a.company_id
                  JOIN res_partner rp ON rp.id = a.partner_id
                """,
                source=source,
                channel_columns=SQL(", ").join(map(SQL.identifier, CHANNEL_COLUMNS.values())),
                channel_values=SQL(", ").join(
                    SQL.identifier("a", column) for column in CHANNEL_COLUMNS.values()
                ),
                main_channel=_main_channel_sql("a"),
                dimension_columns=_dimension_sql("%(col)s", ", "),
                dimension_values=_dimension_sql("rp.%(field)s", ", "),
                uid=self.env.uid,
            )
        )
        return self.env.cr.rowcount

    @staticmethod
    def _cell_figures(alias):
        """Aggregates of the events ``alias`` of one cell (or one group)."""
        channels = SQL(", ").join(
            SQL(
                "COALESCE(SUM(%(e)s.revenue) FILTER (WHERE %(e)s.is_revenue "
                "AND %(e)s.sales_channel = %(code)s), 0) AS %(column)s",
                e=SQL.identifier(alias),
                code=code,
                column=SQL.identifier(column),
            )
            for code, column in CHANNEL_COLUMNS.items()
        )
        return SQL(
            """%(channels)s,
               COALESCE(SUM(%(e)s.revenue) FILTER (WHERE %(e)s.is_revenue), 0) AS revenue,
               COALESCE(SUM(%(e)s.cost) FILTER (WHERE %(e)s.is_revenue), 0) AS cost,
               COUNT(*) FILTER (WHERE %(e)s.event_type = 'order_confirmed')
                 - COUNT(*) FILTER (WHERE %(e)s.event_type = 'order_cancelled') AS orders,
               COUNT(*) FILTER (WHERE %(e)s.event_type IN %(returns)s) AS returns""",
            e=SQL.identifier(alias),
            returns=RETURN_TYPES,
            channels=channels,
        )

    def _rebuild_all(self):
        """Every cell from scratch: one aggregate over the events (a cell at
        a time would look the events up millions of times)."""
        cr = self.env.cr
        cr.execute(SQL("DELETE FROM crm_customer_profit_dirty"))
        cr.execute(SQL("DELETE FROM crm_customer_profit"))
        cells = self._insert_cells(
            SQL(
                """
                SELECT e.partner_id, date_trunc('month', e.event_date)::date AS month,
                       e.retail_branch_id, e.company_id, %(figures)s
                  FROM crm_sales_event e
                 WHERE %(profit)s
                 GROUP BY 1, 2, 3, 4
                """,
                figures=self._cell_figures("e"),
                profit=profit_event("e"),
            )
        )
        # the table was rebuilt: plans of the next refreshes need its size
        cr.execute(SQL("ANALYZE crm_customer_profit"))
        return cells

    def _refresh_dirty_cells(self):
        """Recompute the cells queued by new events, each from its events."""
        cr = self.env.cr
        cr.execute(
            SQL(
                """
                CREATE TEMP TABLE crm_profit_cells ON COMMIT DROP AS
                WITH taken AS (DELETE FROM crm_customer_profit_dirty RETURNING *)
                SELECT DISTINCT partner_id, month, retail_branch_id, company_id FROM taken
                """
            )
        )
        cr.execute(SQL("SELECT 1 FROM crm_profit_cells LIMIT 1"))
        if not cr.fetchone():
            cr.execute(SQL("DROP TABLE crm_profit_cells"))
            return 0
        cr.execute(SQL("ANALYZE crm_profit_cells"))
        cr.execute(
            SQL(
                """
                DELETE FROM crm_customer_profit p USING crm_profit_cells c
                 WHERE p.partner_id = c.partner_id AND p.month = c.month
                   AND p.retail_branch_id IS NOT DISTINCT FROM c.retail_branch_id
                   AND p.company_id = c.company_id
                """
            )
        )
        cells = self._insert_cells(
            SQL(
                """
                SELECT c.partner_id, c.month, c.retail_branch_id, c.company_id, f.*
                  FROM crm_profit_cells c
                 CROSS JOIN LATERAL (
                      SELECT %(figures)s
                        FROM crm_sales_event e
                       WHERE e.partner_id = c.partner_id
                         AND e.event_date >= c.month
                         AND e.event_date < c.month + INTERVAL '1 month'
                         AND e.retail_branch_id IS NOT DISTINCT FROM c.retail_branch_id
                         AND e.company_id = c.company_id
                  ) f
                """,
                # no condition on the event type here: the FILTERs of the
                # figures select revenue and returns, and the lookup stays a
                # plain (partner_id, event_date) index range
                figures=self._cell_figures("e"),
            )
        )
        cr.execute(SQL("DROP TABLE crm_profit_cells"))
        return cells

    @api.model
    def _backfill_channels(self):
        """Fill the revenue per sales channel (and the main channel) of the
        existing records from their events: one aggregate and one UPDATE
        (the upgrade that brought the channels). Returns the records set."""
        self.env["crm.sales.event"].flush_model()
        self.env.cr.execute(
            SQL(
                """
                UPDATE crm_customer_profit p
                   SET %(assignments)s, sales_channel = %(main_channel)s
                  FROM (SELECT e.partner_id, date_trunc('month', e.event_date)::date AS month,
                               e.retail_branch_id, e.company_id, %(figures)s
                          FROM crm_sales_event e
                         WHERE %(profit)s
                         GROUP BY 1, 2, 3, 4) a
                 WHERE p.partner_id = a.partner_id AND p.month = a.month
                   AND p.retail_branch_id IS NOT DISTINCT FROM a.retail_branch_id
                   AND p.company_id = a.company_id
                """,
                assignments=SQL(", ").join(
                    SQL("%s = %s", SQL.identifier(column), SQL.identifier("a", column))
                    for column in CHANNEL_COLUMNS.values()
                ),
                main_channel=_main_channel_sql("a"),
                figures=self._cell_figures("e"),
                profit=profit_event("e"),
            )
        )
        count = self.env.cr.rowcount
        self.invalidate_model()
        return count

    @api.model
    def _refresh_dimensions(self, full=False):
        """Customers change tier, district or channel without buying: keep the
        segment columns of their profit records current. Only the queued
        customers are looked at, unless ``full`` (one UPDATE either way)."""
        self.env["res.partner"].flush_model(list(DIMENSION_FIELDS))
        # the queue is emptied either way (a data-modifying WITH always runs)
        scope = SQL("TRUE") if full else SQL("p.partner_id IN (SELECT partner_id FROM taken)")
        self.env.cr.execute(
            SQL(
                """
                WITH taken AS (
                    DELETE FROM crm_customer_profit_dirty_partner RETURNING partner_id)
                UPDATE crm_customer_profit p
                   SET %(assignments)s
                  FROM res_partner rp
                 WHERE rp.id = p.partner_id AND %(scope)s AND (%(changed)s)
                """,
                assignments=_dimension_sql("%(col)s = rp.%(field)s", ", "),
                changed=_dimension_sql("p.%(col)s IS DISTINCT FROM rp.%(field)s", " OR "),
                scope=scope,
            )
        )
        return self.env.cr.rowcount

    @api.model
    def action_refresh(self):
        self.check_access("read")
        self.sudo()._refresh()
        return True
