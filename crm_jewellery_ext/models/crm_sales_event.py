from odoo import api, models
from odoo.tools import SQL


class CrmSalesEvent(models.Model):
    _inherit = "crm.sales.event"

    @api.model
    def _pos_sale_line(self):
        """A deposit taken at the till for a custom order is a payment toward
        that order, whose revenue is recorded with its sale order: not a sale
        of its own (it would count the piece twice)."""
        return SQL("(%s AND l.custom_order_id IS NULL)", super()._pos_sale_line())
