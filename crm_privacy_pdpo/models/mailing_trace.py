from odoo import fields, models


class MailingTrace(models.Model):
    """Failure types for recipients a direct-marketing mailing excluded for lack of
    consent, next to Odoo's blacklist and opt-out ones."""

    _inherit = "mailing.trace"

    failure_type = fields.Selection(
        selection_add=[
            ("mail_no_consent", "No Direct-Marketing Consent"),
            ("sms_no_consent", "No Direct-Marketing Consent (SMS)"),
        ],
        ondelete={"mail_no_consent": "set null", "sms_no_consent": "set null"},
    )
