from odoo import models


class PhoneBlacklist(models.Model):
    """A blacklisted number is an opt-out of all SMS marketing."""

    _name = "phone.blacklist"
    _inherit = ["phone.blacklist", "crm.privacy.blacklist.mixin"]

    _crm_value_field = "number"
    _crm_partner_field = "phone_sanitized"
    _crm_channel = "sms"
