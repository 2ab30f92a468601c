from urllib.parse import urlsplit

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..lib.sms_gateway import TOKEN_PARAM, URL_PARAM


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    crm_sms_gateway_url = fields.Char(
        string="SMS Gateway URL",
        config_parameter=URL_PARAM,
        help="Send SMS through this HTTP gateway instead of Odoo's SMS service (IAP). "
        "Empty: Odoo's SMS service.",
    )
    crm_sms_gateway_token = fields.Char(
        string="SMS Gateway Token",
        config_parameter=TOKEN_PARAM,
        groups="base.group_system",
        help="Sent to the gateway as a bearer token (Authorization header).",
    )

    @api.constrains("crm_sms_gateway_url")
    def _check_crm_sms_gateway_url(self):
        for settings in self:
            url = (settings.crm_sms_gateway_url or "").strip()
            if not url:
                continue
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise ValidationError(
                    self.env._(
                        "The SMS gateway URL must be an http:// or https:// address, "
                        "e.g. https://sms.example.com/send."
                    )
                )
