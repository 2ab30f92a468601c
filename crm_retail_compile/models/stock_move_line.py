from odoo import fields, models


class StockMoveLine(models.Model):
    _inherit = "stock.move.line"

    retail_branch_id = fields.Many2one(
        related="move_id.retail_branch_id", store=True, index=True, string="Branch"
    )
