"""Odoo's SMS API (sms/tools/sms_api.py) over a configurable HTTP SMS gateway.

When ``crm_privacy_pdpo.sms_gateway_url`` is set, ``sms.sms`` sends through
``SmsGatewayApi`` instead of Odoo's paid IAP service; the results come back
in IAP's terms, so ``sms.sms._send_with_api`` sets the SMS states, failure
types, notifications and mass-mailing traces exactly as for IAP.

The protocol (setup/fake_sms_gateway.py implements it for the demo and tests)::

    POST <url>   Authorization: Bearer <token>   Content-Type: application/json
    {"messages": [{"id": "<sms uuid>", "to": "+85291234567", "body": "text"}]}
    200 {"results": [{"id": "<uuid>", "status": "accepted" | "delivered" | "error",
                      "error": "<code>", "message": "<why>"}]}

Delivery reports come back later from the gateway, with the same token
(controllers/sms_gateway.py)::

    POST <odoo>/sms/gateway/status   Authorization: Bearer <token>
    {"reports": [{"id": "<sms uuid>", "status": "delivered" | "sent" | "failed" | "expired",
                  "error": "<code>", "message": "<why>"}]}
"""

import logging
import re
from urllib.parse import urlsplit

import requests

from odoo.addons.sms.tools.sms_api import SmsApiBase

_logger = logging.getLogger(__name__)

URL_PARAM = "crm_privacy_pdpo.sms_gateway_url"
TOKEN_PARAM = "crm_privacy_pdpo.sms_gateway_token"
TIMEOUT_PARAM = "crm_privacy_pdpo.sms_gateway_timeout"
DEFAULT_TIMEOUT = 10.0

# a gateway's status (or error code) -> the state IAP would have answered
GATEWAY_TO_IAP_STATE = {
    "accepted": "success",
    "queued": "success",
    "sent": "success",
    "delivered": "delivered",
    "invalid_number": "wrong_number_format",
    "missing_number": "sms_number_missing",
    "country_not_supported": "country_not_supported",
    "insufficient_credit": "insufficient_credit",
    "unauthorized": "unregistered",
    "server_error": "server_error",
    # delivery errors Odoo knows (sms.sms DELIVERY_ERRORS): traces bounce
    "rejected": "rejected",
    "invalid_destination": "invalid_destination",
    "not_allowed": "not_allowed",
    "expired": "expired",
    "not_delivered": "not_delivered",
}
CODE_RE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


def gateway_url(env):
    """The configured gateway URL, or False (Odoo's IAP then)."""
    return env["ir.config_parameter"].sudo().get_param(URL_PARAM) or False


class SmsGatewayApi(SmsApiBase):
    PROVIDER_TO_SMS_FAILURE_TYPE = SmsApiBase.PROVIDER_TO_SMS_FAILURE_TYPE | {
        "country_not_supported": "sms_country_not_supported",
        "insufficient_credit": "sms_credit",
        "unregistered": "sms_acc",
    }

    def _get_sms_api_error_messages(self):
        _ = self.env._
        return {
            "server_error": _("The SMS gateway could not send the message."),
            "unregistered": _("The SMS gateway refused the configured token."),
            "wrong_number_format": _(
                "The number you're trying to reach is not correctly formatted."
            ),
            "sms_number_missing": _("The SMS has no number to send to."),
            "country_not_supported": _("The destination country is not supported."),
            "insufficient_credit": _("The SMS gateway account has not enough credit."),
            "rejected": _("The SMS gateway rejected the message."),
        }

    @staticmethod
    def _all(uuids, state, reason):
        return [{"uuid": uuid, "state": state, "failure_reason": reason} for uuid in uuids]

    def _send_sms_batch(self, messages, delivery_reports_url=False):
        """Send ``messages`` (IAP's batch format) in one request to the gateway.

        Never raises: a gateway that cannot be reached, times out, answers an
        HTTP error or an unreadable body gives ``server_error`` for every
        SMS (``unregistered`` for a refused token), which leaves them in error
        (failure type "Server Error"), to be resent."""
        _ = self.env._
        params = self.env["ir.config_parameter"].sudo()
        url = params.get_param(URL_PARAM)
        token = params.get_param(TOKEN_PARAM)
        try:
            timeout = float(params.get_param(TIMEOUT_PARAM) or DEFAULT_TIMEOUT)
        except ValueError:
            timeout = DEFAULT_TIMEOUT
        payload = [
            {"id": number["uuid"], "to": number.get("number") or "", "body": message["content"]}
            for message in messages
            for number in message.get("numbers") or []
        ]
        uuids = [item["id"] for item in payload]
        if not uuids:
            return []
        if not url or not self.env.registry.ready:
            return self._all(uuids, "server_error", _("No SMS gateway is available."))
        headers = {"Accept": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        # logged by host only: the URL may carry credentials
        host = urlsplit(url).hostname
        try:
            response = requests.post(
                url,
                json={"messages": payload},
                headers=headers,
                timeout=timeout,
                allow_redirects=False,
            )
        except requests.exceptions.Timeout:
            _logger.warning("SMS gateway %s: no answer within %ss", host, timeout)
            return self._all(
                uuids,
                "server_error",
                _("The SMS gateway did not answer within %(seconds)s seconds.", seconds=timeout),
            )
        except requests.exceptions.RequestException as error:
            _logger.warning("SMS gateway %s unreachable: %s", host, type(error).__name__)
            return self._all(uuids, "server_error", _("The SMS gateway could not be reached."))
        if response.status_code in (401, 403):
            _logger.warning(
                "SMS gateway %s refused the token (HTTP %s)", host, response.status_code
            )
            return self._all(
                uuids, "unregistered", _("The SMS gateway refused the configured token.")
            )
        if not response.ok:
            _logger.warning("SMS gateway %s answered HTTP %s", host, response.status_code)
            return self._all(
                uuids,
                "server_error",
                _("The SMS gateway answered HTTP %(status)s.", status=response.status_code),
            )
        try:
            results = response.json()["results"]
            if not isinstance(results, list):
                raise TypeError(results)
        except (ValueError, KeyError, TypeError):
            _logger.warning("SMS gateway %s: unreadable answer", host)
            return self._all(uuids, "server_error", _("The SMS gateway's answer is unreadable."))
        by_uuid = {str(result.get("id")): result for result in results if isinstance(result, dict)}
        return [self._iap_result(uuid, by_uuid.get(uuid)) for uuid in uuids]

    def _iap_result(self, uuid, result):
        """One gateway result in IAP's terms: {uuid, state, failure_reason}."""
        _ = self.env._
        if result is None:
            return {
                "uuid": uuid,
                "state": "server_error",
                "failure_reason": _("The SMS gateway gave no result for this SMS."),
            }
        status = str(result.get("status") or "")
        code = str(result.get("error") or "server_error") if status == "error" else status
        if not CODE_RE.match(code):
            code = "server_error"
        state = GATEWAY_TO_IAP_STATE.get(code, code)
        if state in ("success", "delivered"):
            return {"uuid": uuid, "state": state}
        message = result.get("message")
        return {
            "uuid": uuid,
            "state": state,
            "failure_reason": str(message)[:200] if message else code,
        }
