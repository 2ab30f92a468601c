from werkzeug.urls import url_encode

from odoo import http
from odoo.exceptions import UserError
from odoo.http import request

from odoo.addons.portal.controllers.portal import CustomerPortal

# the answer form holds a few short fields: a larger body is refused (413)
MAX_ANSWER_BODY = 16 * 1024


class DqRequestPortal(CustomerPortal):
    """The customer's side of a data-quality request (crm.dq.request): the
    page of the signed link (or of a logged-in portal customer) that shows
    the fields asked and takes the answer, the short link of SMS, and the
    list of a portal customer's requests."""

    def _dq_own_domain(self):
        partner = request.env.user.partner_id.commercial_partner_id
        return [("partner_id", "child_of", partner.id)]

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if "dq_request_count" in counters:
            Request = request.env["crm.dq.request"]
            values["dq_request_count"] = (
                Request.search_count([*self._dq_own_domain(), ("state", "=", "sent")])
                if Request.has_access("read")
                else 0
            )
        return values

    def _dq_request_checked(self, request_id, access_token):
        """(request as sudo, answer source) after checking the signed link's
        token, or that the logged-in customer owns the request; (None, None)
        otherwise. Nothing is read as superuser before that check but the
        token itself."""
        Request = request.env["crm.dq.request"]
        if access_token:
            req = Request._get_with_token(request_id, access_token)
            return (req, "portal_link") if req else (None, None)
        if request.env.user._is_public() or not 0 < request_id < 2**31:
            return None, None
        # the customer's own rights (portal rule: their own requests only)
        own = Request.search([*self._dq_own_domain(), ("id", "=", request_id)])
        return (own.sudo(), "portal_login") if own else (None, None)

    def _dq_values(self, req, access_token, **values):
        keys = req._asked_keys()
        form = values.pop("form", None)
        return {
            "req": req,
            "keys": keys,
            "labels": dict(req._ask_labels()),
            "current": req._masked_current(),
            "districts": request.env["crm.hk.district"].sudo().search([]),
            "form": req._prefill_values() if form is None else form,
            "errors": values.pop("errors", {}),
            "access_token": access_token or "",
            "action_url": f"/my/data-request/{req.id}",
            "days": list(range(1, 32)),
            "months": list(range(1, 13)),
            "closed": False,
            "done": False,
            **values,
        }

    @http.route(
        ["/my/data-request/<int:request_id>"],
        type="http",
        auth="public",
        website=True,
        methods=["GET", "POST"],
        max_content_length=MAX_ANSWER_BODY,
    )
    def portal_dq_request(self, request_id, access_token=None, **post):
        """The request's page: the fields asked, prefilled (masked when
        personal); on POST (CSRF-checked by Odoo) the answer is validated
        with the back office's rules and written, or the errors shown."""
        req, source = self._dq_request_checked(request_id, access_token)
        if not req:
            raise request.not_found()
        if not req._is_open_for_answer():
            return self._dq_closed(req, access_token)
        if request.httprequest.method != "POST":
            return self._dq_response(req, access_token)
        post.pop("csrf_token", None)
        try:
            errors = req._apply_answer(post, source=source)
        except UserError:
            return self._dq_closed(req, access_token)
        if errors:
            return self._dq_response(req, access_token, errors=errors, form=post, status=400)
        return self._dq_response(req, access_token, done=True)

    def _dq_closed(self, req, access_token):
        message = (
            request.env._("Thank you: this request was already answered.")
            if req.state == "answered"
            else request.env._(
                "This link is no longer valid: it has expired or was cancelled. "
                "You can update your details at any of our shops."
            )
        )
        return self._dq_response(req, access_token, closed=message, status=410)

    def _dq_response(self, req, access_token, status=200, **values):
        # the customer's language: a visitor of the link reads the page in
        # the language of the request, a logged-in customer in their own
        lang = req._request_lang() if request.env.user._is_public() else request.env.user.lang
        request.update_context(lang=lang)
        req = req.with_context(lang=lang)
        return request.render(
            "crm_retail_compile.dq_request_portal_page",
            self._dq_values(req, access_token, **values),
            status=status,
            headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"},
        )

    @http.route(["/dq/<string:code>"], type="http", auth="public", methods=["GET"])
    def portal_dq_short_link(self, code, **kw):
        """The short link of an SMS: redirect to the signed link."""
        req = request.env["crm.dq.request"]._get_by_short_code(code)
        if not req:
            raise request.not_found()
        query = url_encode({"access_token": req.access_token})
        return request.redirect(f"/my/data-request/{req.id}?{query}", local=True)

    @http.route(["/my/data-requests"], type="http", auth="user", website=True)
    def portal_my_dq_requests(self, **kw):
        """A logged-in customer's requests (their own rights)."""
        requests = request.env["crm.dq.request"].search(self._dq_own_domain())
        values = self._prepare_portal_layout_values()
        values.update({"page_name": "dq_requests", "dq_requests": requests})
        return request.render("crm_retail_compile.portal_my_dq_requests", values)
