"""Sales made at Odoo's Point of Sale in the permanent sales record.

A paid POS order is a sale made in the shop: it is recorded as an
``order_confirmed`` event (a POS refund as ``refunded``) carrying its untaxed
amount and the cost of its products at the time of sale (``total_cost`` of
its lines), both in the company's currency. Like a sale order it is
reconciled, not copied: when the cost becomes known later (average or FIFO
products valued at the session's closing) an ``order_adjusted`` event, dated
like the sale, adds the difference, so the recorded events of a POS order
always sum to its current totals to the cent. The ``paid`` and ``invoiced``
steps are recorded for information (no profit).

An invoice made from a POS order is not a sale of its own: the generic
invoice steps leave POS invoices (and their refunds) to this file, otherwise
the sale would count twice.

Every POS step is a sale made in the shop: its sales channel
(``sales_channel``) is "In Store", beside the online, wholesale and telephone
sales of sale orders (models/crm_team.py). A customer buying at the till is
an in-store customer too: their profile channel becomes "In Store" (or "In
Store and Online" for an online customer).
"""

from odoo import api, fields, models
from odoo.tools import SQL

from .crm_sales_event import BULK_ROWS, profit_event, split_amounts

PENDING_POS = "crm_sales_event.pending_pos_order_ids"
POS_SOURCE_COLUMNS = SQL(
    "event_type, event_date, name, partner_id, retail_branch_id, user_id, pos_order_id, "
    "move_id, revenue, cost, is_revenue, company_id"
)
GENERIC_SOURCE_COLUMNS = SQL(
    "event_type, event_date, name, partner_id, retail_branch_id, user_id, team_id, lead_id, "
    "order_id, move_id, picking_id, lost_reason_id, stage_id, revenue, cost, company_id"
)
# the states of a POS order whose sale is made (paid at the till, posted at
# the session's closing, invoiced)
SOLD_STATES = ("paid", "done", "invoiced")


