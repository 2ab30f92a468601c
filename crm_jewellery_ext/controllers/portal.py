from odoo import http
from odoo.exceptions import UserError
from odoo.http import request

from odoo.addons.portal.controllers.portal import CustomerPortal


class JewelleryPortal(CustomerPortal):
    def _jewellery_domain(self):
        partner = request.env.user.partner_id.commercial_partner_id
        return [("partner_id", "child_of", partner.id)]

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if "jewellery_count" in counters:
            domain = self._jewellery_domain()
            values["jewellery_count"] = request.env["crm.jewellery.custom.order"].search_count(
                domain
            ) + request.env["repair.order"].search_count(domain)
        return values

    @http.route(["/my/jewellery"], type="http", auth="user", website=True)
    def portal_my_jewellery(self, **kw):
        """The customer's custom orders and repairs with their status. The
        records are searched with the customer's own access rights (portal
        rules); only their display fields are then read."""
        domain = self._jewellery_domain()
        orders = request.env["crm.jewellery.custom.order"].search(domain)
        repairs = request.env["repair.order"].search(domain)
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "page_name": "jewellery",
                "custom_orders": orders.sudo(),
                "repairs": repairs.sudo(),
            }
        )
        return request.render("crm_jewellery_ext.portal_my_jewellery", values)

    @http.route(
        ["/jewellery/review/<int:review_id>"],
        type="http",
        auth="public",
        website=True,
        methods=["GET", "POST"],
    )
    def jewellery_review(self, review_id, token=None, rating=None, comment=None, **kw):
        review = request.env["crm.jewellery.review"].browse(review_id)
        values = {"review_id": review_id, "token": token, "error": None, "done": False}
        if request.httprequest.method == "POST":
            try:
                review._submit_with_token(token, rating, comment)
                values["done"] = True
            except UserError as exc:
                values["error"] = str(exc)
        else:
            try:
                review._check_token(token)
            except UserError as exc:
                values["error"] = str(exc)
        values["product_name"] = review._public_product_name(token)
        return request.render("crm_jewellery_ext.portal_jewellery_review", values)
