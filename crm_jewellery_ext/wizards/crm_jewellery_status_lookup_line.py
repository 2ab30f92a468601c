from odoo import fields, models


class CrmJewelleryStatusLookupLine(models.TransientModel):
    _name = "crm.jewellery.status.lookup.line"
    _description = "Status Lookup Result"

    lookup_id = fields.Many2one("crm.jewellery.status.lookup", required=True, ondelete="cascade")
    reference = fields.Char()
    kind = fields.Char()
    status = fields.Char()
    ready_date = fields.Date()
    branch = fields.Char()
    branch_phone = fields.Char()
    own_branch = fields.Boolean()
