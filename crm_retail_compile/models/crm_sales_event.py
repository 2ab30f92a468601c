"""The permanent, append-only record of every step of the sales cycle.

Events are never written by users: the ``_sync_*`` methods derive them from
the operational documents (leads, orders, deliveries, invoices, payments)
with one set-based ``INSERT ... SELECT`` per kind of step. Each statement
inserts only what is missing (``NOT EXISTS`` or a reconciliation of recorded
against current amounts), so the same code serves the real-time hooks, the
hourly safety net and the backfill of data that existed before installation,
and running it twice inserts nothing the second time.

Order revenue is reconciled, not copied: while an order is confirmed its
recorded events sum to its current untaxed amount and cost; a change after
confirmation adds an ``order_adjusted`` event with the difference, and a
cancellation an ``order_cancelled`` event that reverses what was recorded.
"""

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from .crm_team import SALES_CHANNELS
from .queue_job_retry import NIGHTLY_CHANNEL, retry_transient

EVENT_TYPES = [
    ("lead_created", "Lead Created"),
    ("qualified", "Qualified"),
    ("won", "Won"),
    ("lost", "Lost"),
    ("reopened", "Reopened"),
    ("quotation_sent", "Quotation Sent"),
    ("order_confirmed", "Order Confirmed"),
    ("order_adjusted", "Order Adjusted"),
    ("order_cancelled", "Order Cancelled"),
    ("delivered", "Delivered"),
    ("returned", "Returned"),
    ("invoiced", "Invoiced"),
    ("paid", "Paid"),
    ("refunded", "Refunded"),
]
# Events whose amounts make up the customer's revenue and cost (profit); an
# invoice counts too when no sale order was recorded for it (a direct sale).
REVENUE_TYPES = ("order_confirmed", "order_adjusted", "order_cancelled", "refunded")
# Steps of the pipeline: their amount is the lead's expected revenue
LEAD_TYPES = ("lead_created", "qualified", "won", "lost", "reopened")
RETURN_TYPES = ("returned", "refunded")


def profit_event(alias=None):
    """SQL condition: the event counts in the customer profit records."""

    def col(name):
        return SQL.identifier(alias, name) if alias else SQL.identifier(name)

    return SQL(
        "%s IS NOT NULL AND (%s OR %s IN %s)",
        col("partner_id"),
        col("is_revenue"),
        col("event_type"),
        RETURN_TYPES,
    )


# the totals of an event, each of one kind of amount (see the fields)
SPLIT_COLUMNS = ("booked_revenue", "booked_cost", "booked_margin", "expected_revenue")


def split_amounts(amount, cost, is_revenue, event_type):
    """SQL of SPLIT_COLUMNS from the event's amount, cost, profit flag and
    type: actual figures only on profit events, expected revenue only on
    pipeline steps."""
    return [
        SQL("CASE WHEN %s THEN %s ELSE 0 END", is_revenue, amount),
        SQL("CASE WHEN %s THEN %s ELSE 0 END", is_revenue, cost),
        SQL("CASE WHEN %s THEN %s - %s ELSE 0 END", is_revenue, amount, cost),
        SQL("CASE WHEN %s IN %s THEN %s ELSE 0 END", event_type, LEAD_TYPES, amount),
    ]


def _split_amounts():
    """SET list filling SPLIT_COLUMNS from the stored columns."""
    values = split_amounts(
        SQL("revenue"), SQL("cost"), SQL("COALESCE(is_revenue, FALSE)"), SQL("event_type")
    )
    return SQL(", ").join(
        SQL("%s = %s", SQL.identifier(column), value)
        for column, value in zip(SPLIT_COLUMNS, values, strict=True)
    )


# inserting this many rows makes the statistics of the tables stale
BULK_ROWS = 50_000
# key of the leads whose steps are recorded before the commit
PENDING_LEADS = "crm_sales_event.pending_lead_ids"

_INSERT_COLUMNS = SQL(
    """event_type, event_date, name, partner_id, retail_branch_id, user_id, team_id,
    lead_id, order_id, move_id, picking_id, lost_reason_id, stage_id,
    membership_tier_id, revenue, cost, margin, is_revenue, currency_id, company_id,
    booked_revenue, booked_cost, booked_margin, expected_revenue, sales_channel,
    create_uid, create_date, write_uid, write_date"""
)


