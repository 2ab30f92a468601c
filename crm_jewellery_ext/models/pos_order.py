from odoo import api, models


class PosOrder(models.Model):
    """A paid POS order: its certified pieces go to the customer and its
    deposits count toward their custom orders."""

    _inherit = "pos.order"

    def write(self, vals):
        res = super().write(vals)
        if vals.get("state") in ("paid", "done", "invoiced"):
            self._jewellery_after_payment()
        return res

    @api.model_create_multi
    def create(self, vals_list):
        orders = super().create(vals_list)
        paid = orders.filtered(lambda o: o.state in ("paid", "done", "invoiced"))
        if paid:
            paid._jewellery_after_payment()
        return orders

    def _jewellery_after_payment(self):
        self.env["crm.jewellery.certificate"]._link_pos_sales(self)
        self.env["pos.order.line"]._count_custom_order_payments(self)
