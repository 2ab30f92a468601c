from odoo import api, models


class StockMove(models.Model):
    _inherit = "stock.move"

    @api.depends("repair_id.retail_branch_id")
    def _compute_retail_branch_id(self):
        return super()._compute_retail_branch_id()

    def _retail_branch_of_move(self):
        # the parts and the item of a repair belong to the repair's branch
        return self.repair_id.retail_branch_id or super()._retail_branch_of_move()
