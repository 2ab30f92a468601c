from odoo import fields, http
from odoo.exceptions import UserError
from odoo.http import request

from odoo.addons.portal.controllers.portal import CustomerPortal

from ..models.res_partner_portal import MAX_DETAILS, MAX_VALUE, PORTAL_CORRECTABLE_FIELDS

# a preference form holds a few dozen check boxes, a request form 2,000
# characters of details: a larger body is refused (413) before it is read
MAX_FORM_BODY = 64 * 1024
FORM_KEYS = frozenset({"csrf_token", "notice_read"})


class PrivacyPortal(CustomerPortal):
    """The customer's privacy pages on the portal: the preference centre
    (``/my/privacy``, or ``/privacy/preferences/<id>/<token>`` from a signed
    link without logging in) and the access and correction requests
    (``/my/privacy/requests``).

    The partner is always the logged-in user's own partner, or the partner
    of a signed link whose token was checked: only then are its consents and
    requests read or recorded as superuser (portal users have no access to
    the privacy registers). Forms post with Odoo's CSRF token and only the
    choices shown are accepted."""

    # ------------------------------------------------------------------
    # Portal home
    # ------------------------------------------------------------------
    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if "privacy_request_count" in counters:
            partner = request.env.user.partner_id
            # the domain is the check: the user's own requests only
            values["privacy_request_count"] = (
                request.env["crm.privacy.request"]
                .sudo()
                .search_count([("partner_id", "=", partner.id)])
            )
        return values

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------
    def _privacy_evidence(self, pics, via_link):
        http_request = request.httprequest
        agent = (http_request.user_agent.string if http_request.user_agent else "") or "-"
        if via_link:
            how = request.env._("signed link (no login)")
        else:
            how = request.env._("portal login %(login)s", login=request.env.user.login)
        return request.env._(
            "Customer portal, %(how)s; IP address %(ip)s; browser %(agent)s; collection "
            "notice %(version)s; %(time)s UTC",
            how=how,
            ip=http_request.remote_addr or "-",
            agent=agent[:300],
            version=pics.version if pics else "-",
            time=fields.Datetime.to_string(fields.Datetime.now()),
        )

    @staticmethod
    def _privacy_secure(response):
        # a signed link never leaks through the Referer header, and no cache
        # keeps a customer's preferences
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["Cache-Control"] = "no-store"
        response.headers["X-Frame-Options"] = "SAMEORIGIN"
        response.headers["Content-Security-Policy"] = "frame-ancestors 'self'"
        return response

    def _privacy_preferences(self, partner, post, form_url, via_link, template):
        """Show, or on POST record, the preferences of ``partner`` (checked
        by the caller)."""
        purposes, channels, pics = partner._crm_privacy_portal_choices()
        matrix = partner._crm_privacy_consent_matrix(purposes, channels)
        cells = {f"consent_{purpose.id}_{channel}" for purpose in purposes for channel in channels}
        errors = []
        if request.httprequest.method == "POST":
            unknown = sorted(key for key in post if key not in cells | FORM_KEYS)
            if unknown:
                errors.append(request.env._("This form does not offer these choices."))
            changes = []
            for purpose in purposes:
                for channel in channels:
                    checked = bool(post.get(f"consent_{purpose.id}_{channel}"))
                    current = matrix[(purpose.id, channel)]
                    if checked and current != "opt_in":
                        changes.append((purpose, channel, "opt_in"))
                    elif not checked and current == "opt_in":
                        changes.append((purpose, channel, "opt_out"))
            if any(kind == "opt_in" for _p, _c, kind in changes) and not post.get("notice_read"):
                errors.append(
                    request.env._(
                        "Confirm that you have read the collection notice before giving a consent."
                    )
                )
            if not errors:
                try:
                    partner._crm_privacy_portal_record_consents(
                        changes, self._privacy_evidence(pics, via_link), pics
                    )
                except UserError as error:
                    errors.append(str(error))
            if not errors:
                return request.redirect(f"{form_url}?saved={1 if changes else 0}")
            # the choices made stay on the form with the messages
            matrix = {
                (purpose.id, channel): "opt_in"
                if post.get(f"consent_{purpose.id}_{channel}")
                else "opt_out"
                for purpose in purposes
                for channel in channels
            }
        channel_labels = dict(
            request.env["crm.privacy.consent"]
            ._fields["channel"]
            ._description_selection(request.env)
        )
        values = self._prepare_portal_layout_values() if not via_link else {}
        values.update(
            {
                "page_name": "privacy_preferences",
                "customer": partner,
                "pics": pics,
                "purposes": purposes,
                "channels": [(code, channel_labels.get(code, code)) for code in channels],
                "matrix": matrix,
                "errors": errors,
                "saved": request.httprequest.method == "GET" and post.get("saved"),
                "form_url": form_url,
                "via_link": via_link,
            }
        )
        return self._privacy_secure(request.render(template, values))

    # ------------------------------------------------------------------
    # Preference centre
    # ------------------------------------------------------------------
    @http.route(
        ["/my/privacy"],
        type="http",
        auth="user",
        website=True,
        methods=["GET", "POST"],
        max_content_length=MAX_FORM_BODY,
    )
    def portal_my_privacy(self, **post):
        partner = request.env.user.partner_id  # the user's own data
        return self._privacy_preferences(
            partner, post, "/my/privacy", False, "crm_privacy_pdpo.portal_my_privacy"
        )

    @http.route(
        ["/privacy/preferences/<int:partner_id>/<string:token>"],
        type="http",
        auth="public",
        website=True,
        methods=["GET", "POST"],
        sitemap=False,
        max_content_length=MAX_FORM_BODY,
    )
    def privacy_preferences_link(self, partner_id, token, **post):
        """A signed link (from a message): the same 404 for an unknown
        customer and a wrong, expired or revoked token."""
        partner = request.env["res.partner"]._crm_privacy_partner_from_token(partner_id, token)
        if not partner:
            raise request.not_found()
        return self._privacy_preferences(
            partner,
            post,
            f"/privacy/preferences/{partner.id}/{token}",
            True,
            "crm_privacy_pdpo.privacy_preferences_link_page",
        )

    # ------------------------------------------------------------------
    # Access and correction requests
    # ------------------------------------------------------------------
    @http.route(["/my/privacy/requests"], type="http", auth="user", website=True, methods=["GET"])
    def portal_my_privacy_requests(self, submitted=None, **kw):
        partner = request.env.user.partner_id
        Request = request.env["crm.privacy.request"]
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "page_name": "privacy_requests",
                "privacy_requests": partner._crm_privacy_portal_requests(),
                "request_types": dict(
                    Request._fields["request_type"]._description_selection(request.env)
                ),
                "request_states": dict(
                    Request._fields["state"]._description_selection(request.env)
                ),
                "submitted": submitted,
            }
        )
        return self._privacy_secure(
            request.render("crm_privacy_pdpo.portal_my_privacy_requests", values)
        )

    def _privacy_correctable_fields(self):
        Partner = request.env["res.partner"]
        return [
            (fname, Partner._fields[fname]._description_string(request.env))
            for fname in PORTAL_CORRECTABLE_FIELDS
            if fname in Partner._fields
        ]

    @http.route(
        ["/my/privacy/requests/new"],
        type="http",
        auth="user",
        website=True,
        methods=["GET", "POST"],
        max_content_length=MAX_FORM_BODY,
    )
    def portal_my_privacy_request_new(self, **post):
        partner = request.env.user.partner_id  # the user's own data
        errors = []
        if request.httprequest.method == "POST":
            allowed = {
                "csrf_token",
                "request_type",
                "request_details",
                "correction_field",
                "correction_value",
            }
            request_type = post.get("request_type")
            field_name = post.get("correction_field") or ""
            value = (post.get("correction_value") or "").strip()
            if set(post) - allowed:
                errors.append(request.env._("This form does not offer these choices."))
            elif request_type not in ("access", "correction"):
                errors.append(request.env._("Choose a data access or a data correction request."))
            elif field_name and field_name not in PORTAL_CORRECTABLE_FIELDS:
                errors.append(
                    request.env._("This data cannot be corrected online: describe it instead.")
                )
            elif value and not field_name:
                errors.append(request.env._("Choose which data the corrected value is for."))
            if not errors:
                corrections = (
                    [(field_name, value)]
                    if request_type == "correction" and field_name and value
                    else []
                )
                try:
                    partner._crm_privacy_portal_submit_request(
                        request_type,
                        post.get("request_details"),
                        corrections,
                        self._privacy_evidence(
                            request.env["crm.privacy.pics"].sudo()._get_active(), False
                        ),
                    )
                except UserError as error:
                    errors.append(str(error))
            if not errors:
                return request.redirect("/my/privacy/requests?submitted=1")
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "page_name": "privacy_request_new",
                "errors": errors,
                "post": post,
                "correctable_fields": self._privacy_correctable_fields(),
                "max_details": MAX_DETAILS,
                "max_value": MAX_VALUE,
            }
        )
        return self._privacy_secure(
            request.render("crm_privacy_pdpo.portal_my_privacy_request_new", values)
        )
