from odoo import api, fields, models


class CrmJewelleryWish(models.Model):
    """A product on a customer's wish list. When the product comes back in
    stock, clienteling tells the salesperson (with the customer's consent)."""

    _name = "crm.jewellery.wish"
    _description = "Wish List Item"
    _order = "date desc, id desc"

    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, ondelete="cascade", index=True
    )
    product_id = fields.Many2one("product.product", required=True, ondelete="restrict", index=True)
    date = fields.Date(required=True, default=fields.Date.context_today)
    note = fields.Char()
    notify_back_in_stock = fields.Boolean(default=True)
    in_stock = fields.Boolean(
        readonly=True,
        help="Technical: whether the product was in stock at the last check, so that "
        "the salesperson is told once when it comes back.",
    )
    state = fields.Selection(
        [("open", "Open"), ("bought", "Bought"), ("cancelled", "Cancelled")],
        default="open",
        required=True,
    )

    _sql_constraints = [
        (
            "partner_product_uniq",
            "unique(partner_id, product_id)",
            "The product is already on the customer's wish list.",
        )
    ]

    @api.model_create_multi
    def create(self, vals_list):
        wishes = super().create(vals_list)
        wishes._refresh_stock_state()
        return wishes

    def _refresh_stock_state(self):
        """Record the current availability; return the wishes whose product
        just came back in stock."""
        if not self:
            return self.browse()
        products = self.product_id
        products.invalidate_recordset(["qty_available"])
        available = {p.id for p in products if p.qty_available > 0}
        back = self.filtered(lambda w: not w.in_stock and w.product_id.id in available)
        gone = self.filtered(lambda w: w.in_stock and w.product_id.id not in available)
        if back:
            back.sudo().write({"in_stock": True})
        if gone:
            gone.sudo().write({"in_stock": False})
        return back
