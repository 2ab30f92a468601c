from odoo import fields, models


class CrmPrivacyMarketingPurpose(models.Model):
    """Class of marketing subjects (s.35C: the kinds of services or products)."""

    _name = "crm.privacy.marketing.purpose"
    _description = "Direct Marketing Purpose"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    code = fields.Char(required=True)  # indexed by its unique constraint
    description = fields.Text(
        translate=True,
        help="Specific description of the marketing subjects: vague descriptions are not "
        "valid notices under s.35C.",
    )
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)

    _sql_constraints = [("code_uniq", "unique(code)", "The purpose code must be unique.")]
