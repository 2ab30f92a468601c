from odoo import fields, models

from .crm_privacy_consent import CHANNELS


class CrmPrivacyBlockedSend(models.Model):
    """A marketing message that was not sent for lack of valid consent."""

    _name = "crm.privacy.blocked.send"
    _description = "Blocked Marketing Send"
    _order = "date desc, id desc"

    mailing_id = fields.Many2one("mailing.mailing", ondelete="cascade", index=True)
    partner_id = fields.Many2one("res.partner", ondelete="cascade", index=True)
    res_model = fields.Char(string="Recipient Model")
    res_id = fields.Integer(string="Recipient ID")
    channel = fields.Selection(CHANNELS, required=True)
    purpose_id = fields.Many2one("crm.privacy.marketing.purpose", ondelete="set null")
    reason = fields.Selection(
        [
            ("no_consent", "No valid consent"),
            ("no_partner", "No identified customer"),
            ("call_list", "Excluded from a call list"),
        ],
        required=True,
        default="no_consent",
    )
    date = fields.Datetime(default=fields.Datetime.now, required=True, index=True)
