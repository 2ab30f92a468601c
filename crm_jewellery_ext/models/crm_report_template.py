from odoo import fields, models


class CrmReportTemplate(models.Model):
    _inherit = "crm.report.template"

    dataset = fields.Selection(
        selection_add=[("reviews", "Product reviews")], ondelete={"reviews": "cascade"}
    )
