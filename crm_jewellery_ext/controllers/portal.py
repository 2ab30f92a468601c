from odoo import http
from odoo.exceptions import UserError
from odoo.http import request

from odoo.addons.portal.controllers.portal import CustomerPortal

MAX_REVIEW_BODY = 16 * 1024


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
        # the form holds a rating and a comment of at most 2,000 characters
        # (8 kB in UTF-8): a larger body is refused (413) before it is read
        max_content_length=MAX_REVIEW_BODY,
    )
    def jewellery_review(self, review_id, token=None, rating=None, comment=None, **kw):
        """The public page of a review link. An unknown review and a wrong
        token get the same 404; after 10 failures in 10 minutes from an
        address or on a review, the link answers 429 for a while, whatever
        the token (no guessing)."""
        Attempt = request.env["crm.jewellery.review.attempt"].sudo()
        ip = request.httprequest.remote_addr or ""
        counted_id = review_id if 0 < review_id < 2**31 else 0
        if Attempt._is_blocked(ip, counted_id):
            return request.make_response(
                request.env._("Too many attempts: try again in a few minutes."),
                headers=[("Content-Type", "text/plain; charset=utf-8"), ("Retry-After", "600")],
                status=429,
            )
        try:
            review = request.env["crm.jewellery.review"].browse(counted_id)._check_token(token)
        except UserError:
            review = None
        if not review:
            Attempt._record_failure(ip, counted_id)
            raise request.not_found()
        values = {
            "review_id": review.id,
            "token": token,
            "error": None,
            "done": False,
            "product_name": review.product_id.display_name,
        }
        if request.httprequest.method == "POST":
            try:
                review._submit_with_token(token, rating, comment)
                values["done"] = True
            except UserError as exc:
                values["error"] = str(exc)
        elif review.state == "received":
            values["error"] = request.env._("Thank you, this review was already received.")
        return request.render("crm_jewellery_ext.portal_jewellery_review", values)
