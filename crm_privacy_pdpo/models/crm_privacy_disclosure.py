from odoo import fields, models


class CrmPrivacyDisclosure(models.Model):
    """Disclosure of a customer's data to a third party (for s.23(1)(c) notices)."""

    _name = "crm.privacy.disclosure"
    _description = "Personal Data Disclosure"
    _order = "date desc, id desc"

    partner_id = fields.Many2one(
        "res.partner", string="Data Subject", required=True, ondelete="cascade", index=True
    )
    recipient_id = fields.Many2one(
        "res.partner", string="Third Party", required=True, ondelete="restrict"
    )
    data_categories = fields.Char(help="Categories disclosed, e.g. identity, contact, transaction.")
    date = fields.Date(required=True, default=fields.Date.context_today, index=True)
    purpose = fields.Char(required=True)
    user_id = fields.Many2one("res.users", default=lambda self: self.env.user)
