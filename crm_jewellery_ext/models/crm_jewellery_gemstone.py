from odoo import fields, models


class CrmJewelleryGemstone(models.Model):
    _name = "crm.jewellery.gemstone"
    _description = "Gemstone"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    code = fields.Char(required=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)

    _sql_constraints = [("code_uniq", "unique(code)", "The gemstone code must be unique.")]
