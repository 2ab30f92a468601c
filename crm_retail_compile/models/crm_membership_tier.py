from odoo import fields, models


class CrmMembershipTier(models.Model):
    _name = "crm.membership.tier"
    _description = "Membership Tier"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    code = fields.Char(required=True)
    sequence = fields.Integer(default=10)
    min_annual_spend = fields.Monetary(
        string="Minimum Annual Spend",
        currency_field="currency_id",
        help="Spend over the last 12 months needed to reach this tier.",
    )
    currency_id = fields.Many2one(
        "res.currency", default=lambda self: self.env.company.currency_id, required=True
    )
    color = fields.Integer()
    active = fields.Boolean(default=True)

    _sql_constraints = [
        ("code_uniq", "unique(code)", "The tier code must be unique."),
    ]
