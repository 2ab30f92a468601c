from odoo import fields, models


class CrmRetailInterest(models.Model):
    _name = "crm.retail.interest"
    _description = "Customer Interest"
    _order = "name"

    name = fields.Char(required=True, translate=True)
    color = fields.Integer()
    active = fields.Boolean(default=True)

    _sql_constraints = [
        ("name_uniq", "unique(name)", "This interest already exists."),
    ]
