"""Delivery reports from the suite's HTTP SMS gateway, and the short link to
the preference centre that marketing SMS carry.

The gateway reports what became of the messages it accepted::

    POST <Odoo>/sms/gateway/status
    Authorization: Bearer <the gateway token of Settings > SMS Gateway>
    Content-Type: application/json
    {"reports": [{"id": "<sms uuid>", "status": "delivered"},
                 {"id": "<uuid>", "status": "failed", "error": "not_delivered",
                  "message": "handset switched off"},
                 {"id": "<uuid>", "status": "expired"}, ...]}      (1 to 1,000)

    200 {"result": "ok", "updated": 2, "unknown": 1}   reports for unknown
        messages (already deleted, another database's) are ignored
    400 {"error": "bad_request", "message": "..."}     nothing is changed
    403 {"error": "forbidden"}      wrong or missing token, or no token set
    413 the body is larger than 512 KB

``status``: ``delivered``; ``sent`` (accepted by the operator, no change);
``expired``; ``failed`` with an ``error`` code: ``rejected``,
``invalid_destination``, ``not_allowed`` (the trace bounces),
``not_delivered`` (the default), or any other code (failure "unknown", the
message kept as the reason). A report may be sent again: the latest state
wins, as with Odoo's IAP webhook (``/sms/status``), whose model methods do
the updates.
"""

import json
import logging
import re

from odoo import http
from odoo.http import request
from odoo.tools.misc import consteq

from ..lib.sms_gateway import CODE_RE, GATEWAY_TO_IAP_STATE, TOKEN_PARAM

_logger = logging.getLogger(__name__)

MAX_BODY = 512 * 1024
MAX_REPORTS = 1000
UUID_RE = re.compile(r"^[0-9a-f]{32}$")
SUCCESS_STATUSES = {"delivered": "delivered", "sent": "sent", "accepted": "sent", "queued": "sent"}
FAILURE_STATUSES = {"failed", "error", "undelivered", "expired", "rejected"}
NO_CACHE = [("Cache-Control", "no-store")]


class BadReport(ValueError):
    pass


def _reply(payload, status=200):
    return request.make_json_response(payload, headers=NO_CACHE, status=status)


def _parse_report(report):
    """(uuid, IAP state, failure reason) of one report, or BadReport."""
    if not isinstance(report, dict):
        raise BadReport("each report is an object")
    uuid = report.get("id")
    if not isinstance(uuid, str) or not UUID_RE.match(uuid):
        raise BadReport("a report's id is the SMS uuid (32 hexadecimal digits)")
    status = report.get("status")
    if not isinstance(status, str):
        raise BadReport("a report has a status")
    status = status.lower()
    if status in SUCCESS_STATUSES:
        return uuid, SUCCESS_STATUSES[status], False
    if status not in FAILURE_STATUSES:
        raise BadReport("unknown status (delivered, sent, failed or expired)")
    code = report.get("error") or (status if status in ("expired", "rejected") else "")
    code = str(code).lower() if isinstance(code, str) else ""
    if not CODE_RE.match(code):
        code = "not_delivered"
    state = GATEWAY_TO_IAP_STATE.get(code, code)
    if state in ("success", "delivered"):  # a failure cannot be a success
        state = "not_delivered"
    message = report.get("message")
    reason = message.strip()[:200] if isinstance(message, str) and message.strip() else code
    return uuid, state, reason


class SmsGatewayController(http.Controller):
    def _gateway_authorized(self):
        """The shared token of the SMS gateway, compared in constant time;
        no token configured: every report is refused."""
        token = request.env["ir.config_parameter"].sudo().get_param(TOKEN_PARAM) or ""
        header = request.httprequest.headers.get("Authorization") or ""
        scheme, _sep, given = header.partition(" ")
        if not token or scheme.lower() != "bearer" or not given.strip():
            return False
        return consteq(token.encode(), given.strip().encode("utf-8", "replace"))

    @http.route(
        "/sms/gateway/status",
        type="http",
        auth="public",
        methods=["POST"],
        csrf=False,
        save_session=False,
        max_content_length=MAX_BODY,
    )
    def sms_gateway_status(self, **_kwargs):
        if not self._gateway_authorized():
            _logger.warning(
                "SMS delivery report refused from %s: wrong or missing token",
                request.httprequest.remote_addr,
            )
            return _reply({"error": "forbidden"}, 403)
        try:
            payload = json.loads(request.httprequest.get_data())
            if not isinstance(payload, dict) or not isinstance(payload.get("reports"), list):
                raise BadReport('the body is {"reports": [...]}')
            reports = payload["reports"]
            if not 0 < len(reports) <= MAX_REPORTS:
                raise BadReport(f"1 to {MAX_REPORTS} reports per request")
            parsed = [_parse_report(report) for report in reports]
        except (ValueError, UnicodeDecodeError) as error:
            message = str(error) if isinstance(error, BadReport) else "the body is not JSON"
            return _reply({"error": "bad_request", "message": message}, 400)
        updated, unknown = request.env["sms.sms"].sudo()._crm_gateway_delivery_reports(parsed)
        if unknown:
            _logger.info("SMS delivery reports: %s for unknown messages ignored", unknown)
        return _reply({"result": "ok", "updated": updated, "unknown": unknown})

    @http.route(
        "/pp/<string:code>",
        type="http",
        auth="public",
        methods=["GET"],
        sitemap=False,
        save_session=False,
    )
    def privacy_preferences_short_link(self, code, **_kwargs):
        """The short signed link of a marketing SMS: a redirection to the
        long signed link of the same customer, issued at the same time (so
        expired or revoked alike); the same 404 for anything else."""
        path = request.env["res.partner"]._crm_privacy_long_path_from_short_code(code)
        if not path:
            raise request.not_found()
        response = request.redirect(path, code=303, local=True)
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["Cache-Control"] = "no-store"
        return response
