from odoo import models


class StockPicking(models.Model):
    _inherit = "stock.picking"

    def _action_done(self):
        res = super()._action_done()
        delivered = self.filtered(
            lambda p: p.state == "done" and p.sale_id and p.picking_type_code == "outgoing"
        )
        if delivered:
            self.env["crm.jewellery.certificate"]._link_delivered_lots(delivered.move_line_ids)
            self.env["crm.jewellery.review"]._request_reviews_for(delivered)
        return res
