from odoo import api, fields, models


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

    retail_branch_id = fields.Many2one(
        related="order_id.retail_branch_id", store=True, index=True, string="Branch"
    )

    @api.model_create_multi
    def create(self, vals_list):
        lines = super().create(vals_list)
        self._sync_confirmed_orders(lines.order_id)
        return lines

    def write(self, vals):
        res = super().write(vals)
        self._sync_confirmed_orders(self.order_id)
        return res

    def unlink(self):
        orders = self.order_id
        res = super().unlink()
        self._sync_confirmed_orders(orders)
        return res

    @api.model
    def _sync_confirmed_orders(self, orders):
        """A confirmed order changed: record the difference as an adjustment."""
        confirmed = orders.filtered(lambda o: o.state == "sale")
        if confirmed:
            self.env["sale.order"]._sync_sales_events(confirmed)
