import base64
import time

from odoo import api, models
from odoo.tools.misc import consteq, hmac

from .res_partner_portal import _utc_timestamp

SHORT_SCOPE = "crm_privacy_pdpo.preference_short_link"
# /pp/<partner id>.<issued>.<signature>: ids and times in base 36, the
# signature 9 bytes (72 bits) of an HMAC-SHA256, base64url (12 characters)
SHORT_PATH = "/pp/"
SIGNATURE_BYTES = 9
MAX_CODE = 40
# a partner id and a time below 36**6 (2**31 and the year 2038), dots, signature
LONGEST_CODE = 6 + 1 + 6 + 1 + 12
DIGITS36 = "0123456789abcdefghijklmnopqrstuvwxyz"


def _to36(number):
    text = ""
    while True:
        number, digit = divmod(number, 36)
        text = DIGITS36[digit] + text
        if not number:
            return text


def _from36(text):
    if not text or len(text) > 12 or any(c not in DIGITS36 for c in text):
        return None
    return int(text, 36)


class ResPartner(models.Model):
    """The short form of the signed link to the preference centre, for SMS:
    ``/pp/<code>`` (about 25 characters after the host) opens the same
    preference centre as ``/privacy/preferences/<id>/<token>``, under the
    same rules (valid ``preference_link_days`` from issue, revocable by the
    privacy officer), since it redirects to the long link issued at the same
    time. Its own HMAC scope: a short signature is never a long one."""

    _inherit = "res.partner"  # pylint: disable=consider-merging-classes-inherited

    def _crm_privacy_short_signature(self, partner_id, issued):
        digest = hmac(self.env(su=True), SHORT_SCOPE, (int(partner_id), int(issued)))
        raw = bytes.fromhex(digest)[:SIGNATURE_BYTES]
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    def _crm_privacy_preference_short_url(self):
        """``<base URL>/pp/<code>``, issued now (or at the latest revocation,
        as the long link)."""
        self.ensure_one()
        issued = int(time.time())
        valid_from = self.sudo().crm_privacy_links_valid_from
        if valid_from:
            issued = max(issued, int(_utc_timestamp(valid_from)))
        signature = self._crm_privacy_short_signature(self.id, issued)
        code = f"{_to36(self.id)}.{_to36(issued)}.{signature}"
        return f"{self.get_base_url()}{SHORT_PATH}{code}"

    @api.model
    def _crm_privacy_long_path_from_short_code(self, code):
        """The long link's path (``/privacy/preferences/<id>/<token>``) a
        short code stands for, or False for a malformed code, a wrong
        signature, or a link expired or revoked (the long link's own check)."""
        if not isinstance(code, str) or len(code) > MAX_CODE or code.count(".") != 2:
            return False
        id36, issued36, signature = code.split(".")
        partner_id, issued = _from36(id36), _from36(issued36)
        if not partner_id or issued is None or partner_id >= 2**31:
            return False
        expected = self._crm_privacy_short_signature(partner_id, issued)
        if not consteq(expected.encode(), signature.encode("utf-8", "replace")):
            return False
        token = self.browse(partner_id)._crm_privacy_preference_token(issued=issued)
        partner = self._crm_privacy_partner_from_token(partner_id, token)
        if not partner:
            return False
        return f"/privacy/preferences/{partner.id}/{token}"
