from odoo import api, http, models
from odoo.http import request


class IrHttp(models.AbstractModel):
    _inherit = "ir.http"

    @classmethod
    def _authenticate(cls, endpoint):
        had_uid = bool(request.session.uid)
        res = super()._authenticate(endpoint)
        if had_uid and not request.session.uid:
            # auth_session_timeout logs an idle session out after the route's
            # authentication, and the request would still run as the user:
            # authenticate it again as the logged-out visitor it now is, as
            # Odoo does for a session whose token is no longer valid (a route
            # for users answers SessionExpiredException)
            request.env = api.Environment(request.env.cr, None, request.session.context)
            auth = "none" if http.is_cors_preflight(request, endpoint) else endpoint.routing["auth"]
            cls._authenticate_explicit(auth)
        return res

    def session_info(self):
        """People in a Retail CRM role without a home action of their own
        land on the Retail CRM home page; everybody else keeps Odoo's,
        Odoo's settings administrators included: the web client also opens
        the home action for a URL without a valid action (instead of the
        menu of the URL), and Odoo's own tours rely on that for 'admin'."""
        info = super().session_info()
        user = self.env.user
        if (
            "home_action_id" in info
            and not info["home_action_id"]
            and user.has_group("crm_privacy_pdpo.group_retail_user")
            and not user.has_group("base.group_system")
        ):
            action = self.env.ref("crm_retail_compile.crm_retail_home_action", False)
            info["home_action_id"] = action.id if action else False
        return info