def event_channel(src="src", order="so_ch", team="t_ch"):
    """SQL of the sales channel of a recorded step (see models/crm_team.py):
    the order's channel for an order's steps (deliveries, invoices and
    payments of an order included), the team's channel or in store for an
    invoice without an order, the team's channel (or none) for a lead step.
    ``order`` and ``team`` are the sale_order and crm_team of the step,
    LEFT JOINed."""
    src, order, team = (SQL.identifier(a) for a in (src, order, team))
    return SQL(
        """CASE WHEN %(src)s.order_id IS NOT NULL
                THEN COALESCE(%(order)s.crm_sales_channel, %(team)s.crm_sales_channel, 'store')
                WHEN %(src)s.move_id IS NOT NULL
                THEN COALESCE(%(team)s.crm_sales_channel, 'store')
                ELSE %(team)s.crm_sales_channel END""",
        src=src,
        order=order,
        team=team,
    )


class CrmSalesEvent(models.Model):
    _name = "crm.sales.event"
    _inherit = ["crm.branch.mixin"]
    _description = "Sales Cycle Event"
    _order = "event_date desc, id desc"
    _rec_name = "name"

    name = fields.Char(string="Document", readonly=True)
    event_type = fields.Selection(EVENT_TYPES, required=True, readonly=True, index=True)
    event_date = fields.Datetime(required=True, readonly=True, index=True)
    partner_id = fields.Many2one(
        "res.partner", string="Customer", readonly=True, index=True, ondelete="restrict"
    )
    retail_branch_id = fields.Many2one(readonly=True)
    user_id = fields.Many2one("res.users", string="Salesperson", readonly=True, index=True)
    team_id = fields.Many2one("crm.team", string="Sales Team", readonly=True)
    lead_id = fields.Many2one(
        "crm.lead", string="Opportunity", readonly=True, index=True, ondelete="set null"
    )
    order_id = fields.Many2one("sale.order", readonly=True, index=True, ondelete="set null")
    move_id = fields.Many2one(
        "account.move", string="Invoice", readonly=True, index=True, ondelete="set null"
    )
    picking_id = fields.Many2one(
        "stock.picking", string="Transfer", readonly=True, ondelete="set null"
    )
    lost_reason_id = fields.Many2one("crm.lost.reason", readonly=True)
    stage_id = fields.Many2one("crm.stage", readonly=True)
    membership_tier_id = fields.Many2one(
        "crm.membership.tier", string="Tier at the Time", readonly=True
    )
    categ_ids = fields.Many2many(
        "product.category",
        "crm_sales_event_product_category_rel",
        "event_id",
        "categ_id",
        string="Product Categories",
        readonly=True,
    )
    # The amount each step carries: a lead step the lead's expected revenue,
    # a delivery, invoice or payment the order's amount again. Summing them
    # over steps counts a sale (or a lead) several times and mixes expected
    # with actual revenue: no aggregate (list, pivot, graph, read_group).
    revenue = fields.Monetary(
        string="Step Amount",
        readonly=True,
        aggregator=None,
        help="Untaxed amount carried by this step (expected revenue for a pipeline step, "
        "the document's amount otherwise). Not additive over steps: see Revenue and "
        "Expected Revenue.",
    )
    cost = fields.Monetary(string="Step Cost", readonly=True, aggregator=None)
    margin = fields.Monetary(string="Step Margin", readonly=True, aggregator=None)
    # The totals: each sums one kind of amount only, set by _insert_events
    booked_revenue = fields.Monetary(
        string="Revenue",
        readonly=True,
        help="Actual untaxed revenue: the step's amount when it counts for profit "
        "(confirmed, adjusted and cancelled orders, refunds, invoices of sales without "
        "an order), 0 otherwise. Sums to the revenue of the period.",
    )
    booked_cost = fields.Monetary(string="Cost", readonly=True)
    booked_margin = fields.Monetary(string="Margin", readonly=True)
    expected_revenue = fields.Monetary(
        readonly=True,
        aggregator=None,
        help="The lead's expected revenue at this pipeline step (0 on other steps). "
        "A lead carries it on each of its steps, so it is never summed.",
    )
    is_revenue = fields.Boolean(
        string="Counts for Profit",
        readonly=True,
        help="Confirmed, adjusted and cancelled orders, refunds, and invoices of sales "
        "without an order make up profit; the other steps carry their amounts for "
        "information.",
    )
    currency_id = fields.Many2one("res.currency", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True, index=True)
    # set by the recording from the step's document (event_channel, and "In
    # Store" for POS orders), never by a client
    sales_channel = fields.Selection(
        SALES_CHANNELS,
        readonly=True,
        index=True,
        crm_system=True,
        help="Where the sale was made: in store for the Point of Sale, the order's channel "
        "for a sale order's steps, the sales team's channel (or in store) for an invoice "
        "without an order, the team's channel for a lead's steps.",
    )

    def init(self):
        self.env.cr.execute(
            SQL(
                "CREATE INDEX IF NOT EXISTS crm_sales_event_profit_idx "
                "ON crm_sales_event (partner_id, event_date) WHERE is_revenue"
            )
        )
        # events recorded before the booked and expected amounts existed
        self.env.cr.execute(
            SQL(
                """
                UPDATE crm_sales_event
                   SET %(split)s
                 WHERE booked_revenue IS NULL OR expected_revenue IS NULL
                """,
                split=_split_amounts(),
            )
        )

    # ------------------------------------------------------------------
    # Append-only
    # ------------------------------------------------------------------
    # append-only: users never create, change or delete these (internal code
    # writes them with SQL), so the ORM methods refuse without calling super
    @api.model_create_multi
    def create(self, vals_list):  # pylint: disable=method-required-super
        raise UserError(_("Sales events are recorded automatically and cannot be created."))

    def write(self, vals):  # pylint: disable=method-required-super
        raise UserError(
            _(
                "Sales events are permanent: they cannot be changed. A correction is recorded "
                "as a new event when the document is corrected."
            )
        )

    def unlink(self):  # pylint: disable=method-required-super
        raise UserError(_("Sales events are permanent: they cannot be deleted."))

    # ------------------------------------------------------------------
    # Lead steps recorded at the end of the transaction
    # ------------------------------------------------------------------
    # A lead is written many times in one request (a stage change, then the
    # probability, then the lost reason); recording its steps after each
    # write would run the predictive lead scoring and our query every time.
    # The leads are queued and recorded once, before the commit, or earlier
    # as soon as anyone reads the events in this transaction.
    @api.model
    def _defer_lead_events(self, lead_ids):
        if not lead_ids:
            return
        cr = self.env.cr
        pending = cr.precommit.data.setdefault(PENDING_LEADS, set())
        if not pending:
            cr.precommit.add(self.sudo()._record_pending_lead_events)
        pending.update(lead_ids)

    @api.model
    def _record_pending_lead_events(self):
        pending = self.env.cr.precommit.data.pop(PENDING_LEADS, None)
        if pending:
            existing = self.env["crm.lead"].sudo().with_context(active_test=False).browse(pending)
            self.sudo()._sync_lead_events(lead_ids=sorted(existing.exists().ids))

    @api.model
    def _search(self, domain, offset=0, limit=None, order=None):
        self._record_pending_lead_events()
        return super()._search(domain, offset=offset, limit=limit, order=order)

    def flush_model(self, fnames=None):
        # readers with SQL (profit, analytics, reports) flush the model first
        self._record_pending_lead_events()
        return super().flush_model(fnames)

    # ------------------------------------------------------------------
    # Recording
    # ------------------------------------------------------------------
    @api.model
    def _sync_all(self, since=None):
        """Record every missing event; ``since`` limits the scan to documents
        changed from that datetime (None: everything, i.e. the backfill)."""
        count = 0
        count += self._sync_lead_events(since=since)
        count += self._sync_order_events(since=since)
        count += self._sync_picking_events(since=since)
        count += self._sync_invoice_events(since=since)
        return count

    @api.model
    def _doc_filter(self, alias, ids, since):
        conditions = [SQL("TRUE")]
        if ids is not None:
            conditions.append(SQL("%s.id = ANY(%s)", SQL.identifier(alias), list(ids)))
        if since:
            conditions.append(SQL("%s.write_date >= %s", SQL.identifier(alias), since))
        return SQL(" AND ").join(conditions)

    @api.model
    def _insert_events(self, source):
        """Insert the events selected by ``source`` and return their number.

        ``source`` selects event_type, event_date, name, partner_id,
        retail_branch_id, user_id, team_id, lead_id, order_id, move_id,
        picking_id, lost_reason_id, stage_id, revenue, cost, company_id;
        the channel follows from the order and team (``event_channel``).
        """
        # the channels the statement reads (no query when nothing is pending)
        self.env["sale.order"].flush_model(["crm_sales_channel"])
        self.env["crm.team"].flush_model(["crm_sales_channel"])
        rows = self.env.execute_query(
            SQL(
                """
                WITH src (event_type, event_date, name, partner_id, retail_branch_id,
                          user_id, team_id, lead_id, order_id, move_id, picking_id,
                          lost_reason_id, stage_id, revenue, cost, company_id)
                  AS (%(source)s)
                INSERT INTO crm_sales_event (%(columns)s)
                SELECT src.event_type, src.event_date, src.name, src.partner_id,
                       src.retail_branch_id, src.user_id, src.team_id, src.lead_id,
                       src.order_id, src.move_id, src.picking_id, src.lost_reason_id,
                       src.stage_id, p.membership_tier_id,
                       x.amount, x.cost, x.amount - x.cost, x.is_revenue,
                       c.currency_id, src.company_id, %(split)s, %(channel)s,
                       %(uid)s, NOW() AT TIME ZONE 'UTC', %(uid)s, NOW() AT TIME ZONE 'UTC'
                  FROM src
                  JOIN res_company c ON c.id = src.company_id
                  LEFT JOIN res_partner p ON p.id = src.partner_id
                  LEFT JOIN sale_order so_ch ON so_ch.id = src.order_id
                  LEFT JOIN crm_team t_ch ON t_ch.id = src.team_id
                 CROSS JOIN LATERAL (
                       SELECT ROUND(src.revenue::numeric, 2) AS amount,
                              ROUND(src.cost::numeric, 2) AS cost,
                              src.event_type IN %(revenue_types)s
                                  OR (src.event_type = 'invoiced' AND src.order_id IS NULL)
                                  AS is_revenue) x
                RETURNING id, order_id IS NOT NULL OR move_id IS NOT NULL, %(profit)s
                """,
                source=source,
                columns=_INSERT_COLUMNS,
                revenue_types=REVENUE_TYPES,
                split=SQL(", ").join(
                    split_amounts(
                        SQL("x.amount"), SQL("x.cost"), SQL("x.is_revenue"), SQL("src.event_type")
                    )
                ),
                profit=profit_event(),
                channel=event_channel(),
                uid=self.env.uid,
            )
        )
        # lead steps have no products and no profit: no further query (this
        # runs on lead writes, where every query counts)
        with_products = [event_id for event_id, has_doc, _profit in rows if has_doc]
        with_profit = [event_id for event_id, _has_doc, profit in rows if profit]
        if with_products:
            self._insert_event_categories(with_products)
        if with_profit:
            self._queue_profit_cells(with_profit)
        if rows:
            self.invalidate_model()
        if len(rows) >= BULK_ROWS:
            # a backfill: the planner must not go on believing the tables are
            # small (autovacuum analyses them only after the commit)
            self.env.cr.execute(SQL("ANALYZE crm_sales_event, crm_customer_profit_dirty"))
        return len(rows)

    @api.model
    def _backfill_channels(self):
        """Give the events recorded before the sales channel existed theirs
        (the upgrade that brought it): one UPDATE with the rules of
        ``event_channel``, POS steps in store. Returns the events set."""
        self.env["sale.order"].flush_model(["crm_sales_channel"])
        self.env["crm.team"].flush_model(["crm_sales_channel"])
        self.env.cr.execute(
            SQL(
                """
                UPDATE crm_sales_event ev
                   SET sales_channel = CASE WHEN %(pos)s THEN 'store' ELSE %(channel)s END
                  FROM crm_sales_event e
                  LEFT JOIN sale_order so_ch ON so_ch.id = e.order_id
                  LEFT JOIN crm_team t_ch ON t_ch.id = e.team_id
                 WHERE ev.id = e.id AND ev.sales_channel IS NULL
                """,
                pos=self._pos_event_condition("e"),
                channel=event_channel(src="e"),
            )
        )
        count = self.env.cr.rowcount
        self.invalidate_model(["sales_channel"])
        return count

    @api.model
    def _pos_event_condition(self, alias):
        """SQL: the event ``alias`` records a Point of Sale order (none here:
        see crm_sales_event_pos.py)."""
        return SQL("FALSE")

    @api.model
    def _queue_profit_cells(self, event_ids):
        """Mark the customer profit cells of these profit events (same
        transaction)."""
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO crm_customer_profit_dirty (partner_id, month, retail_branch_id,
                                                       company_id)
                SELECT DISTINCT e.partner_id, date_trunc('month', e.event_date)::date,
                       e.retail_branch_id, e.company_id
                  FROM crm_sales_event e
                 WHERE e.id = ANY(%s)
                """,
                event_ids,
            )
        )

    @api.model
    def _insert_event_categories(self, event_ids):
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO crm_sales_event_product_category_rel (event_id, categ_id)
                SELECT DISTINCT e.id, pt.categ_id
                  FROM crm_sales_event e
                  JOIN sale_order_line sol ON sol.order_id = e.order_id
                  JOIN product_product pp ON pp.id = sol.product_id
                  JOIN product_template pt ON pt.id = pp.product_tmpl_id
                 WHERE e.id = ANY(%(ids)s) AND pt.categ_id IS NOT NULL
                UNION
                SELECT DISTINCT e.id, pt.categ_id
                  FROM crm_sales_event e
                  JOIN account_move_line aml
                    ON aml.move_id = e.move_id AND aml.display_type = 'product'
                  JOIN product_product pp ON pp.id = aml.product_id
                  JOIN product_template pt ON pt.id = pp.product_tmpl_id
                 WHERE e.id = ANY(%(ids)s) AND e.order_id IS NULL
                   AND pt.categ_id IS NOT NULL
                ON CONFLICT DO NOTHING
                """,
                ids=event_ids,
            )
        )

    @api.model
    def _sync_lead_events(self, lead_ids=None, since=None):
        self.env["crm.lead"].flush_model()
        self.flush_model()
        where = self._doc_filter("l", lead_ids, since)
        company = self.env.company.id
        created = SQL(
            """
            SELECT 'lead_created' AS event_type, l.create_date AS event_date, l.name,
                   l.partner_id, l.retail_branch_id, l.user_id, l.team_id, l.id AS lead_id,
                   NULL::int AS order_id, NULL::int AS move_id, NULL::int AS picking_id,
                   NULL::int AS lost_reason_id, l.stage_id,
                   COALESCE(l.expected_revenue, 0) AS revenue, 0 AS cost,
                   COALESCE(l.company_id, %(company)s) AS company_id
              FROM crm_lead l
             WHERE %(where)s AND NOT EXISTS (
                   SELECT 1 FROM crm_sales_event e
                    WHERE e.lead_id = l.id AND e.event_type = 'lead_created')
            """,
            where=where,
            company=company,
        )
        qualified = SQL(
            """
            SELECT 'qualified', COALESCE(l.date_conversion, l.create_date), l.name,
                   l.partner_id, l.retail_branch_id, l.user_id, l.team_id, l.id,
                   NULL::int, NULL::int, NULL::int, NULL::int, l.stage_id,
                   COALESCE(l.expected_revenue, 0), 0, COALESCE(l.company_id, %(company)s)
              FROM crm_lead l
             WHERE %(where)s AND l.type = 'opportunity' AND NOT EXISTS (
                   SELECT 1 FROM crm_sales_event e
                    WHERE e.lead_id = l.id AND e.event_type = 'qualified')
            """,
            where=where,
            company=company,
        )
        # won / lost / reopened: a new event whenever the outcome differs
        # from the last recorded one
        outcome = SQL(
            """
            WITH cur AS (
                SELECT l.*, CASE WHEN l.active AND s.is_won THEN 'won'
                                 WHEN NOT l.active AND l.probability = 0 THEN 'lost'
                                 ELSE 'pending' END AS outcome
                  FROM crm_lead l
                  LEFT JOIN crm_stage s ON s.id = l.stage_id
                 WHERE %(where)s
            ), last AS (
                SELECT DISTINCT ON (e.lead_id) e.lead_id, e.event_type
                  FROM crm_sales_event e
                 WHERE e.event_type IN ('won', 'lost', 'reopened')
                   AND e.lead_id IN (SELECT id FROM cur)
                 ORDER BY e.lead_id, e.id DESC
            )
            SELECT CASE WHEN cur.outcome = 'pending' THEN 'reopened' ELSE cur.outcome END,
                   CASE WHEN cur.outcome <> 'pending' AND last.event_type IS NULL
                        THEN COALESCE(cur.date_closed, cur.write_date)
                        ELSE NOW() AT TIME ZONE 'UTC' END,
                   cur.name, cur.partner_id, cur.retail_branch_id, cur.user_id, cur.team_id,
                   cur.id, NULL::int, NULL::int, NULL::int,
                   CASE WHEN cur.outcome = 'lost' THEN cur.lost_reason_id END, cur.stage_id,
                   CASE WHEN cur.outcome = 'won' THEN COALESCE(cur.expected_revenue, 0)
                        ELSE 0 END,
                   0, COALESCE(cur.company_id, %(company)s)
              FROM cur
              LEFT JOIN last ON last.lead_id = cur.id
             WHERE (cur.outcome <> 'pending' AND last.event_type IS DISTINCT FROM cur.outcome)
                OR (cur.outcome = 'pending' AND last.event_type IN ('won', 'lost'))
            """,
            where=where,
            company=company,
        )
        # one statement for the three steps: this runs on every lead write
        # that can be a step of the cycle
        return self._insert_events(
            SQL("(%s) UNION ALL (%s) UNION ALL (%s)", created, qualified, outcome)
        )

    @api.model
    def _sync_order_events(self, order_ids=None, since=None):
        self.env["sale.order"].flush_model()
        self.env["sale.order.line"].flush_model()
        self.flush_model()
        where = self._doc_filter("so", order_ids, since)
        sent = SQL(
            """
            SELECT 'quotation_sent', COALESCE(so.write_date, so.create_date), so.name,
                   so.partner_id, so.retail_branch_id, so.user_id, so.team_id,
                   so.opportunity_id, so.id, NULL::int, NULL::int, NULL::int, NULL::int,
                   so.amount_untaxed / NULLIF(so.currency_rate, 0),
                   (so.amount_untaxed - COALESCE(so.margin, 0)) / NULLIF(so.currency_rate, 0),
                   so.company_id
              FROM sale_order so
             WHERE %(where)s AND so.state = 'sent' AND NOT EXISTS (
                   SELECT 1 FROM crm_sales_event e
                    WHERE e.order_id = so.id AND e.event_type = 'quotation_sent')
            """,
            where=where,
        )
        revenue = SQL(
            """
            WITH o AS (
                SELECT so.*, so.state = 'sale' AS is_sale,
                       CASE WHEN so.state = 'sale' THEN
                           ROUND((so.amount_untaxed / NULLIF(so.currency_rate, 0))::numeric, 2)
                       ELSE 0 END AS exp_revenue,
                       CASE WHEN so.state = 'sale' THEN
                           ROUND(((so.amount_untaxed - COALESCE(so.margin, 0))
                                  / NULLIF(so.currency_rate, 0))::numeric, 2)
                       ELSE 0 END AS exp_cost
                  FROM sale_order so
                 WHERE %(where)s
            ), rec AS (
                SELECT e.order_id, SUM(e.revenue) AS revenue, SUM(e.cost) AS cost,
                       SUM(CASE e.event_type WHEN 'order_confirmed' THEN 1
                                             WHEN 'order_cancelled' THEN -1 ELSE 0 END) AS n
                  FROM crm_sales_event e
                 WHERE e.order_id IN (SELECT id FROM o)
                   AND e.event_type IN ('order_confirmed', 'order_adjusted', 'order_cancelled')
                 GROUP BY e.order_id
            )
            SELECT CASE WHEN o.is_sale AND COALESCE(rec.n, 0) <= 0 THEN 'order_confirmed'
                        WHEN NOT o.is_sale THEN 'order_cancelled'
                        ELSE 'order_adjusted' END,
                   CASE WHEN o.is_sale AND COALESCE(rec.n, 0) <= 0 THEN o.date_order
                        ELSE NOW() AT TIME ZONE 'UTC' END,
                   o.name, o.partner_id, o.retail_branch_id, o.user_id, o.team_id,
                   o.opportunity_id, o.id, NULL::int, NULL::int, NULL::int, NULL::int,
                   o.exp_revenue - COALESCE(rec.revenue, 0),
                   o.exp_cost - COALESCE(rec.cost, 0),
                   o.company_id
              FROM o
              LEFT JOIN rec ON rec.order_id = o.id
             WHERE (o.is_sale AND (COALESCE(rec.n, 0) <= 0
                                   OR o.exp_revenue <> COALESCE(rec.revenue, 0)
                                   OR o.exp_cost <> COALESCE(rec.cost, 0)))
                OR (NOT o.is_sale AND COALESCE(rec.n, 0) > 0)
            """,
            where=where,
        )
        return self._insert_events(sent) + self._insert_events(revenue)

    @api.model
    def _sync_picking_events(self, picking_ids=None, since=None):
        if "stock.picking" not in self.env:
            return 0
        self.env["stock.picking"].flush_model()
        self.env["stock.move"].flush_model()
        self.flush_model()
        where = self._doc_filter("sp", picking_ids, since)
        source = SQL(
            """
            WITH p AS (
                SELECT sp.id, sp.name, sp.date_done, sp.company_id,
                       CASE WHEN sp.return_id IS NULL THEN 'delivered' ELSE 'returned' END
                           AS event_type,
                       COALESCE(sp.sale_id, orig.sale_id) AS sale_id
                  FROM stock_picking sp
                  JOIN stock_picking_type spt ON spt.id = sp.picking_type_id
                  LEFT JOIN stock_picking orig ON orig.id = sp.return_id
                 WHERE %(where)s AND sp.state = 'done'
                   AND ((spt.code = 'outgoing' AND sp.return_id IS NULL)
                        OR (spt.code = 'incoming' AND sp.return_id IS NOT NULL))
                   AND NOT EXISTS (SELECT 1 FROM crm_sales_event e
                                    WHERE e.picking_id = sp.id
                                      AND e.event_type IN ('delivered', 'returned'))
            ), amounts AS (
                SELECT m.picking_id,
                       SUM(m.quantity * sol.price_reduce_taxexcl
                           / NULLIF(so.currency_rate, 0)) AS revenue,
                       SUM(m.quantity * sol.purchase_price / NULLIF(so.currency_rate, 0))
                           AS cost
                  FROM stock_move m
                  JOIN sale_order_line sol ON sol.id = m.sale_line_id
                  JOIN sale_order so ON so.id = sol.order_id
                 WHERE m.picking_id IN (SELECT id FROM p) AND m.state = 'done'
                 GROUP BY m.picking_id
            )
            SELECT p.event_type, p.date_done, p.name, so.partner_id, so.retail_branch_id,
                   so.user_id, so.team_id, so.opportunity_id, so.id, NULL::int, p.id,
                   NULL::int, NULL::int,
                   CASE WHEN p.event_type = 'returned' THEN -1 ELSE 1 END
                       * COALESCE(a.revenue, 0),
                   CASE WHEN p.event_type = 'returned' THEN -1 ELSE 1 END * COALESCE(a.cost, 0),
                   p.company_id
              FROM p
              JOIN sale_order so ON so.id = p.sale_id
              LEFT JOIN amounts a ON a.picking_id = p.id
            """,
            where=where,
        )
        return self._insert_events(source)

    @api.model
    def _sync_invoice_events(self, move_ids=None, since=None):
        self.env["account.move"].flush_model()
        self.env["account.move.line"].flush_model()
        self.flush_model()
        where = self._doc_filter("am", move_ids, since)
        source = SQL(
            """
            WITH m AS (
                SELECT am.*, k.event_type
                  FROM account_move am
                  CROSS JOIN LATERAL (VALUES
                      (CASE WHEN am.move_type = 'out_invoice' THEN 'invoiced'
                            ELSE 'refunded' END),
                      (CASE WHEN am.move_type = 'out_invoice'
                             AND am.payment_state IN ('paid', 'in_payment')
                            THEN 'paid' END)
                  ) AS k(event_type)
                 WHERE %(where)s AND am.state = 'posted'
                   AND am.move_type IN ('out_invoice', 'out_refund')
                   AND k.event_type IS NOT NULL
                   AND NOT EXISTS (SELECT 1 FROM crm_sales_event e
                                    WHERE e.move_id = am.id AND e.event_type = k.event_type)
            ), links AS (
                SELECT aml.move_id, MIN(so.id) AS order_id,
                       SUM(aml.quantity * sol.purchase_price / NULLIF(so.currency_rate, 0))
                           AS cost
                  FROM account_move_line aml
                  JOIN sale_order_line_invoice_rel r ON r.invoice_line_id = aml.id
                  JOIN sale_order_line sol ON sol.id = r.order_line_id
                  JOIN sale_order so ON so.id = sol.order_id
                 WHERE aml.move_id IN (SELECT id FROM m)
                 GROUP BY aml.move_id
            )
            SELECT m.event_type,
                   CASE WHEN m.event_type = 'paid' THEN COALESCE(m.write_date, m.create_date)
                        ELSE COALESCE(m.invoice_date::timestamp, m.create_date) END,
                   m.name, m.commercial_partner_id,
                   COALESCE(so.retail_branch_id, rp.retail_branch_id),
                   COALESCE(m.invoice_user_id, so.user_id), COALESCE(m.team_id, so.team_id),
                   so.opportunity_id, so.id, m.id, NULL::int, NULL::int, NULL::int,
                   m.amount_untaxed_signed,
                   CASE WHEN m.move_type = 'out_refund' THEN -1 ELSE 1 END
                       * COALESCE(links.cost, 0),
                   m.company_id
              FROM m
              LEFT JOIN links ON links.move_id = m.id
              LEFT JOIN sale_order so ON so.id = links.order_id
              LEFT JOIN res_partner rp ON rp.id = m.commercial_partner_id
            """,
            where=where,
        )
        return self._insert_events(source)

    # ------------------------------------------------------------------
    # Actions and scheduled jobs
    # ------------------------------------------------------------------
    @api.model
    def action_backfill(self):
        """Record the events of data that existed before installation."""
        if not self.env.user.has_group("crm_retail_compile.group_retail_admin"):
            raise UserError(_("Only Retail CRM administrators can run the backfill."))
        # after the check: a queue job on the nightly channel (OCA queue_job)
        self.sudo().with_delay(
            channel="root.crm_nightly",
            identity_key="crm.sales.event.backfill",
            description=_("Sales events backfill"),
        )._job_backfill()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": _("Sales events"),
                "message": _("The missing events are being recorded in the background."),
                "sticky": False,
                "type": "success",
            },
        }

    @api.model
    def _job_backfill(self):
        """The queue job of the backfill: safe to run twice (an event
        already recorded is not recorded again)."""
        count = self.sudo()._sync_all()
        self.env["crm.customer.profit"].sudo()._refresh()
        return _("%(count)s missing events recorded.", count=count)

    @api.model
    def _cron_sync(self):
        """Scheduled job (hourly): only queues the sync (a queue job on the
        nightly channel, OCA queue_job); one already waiting is not queued
        twice."""
        return self._enqueue_sync()

    @api.model
    def _enqueue_sync(self):
        return self.with_delay(
            channel=NIGHTLY_CHANNEL,
            identity_key="crm.sales.event.sync",
            description=_("Sales events sync"),
        )._job_sync()

    @api.model
    def _job_sync(self):
        """The queue job of the hourly sync: safe to run twice (an event
        already recorded is not recorded again, and the profit refresh
        recomputes only the queued customers); a transient database error
        retries it later."""
        with retry_transient():
            count = self.sudo()._sync_recent()
        return _("%(count)s missing events recorded.", count=count)

    @api.model
    def _sync_recent(self):
        """Safety net and payments: record what the real-time hooks could not
        see (payments reconciled in batch, data written by SQL imports).
        Returns the number of events recorded."""
        param = self.env["ir.config_parameter"].sudo()
        last = param.get_param("crm_retail_compile.sales_event_sync_since")
        started = fields.Datetime.now()
        count = self._sync_all(since=fields.Datetime.to_datetime(last) if last else None)
        # payment states change by recomputation, which leaves write_date
        # alone: look at every posted invoice for those (one anti-join)
        count += self._sync_invoice_events() or 0
        param.set_param(
            "crm_retail_compile.sales_event_sync_since", fields.Datetime.to_string(started)
        )
        self.env["crm.customer.profit"]._refresh()
        return count
