from odoo import api, models

from .crm_branch_mixin import computed_branch_field


class StockMove(models.Model):
    _inherit = "stock.move"

    # The branch rule of stock moves (security XML): the branch of their
    # transfer, else of the order line they deliver.
    retail_branch_id = computed_branch_field()

    @api.depends("picking_id.retail_branch_id", "sale_line_id.order_id.retail_branch_id")
    def _compute_retail_branch_id(self):
        for move in self:
            move.retail_branch_id = move._retail_branch_of_move()

    def _retail_branch_of_move(self):
        self.ensure_one()
        return self.picking_id.retail_branch_id or self.sale_line_id.order_id.retail_branch_id
