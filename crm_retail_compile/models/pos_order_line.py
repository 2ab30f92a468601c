from odoo import api, fields, models


class PosOrderLine(models.Model):
    _inherit = "pos.order.line"

    # The branch rule of order lines (security XML): the branch of the order
    retail_branch_id = fields.Many2one(
        related="order_id.retail_branch_id", store=True, index=True, string="Branch"
    )

    def write(self, vals):
        res = super().write(vals)
        if "total_cost" in vals or "price_subtotal" in vals:
            # the cost of average/FIFO products is known at the session's
            # closing: the recorded cost is adjusted
            self.env["crm.sales.event"]._defer_pos_events(self.order_id.ids)
        return res

    @api.model_create_multi
    def create(self, vals_list):
        lines = super().create(vals_list)
        self.env["crm.sales.event"]._defer_pos_events(
            lines.order_id.filtered(lambda o: o.state != "draft").ids
        )
        return lines
