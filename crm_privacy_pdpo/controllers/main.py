from odoo import http
from odoo.http import request


class PrivacyNoticeController(http.Controller):
    """Public pages: the active collection notice and the customer's rights.

    No sudo(): public and portal users read published (active) notices through
    their own access rights and record rule.
    """

    @http.route(
        ["/privacy/notice"],
        type="http",
        auth="public",
        website=True,
        methods=["GET"],
        sitemap=False,
    )
    def privacy_notice(self, **kwargs):
        pics = request.env["crm.privacy.pics"]._get_active()
        return request.render("crm_privacy_pdpo.privacy_notice_page", {"pics": pics})

    @http.route(
        ["/privacy/rights"],
        type="http",
        auth="public",
        website=True,
        methods=["GET"],
        sitemap=False,
    )
    def privacy_rights(self, **kwargs):
        pics = request.env["crm.privacy.pics"]._get_active()
        return request.render("crm_privacy_pdpo.privacy_rights_page", {"pics": pics})
