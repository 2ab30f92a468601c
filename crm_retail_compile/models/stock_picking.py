from odoo import api, models

from .crm_branch_mixin import computed_branch_field


class StockPicking(models.Model):
    _inherit = "stock.picking"

    # The branch rule of transfers (security XML): the branch of the order
    # delivered, else the partner's home branch.
    retail_branch_id = computed_branch_field()

    @api.depends("sale_id.retail_branch_id", "partner_id.commercial_partner_id.retail_branch_id")
    def _compute_retail_branch_id(self):
        for picking in self:
            picking.retail_branch_id = (
                picking.sale_id.retail_branch_id
                or picking.partner_id.commercial_partner_id.retail_branch_id
            )

    def _action_done(self):
        res = super()._action_done()
        sale_pickings = self.filtered(lambda p: p.sale_id or p.return_id.sale_id)
        if sale_pickings:
            self.env["crm.sales.event"].sudo()._sync_picking_events(picking_ids=sale_pickings.ids)
        return res
