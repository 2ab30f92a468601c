from odoo import fields, models


class CrmJewelleryMetal(models.Model):
    _name = "crm.jewellery.metal"
    _description = "Jewellery Metal"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    code = fields.Char(required=True)
    fineness = fields.Char(help="Purity mark, e.g. 999.9, 750, PT950.")
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)

    _sql_constraints = [("code_uniq", "unique(code)", "The metal code must be unique.")]
