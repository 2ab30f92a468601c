from odoo import models


class StockPicking(models.Model):
    _inherit = "stock.picking"

    def _action_done(self):
        res = super()._action_done()
        sale_pickings = self.filtered(lambda p: p.sale_id or p.return_id.sale_id)
        if sale_pickings:
            self.env["crm.sales.event"].sudo()._sync_picking_events(picking_ids=sale_pickings.ids)
        return res
