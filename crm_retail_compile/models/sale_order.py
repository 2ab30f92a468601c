import logging

from odoo import api, fields, models
from odoo.tools import SQL
from odoo.tools.sql import create_index

_logger = logging.getLogger(__name__)
API_REF_INDEX = "sale_order_crm_api_ref_idx"


class SaleOrder(models.Model):
    _name = "sale.order"
    _inherit = ["sale.order", "crm.branch.mixin"]

    retail_branch_id = fields.Many2one(tracking=True)

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
