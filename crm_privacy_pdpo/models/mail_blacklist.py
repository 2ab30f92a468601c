from odoo import models


class MailBlacklist(models.Model):
    """Unsubscribing through Odoo's blacklist is an opt-out of all email marketing."""

    _name = "mail.blacklist"
    _inherit = ["mail.blacklist", "crm.privacy.blacklist.mixin"]

    _crm_value_field = "email"
    _crm_partner_field = "email_normalized"
    _crm_channel = "email"
