import logging

from odoo import api, fields, models
from odoo.tools import SQL
from odoo.tools.sql import column_exists, create_index

from .crm_team import SALES_CHANNELS

_logger = logging.getLogger(__name__)
API_REF_INDEX = "sale_order_crm_api_ref_idx"


def backfill_order_channels(cr):
    """Give the orders without a channel theirs (their team's, else by
    branch), in one statement; returns the number of orders set."""
    cr.execute(
        SQL(
            """
            UPDATE sale_order so
               SET crm_sales_channel = COALESCE(
                       t.crm_sales_channel, CASE WHEN b.is_online THEN 'online' ELSE 'store' END)
              FROM sale_order o
              LEFT JOIN crm_team t ON t.id = o.team_id
              LEFT JOIN crm_retail_branch b ON b.id = o.retail_branch_id
             WHERE so.id = o.id AND so.crm_sales_channel IS NULL
            """
        )
    )
    return cr.rowcount


class SaleOrder(models.Model):
    _name = "sale.order"
    _inherit = ["sale.order", "crm.branch.mixin"]

    retail_branch_id = fields.Many2one(tracking=True)
    # Where the sale is made: its team's channel by default (see
    # models/crm_team.py for the rules); the events of the order carry it.
    # Not recomputed when the team's channel changes later: that is the
    # default of new orders, not a rewrite of past ones.
    crm_sales_channel = fields.Selection(
        SALES_CHANNELS,
        string="Sales Channel",
        compute="_compute_crm_sales_channel",
        store=True,
        readonly=False,
        precompute=True,
        index=True,
        tracking=True,
        help="Where the sale is made: by default the sales team's channel (or online on "
        "the online-store branch, in store elsewhere). Reports group revenue by it.",
    )

    def _auto_init(self):
        # A new column on a table of millions of orders: added with a
        # default (PostgreSQL records it in the catalogue, no row is
        # rewritten), then only the online-store branch's orders are
        # updated, instead of the ORM computing every order. (A team has no
        # channel yet when the column is new.)
        cr = self.env.cr
        if not column_exists(cr, "sale_order", "crm_sales_channel"):
            cr.execute(
                SQL("ALTER TABLE sale_order ADD COLUMN crm_sales_channel varchar DEFAULT 'store'")
            )
            cr.execute(SQL("ALTER TABLE sale_order ALTER COLUMN crm_sales_channel DROP DEFAULT"))
            if column_exists(cr, "sale_order", "retail_branch_id"):
                cr.execute(
                    SQL(
                        """
                        UPDATE sale_order SET crm_sales_channel = 'online'
                         WHERE retail_branch_id IN (
                               SELECT id FROM crm_retail_branch WHERE is_online)
                        """
                    )
                )
        return super()._auto_init()

    @api.depends("team_id", "retail_branch_id")
    def _compute_crm_sales_channel(self):
        for order in self:
            order.crm_sales_channel = order.team_id.crm_sales_channel or (
                "online" if order.retail_branch_id.is_online else "store"
            )

    def init(self):
        res = super().init()
        self._init_api_ref_index()
        return res

    def _init_api_ref_index(self):
        """The API finds an order it recorded by its external reference: a
        partial index of those orders only, instead of a scan of all of them
        (0.5 s on 4.7M orders). It is unique per company: two integration
        users, or two parallel calls, can never record the same reference
        twice. (Databases of older versions had it not unique: it is
        replaced, unless they already hold duplicates, which are logged.)"""
        cr = self.env.cr
        cr.execute(
            SQL(
                "SELECT i.indisunique FROM pg_index i WHERE i.indexrelid = to_regclass(%s)",
                API_REF_INDEX,
            )
        )
        row = cr.fetchone()
        if row and row[0]:
            return
        cr.execute(
            SQL(
                """SELECT count(*) FROM (SELECT 1 FROM sale_order
                    WHERE origin = 'crm_retail_api' AND client_order_ref IS NOT NULL
                    GROUP BY company_id, client_order_ref HAVING count(*) > 1) d"""
            )
        )
        duplicates = cr.fetchone()[0]
        if duplicates:
            _logger.error(
                "%s orders references of the integration API are used twice: "
                "the unique index %s is not created",
                duplicates,
                API_REF_INDEX,
            )
            create_index(
                cr,
                API_REF_INDEX,
                self._table,
                ["client_order_ref"],
                where="origin = 'crm_retail_api'",
            )
            return
        if row:
            cr.execute(SQL("DROP INDEX %s", SQL.identifier(API_REF_INDEX)))
        cr.execute(
            SQL(
                "CREATE UNIQUE INDEX %s ON sale_order (client_order_ref, company_id) "
                "WHERE origin = 'crm_retail_api'",
                SQL.identifier(API_REF_INDEX),
            )
        )

    @api.model_create_multi
    def create(self, vals_list):
        self._retail_branch_from_partner(vals_list)
        orders = super().create(vals_list)
        if any(order.state != "draft" for order in orders):
            self._sync_sales_events(orders)
        return orders

    def write(self, vals):
        res = super().write(vals)
        if "state" in vals or ("order_line" in vals and any(o.state == "sale" for o in self)):
            self._sync_sales_events(self)
        return res

    @api.model
    def _sync_sales_events(self, orders):
        """Record the cycle steps of ``orders`` (sent, confirmed, changed,
        cancelled) in the permanent sales record."""
        if orders:
            self.env["crm.sales.event"].sudo()._sync_order_events(order_ids=orders.ids)
