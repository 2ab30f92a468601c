from odoo import fields, models


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

    retail_branch_id = fields.Many2one(
        related="order_id.retail_branch_id", store=True, index=True, string="Branch"
    )
