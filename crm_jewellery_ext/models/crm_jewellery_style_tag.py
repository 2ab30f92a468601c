from odoo import fields, models


class CrmJewelleryStyleTag(models.Model):
    _name = "crm.jewellery.style.tag"
    _description = "Jewellery Style"
    _order = "name"

    name = fields.Char(required=True, translate=True)
    color = fields.Integer()
    active = fields.Boolean(default=True)

    _sql_constraints = [("name_uniq", "unique(name)", "This style already exists.")]
