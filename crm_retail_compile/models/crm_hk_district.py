from odoo import api, fields, models


class CrmHkDistrict(models.Model):
    _name = "crm.hk.district"
    _description = "Hong Kong District"
    _order = "region, sequence, name"
    _rec_names_search = ["name", "name_zh", "code"]

    code = fields.Char(required=True)  # indexed by its unique constraint
    name = fields.Char(string="Name (English)", required=True)
    name_zh = fields.Char(string="Name (Chinese)")
    region = fields.Selection(
        [
            ("hk_island", "Hong Kong Island"),
            ("kowloon", "Kowloon"),
            ("new_territories", "New Territories"),
        ],
        required=True,
    )
    sequence = fields.Integer(default=10)

    _sql_constraints = [
        ("code_uniq", "unique(code)", "The district code must be unique."),
    ]

    @api.depends("name", "name_zh")
    def _compute_display_name(self):
        for district in self:
            district.display_name = (
                f"{district.name} {district.name_zh}" if district.name_zh else district.name
            )