class CrmSalesEvent(models.Model):
    _inherit = "crm.sales.event"

    pos_order_id = fields.Many2one(
        "pos.order", string="POS Order", readonly=True, index="btree_not_null", ondelete="set null"
    )

    # ------------------------------------------------------------------
    # Recorded once before the commit (an order is written several times
    # while it is paid, invoiced and posted)
    # ------------------------------------------------------------------
    # The queue lives on the cursor, not in ``cr.precommit.data``: a
    # savepoint rolled back inside Odoo's POS flow (a picking that cannot be
    # validated) clears that data, and the sale would wait for the hourly job.
    @api.model
    def _pos_queue(self):
        cr = self.env.cr
        queue = getattr(cr, "_crm_pos_queue", None)
        if queue is None:
            queue = cr._crm_pos_queue = {"ids": set(), "hold": 0}
        return queue

    @api.model
    def _defer_pos_events(self, pos_order_ids):
        if not pos_order_ids:
            return
        self._pos_queue()["ids"].update(pos_order_ids)
        self._pos_precommit()

    @api.model
    def _pos_precommit(self):
        """Record the queue before the commit (again after a savepoint
        rollback cleared the callbacks)."""
        data = self.env.cr.precommit.data
        if not data.get(PENDING_POS):
            data[PENDING_POS] = True
            self.env.cr.precommit.add(lambda: self.sudo()._record_pending_pos_events())

    @api.model
    def _hold_pos_events(self, delta):
        queue = self._pos_queue()
        queue["hold"] = max(0, queue["hold"] + delta)
        if not queue["hold"] and queue["ids"]:
            self._pos_precommit()

    @api.model
    def _record_pending_pos_events(self, force=False):
        queue = self._pos_queue()
        if (queue["hold"] and not force) or not queue["ids"]:
            return
        pending, queue["ids"] = queue["ids"], set()
        self.sudo()._sync_pos_events(pos_order_ids=sorted(pending))

    @api.model
    def _search(self, domain, offset=0, limit=None, order=None):
        self._record_pending_pos_events()
        return super()._search(domain, offset=offset, limit=limit, order=order)

    def flush_model(self, fnames=None):
        self._record_pending_pos_events()
        return super().flush_model(fnames)

    # ------------------------------------------------------------------
    # Recording
    # ------------------------------------------------------------------
    @api.model
    def _sync_all(self, since=None):
        return super()._sync_all(since=since) + self._sync_pos_events(since=since)

    @api.model
    def _pos_event_condition(self, alias):
        return SQL("%s IS NOT NULL", SQL.identifier(alias, "pos_order_id"))

    @api.model
    def _sync_invoice_events(self, move_ids=None, since=None):
        self.env["pos.order"].flush_model(["account_move"])
        return super(
            CrmSalesEvent, self.with_context(crm_sales_event_skip_pos_moves=True)
        )._sync_invoice_events(move_ids=move_ids, since=since)

    @api.model
    def _insert_events(self, source):
        if self.env.context.get("crm_sales_event_skip_pos_moves"):
            source = SQL(
                """SELECT s.* FROM (%s) AS s (%s)
                    WHERE s.move_id IS NULL OR NOT EXISTS (
                          SELECT 1 FROM pos_order po WHERE po.account_move = s.move_id)""",
                source,
                GENERIC_SOURCE_COLUMNS,
            )
        return super()._insert_events(source)

    @api.model
    def _pos_sale_line(self):
        """The POS order lines (``l``) that are sales: all of them here; a
        payment toward another document (e.g. a custom order's deposit, in
        the jeweller's add-on) is counted with that document, not as a sale,
        and an order of such lines only is no sale."""
        return SQL("TRUE")

    @api.model
    def _sync_pos_events(self, pos_order_ids=None, since=None):
        """Record the missing steps of POS orders (all, ``pos_order_ids`` or
        those changed since ``since``); returns the number of events."""
        self.env["pos.order"].flush_model()
        self.env["pos.order.line"].flush_model()
        self.flush_model()
        where = self._doc_filter("po", pos_order_ids, since)
        orders = SQL(
            """
            SELECT po.id, po.name, po.partner_id, po.retail_branch_id, po.user_id,
                   po.company_id, po.date_order, po.state, po.account_move,
                   po.amount_total < 0
                       OR COALESCE(bool_or(l.refunded_orderline_id IS NOT NULL), FALSE)
                       AS is_refund,
                   ROUND((COALESCE(SUM(l.price_subtotal), 0)
                          / COALESCE(NULLIF(po.currency_rate, 0), 1))::numeric, 2) AS exp_revenue,
                   ROUND((COALESCE(SUM(l.total_cost), 0)
                          / COALESCE(NULLIF(po.currency_rate, 0), 1))::numeric, 2) AS exp_cost
              FROM pos_order po
              LEFT JOIN pos_order_line l ON l.order_id = po.id AND %(sale_line)s
             WHERE %(where)s AND po.state IN %(sold)s
             GROUP BY po.id
            HAVING COUNT(l.id) > 0 OR NOT EXISTS (
                   SELECT 1 FROM pos_order_line any_line WHERE any_line.order_id = po.id)
            """,
            where=where,
            sold=SOLD_STATES,
            sale_line=self._pos_sale_line(),
        )
        revenue = SQL(
            """
            WITH o AS (%(orders)s), rec AS (
                SELECT e.pos_order_id, SUM(e.revenue) AS revenue, SUM(e.cost) AS cost,
                       COUNT(*) FILTER (WHERE e.event_type <> 'order_adjusted') AS n
                  FROM crm_sales_event e
                 WHERE e.pos_order_id IN (SELECT id FROM o)
                   AND e.event_type IN ('order_confirmed', 'order_adjusted', 'refunded')
                 GROUP BY e.pos_order_id
            )
            SELECT CASE WHEN rec.n > 0 THEN 'order_adjusted'
                        WHEN o.is_refund THEN 'refunded' ELSE 'order_confirmed' END,
                   o.date_order, o.name, o.partner_id, o.retail_branch_id, o.user_id, o.id,
                   NULL::int, o.exp_revenue - COALESCE(rec.revenue, 0),
                   o.exp_cost - COALESCE(rec.cost, 0), TRUE, o.company_id
              FROM o
              LEFT JOIN rec ON rec.pos_order_id = o.id
             WHERE COALESCE(rec.n, 0) = 0
                OR o.exp_revenue <> rec.revenue OR o.exp_cost <> rec.cost
            """,
            orders=orders,
        )
        # the paid and invoiced steps of sales (a refund's are its refund)
        steps = SQL(
            """
            WITH o AS (%(orders)s)
            SELECT k.event_type, o.date_order, o.name, o.partner_id, o.retail_branch_id,
                   o.user_id, o.id, k.move_id, o.exp_revenue, o.exp_cost, FALSE, o.company_id
              FROM o
             CROSS JOIN LATERAL (VALUES ('paid', NULL::int), ('invoiced', o.account_move))
                   AS k(event_type, move_id)
             WHERE NOT o.is_refund
               AND (k.event_type = 'paid' OR (o.state = 'invoiced' AND k.move_id IS NOT NULL))
               AND NOT EXISTS (SELECT 1 FROM crm_sales_event e
                                WHERE e.pos_order_id = o.id AND e.event_type = k.event_type)
            """,
            orders=orders,
        )
        return self._insert_pos_events(revenue) + self._insert_pos_events(steps)

    @api.model
    def _insert_pos_events(self, source):
        """Insert the events selected by ``source`` (POS_SOURCE_COLUMNS) and
        return their number: categories, profit cells and the buyers'
        channel follow, as for the other steps."""
        rows = self.env.execute_query(
            SQL(
                """
                WITH src (%(src_columns)s) AS (%(source)s)
                INSERT INTO crm_sales_event (
                    event_type, event_date, name, partner_id, retail_branch_id, user_id,
                    pos_order_id, move_id, membership_tier_id, revenue, cost, margin,
                    is_revenue, currency_id, company_id,
                    booked_revenue, booked_cost, booked_margin, expected_revenue,
                    sales_channel, create_uid, create_date, write_uid, write_date)
                SELECT src.event_type, src.event_date, src.name, src.partner_id,
                       src.retail_branch_id, src.user_id, src.pos_order_id, src.move_id,
                       p.membership_tier_id, x.amount, x.cost, x.amount - x.cost,
                       src.is_revenue, c.currency_id, src.company_id, %(split)s,
                       'store', %(uid)s, NOW() AT TIME ZONE 'UTC', %(uid)s, NOW() AT TIME ZONE 'UTC'
                  FROM src
                  JOIN res_company c ON c.id = src.company_id
                  LEFT JOIN res_partner p ON p.id = src.partner_id
                 CROSS JOIN LATERAL (
                       SELECT ROUND(src.revenue::numeric, 2) AS amount,
                              ROUND(src.cost::numeric, 2) AS cost) x
                RETURNING id, %(profit)s, event_type = 'order_confirmed'
                """,
                src_columns=POS_SOURCE_COLUMNS,
                source=source,
                split=SQL(", ").join(
                    split_amounts(
                        SQL("x.amount"), SQL("x.cost"), SQL("src.is_revenue"), SQL("src.event_type")
                    )
                ),
                profit=profit_event(),
                uid=self.env.uid,
            )
        )
        if not rows:
            return 0
        event_ids = [event_id for event_id, _profit, _sale in rows]
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO crm_sales_event_product_category_rel (event_id, categ_id)
                SELECT DISTINCT e.id, pt.categ_id
                  FROM crm_sales_event e
                  JOIN pos_order_line l ON l.order_id = e.pos_order_id
                  JOIN product_product pp ON pp.id = l.product_id
                  JOIN product_template pt ON pt.id = pp.product_tmpl_id
                 WHERE e.id = ANY(%s) AND pt.categ_id IS NOT NULL
                ON CONFLICT DO NOTHING
                """,
                event_ids,
            )
        )
        with_profit = [event_id for event_id, profit, _sale in rows if profit]
        if with_profit:
            self._queue_profit_cells(with_profit)
        sales = [event_id for event_id, _profit, sale in rows if sale]
        if sales:
            self._mark_in_store_customers(sales)
        self.invalidate_model()
        if len(rows) >= BULK_ROWS:
            self.env.cr.execute(SQL("ANALYZE crm_sales_event, crm_customer_profit_dirty"))
        return len(rows)

    @api.model
    def _mark_in_store_customers(self, event_ids):
        """The customers of these POS sales buy in the shops: no channel or
        online becomes in store, or in store and online."""
        rows = self.env.execute_query(
            SQL(
                """
                UPDATE res_partner rp
                   SET retail_channel = CASE WHEN rp.retail_channel = 'online' THEN 'both'
                                             ELSE 'store' END
                  FROM (SELECT DISTINCT partner_id FROM crm_sales_event
                         WHERE id = ANY(%s) AND partner_id IS NOT NULL) e
                 WHERE rp.id = e.partner_id AND rp.is_retail_customer
                   AND (rp.retail_channel IS NULL OR rp.retail_channel = 'online')
                RETURNING rp.id
                """,
                event_ids,
            )
        )
        if rows:
            partner_ids = [partner_id for (partner_id,) in rows]
            self.env["res.partner"].browse(partner_ids).invalidate_recordset(["retail_channel"])
            self.env["crm.customer.profit"]._queue_dimension_changes(partner_ids)
